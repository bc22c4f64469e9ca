/*
 * つなぐ — プランの目標と支援: add, remove and reorder goal rows before saving.
 *
 * Without this file the form still works: 「目標を追加」 is a submit button the server answers
 * with one more row, 「この目標を削除する」 is a checkbox and 並び順 a number field. With it:
 * - 「目標を追加」 adds a row from the formset's empty form (<template data-goal-template>) and
 *   raises TOTAL_FORMS, without a round trip;
 * - each row gets 「↑」「↓」 (move) and 「削除」 (marks the row's DELETE box and hides the row);
 * - 並び順 (ORDER) of the visible rows is renumbered 1, 2, 3 … after every change, so the order on
 *   screen is the order saved.
 * It tells drafts.js about every change (event "goals:changed"). No inline script (CSP).
 */
(function () {
  "use strict";

  function setup(container) {
    var form = container.closest("form");
    var prefix = container.getAttribute("data-prefix");
    var max = parseInt(container.getAttribute("data-max"), 10) || 30;
    var template = form.querySelector("template[data-goal-template]");
    var total = form.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var addButton = form.querySelector("[data-goal-add]");
    if (!template || !total || !addButton) {
      return;
    }

    function visibleRows() {
      return Array.prototype.filter.call(container.querySelectorAll("[data-goal-row]"), function (row) {
        return !row.hidden;
      });
    }

    function field(row, name) {
      return row.querySelector("[name$='-" + name + "']");
    }

    function changed() {
      form.dispatchEvent(new CustomEvent("goals:changed", { bubbles: true }));
    }

    function renumber() {
      var rows = visibleRows();
      rows.forEach(function (row, i) {
        var order = field(row, "ORDER");
        if (order) {
          order.value = String(i + 1);
        }
        var number = row.querySelector("[data-goal-number]");
        if (number) {
          number.textContent = String(i + 1);
        }
        var up = row.querySelector("[data-goal-up]");
        var down = row.querySelector("[data-goal-down]");
        if (up) {
          up.disabled = i === 0;
        }
        if (down) {
          down.disabled = i === rows.length - 1;
        }
      });
      addButton.disabled = parseInt(total.value, 10) >= max;
    }

    function button(label, attr, title) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "button button--secondary button--small";
      b.textContent = label;
      b.setAttribute(attr, "");
      b.setAttribute("aria-label", title);
      return b;
    }

    function enhance(row) {
      var del = field(row, "DELETE");
      if (del && del.checked) {
        row.hidden = true; // marked for deletion before (a draft restored, an error shown)
      }
      var tools = document.createElement("div");
      tools.className = "goal-row__tools";
      var up = button("↑", "data-goal-up", "この目標を上へ移動");
      var down = button("↓", "data-goal-down", "この目標を下へ移動");
      var remove = button("削除", "data-goal-remove", "この目標を削除");
      up.addEventListener("click", function () {
        var rows = visibleRows();
        var i = rows.indexOf(row);
        if (i > 0) {
          container.insertBefore(row, rows[i - 1]);
          renumber();
          changed();
          up.focus();
        }
      });
      down.addEventListener("click", function () {
        var rows = visibleRows();
        var i = rows.indexOf(row);
        if (i >= 0 && i < rows.length - 1) {
          container.insertBefore(rows[i + 1], row);
          renumber();
          changed();
          down.focus();
        }
      });
      remove.addEventListener("click", function () {
        if (del) {
          del.checked = true;
        }
        row.hidden = true;
        renumber();
        changed();
        addButton.focus();
      });
      tools.appendChild(up);
      tools.appendChild(down);
      tools.appendChild(remove);
      var legend = row.querySelector("legend");
      if (legend && legend.nextSibling) {
        row.insertBefore(tools, legend.nextSibling);
      } else {
        row.appendChild(tools);
      }
      // The number field and the checkbox stay in the form (they carry the values); the buttons
      // are their on-screen controls.
      [field(row, "ORDER"), del].forEach(function (input) {
        var wrapper = input && input.closest(".form-field");
        if (wrapper) {
          wrapper.hidden = true;
        }
      });
    }

    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10) || 0;
      if (index >= max) {
        return;
      }
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, "");
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.querySelector("[data-goal-row]");
      container.appendChild(row);
      total.value = String(index + 1);
      enhance(row);
      renumber();
      changed();
      var first = row.querySelector("select, textarea, input:not([type=hidden])");
      if (first) {
        first.focus();
      }
    });

    // Rows come from the server in form order; show them in their 並び順 (a restored draft or a
    // form sent back with errors keeps the order chosen), rows without a number last.
    var rows = Array.prototype.slice.call(container.querySelectorAll("[data-goal-row]"));
    rows
      .map(function (row, i) {
        var order = field(row, "ORDER");
        var n = order && order.value !== "" ? parseInt(order.value, 10) : NaN;
        return { row: row, key: isNaN(n) ? Infinity : n, i: i };
      })
      .sort(function (a, b) {
        return a.key === b.key ? a.i - b.i : a.key < b.key ? -1 : 1;
      })
      .forEach(function (item) {
        container.appendChild(item.row);
      });
    rows.forEach(enhance);
    renumber();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-goal-rows]").forEach(setup);
  });
})();
