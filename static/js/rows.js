/*
 * つなぐ — rows of a form (アセスメントシートの職歴・債務・公的給付): add a row before saving.
 *
 * Without this file the form still works: 「…の行を追加」 is a submit button the server answers
 * with one more row, and 「この行を削除する」 is a checkbox. With it, the button adds a row from the
 * formset's empty form (<template data-row-template="<prefix>">) and raises <prefix>-TOTAL_FORMS
 * without a round trip. Several row lists may share one form (one per data-prefix). It tells
 * drafts.js about every change (event "goals:changed"). No inline script (CSP).
 */
(function () {
  "use strict";

  function setup(container) {
    var form = container.closest("form");
    var prefix = container.getAttribute("data-prefix");
    var max = parseInt(container.getAttribute("data-max"), 10) || 30;
    var template = form.querySelector("template[data-row-template='" + prefix + "']");
    var total = form.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var addButton = form.querySelector("[data-row-add='" + prefix + "']");
    if (!template || !total || !addButton) {
      return;
    }

    function refresh() {
      addButton.disabled = parseInt(total.value, 10) >= max;
    }

    addButton.addEventListener("click", function (event) {
      event.preventDefault();
      var index = parseInt(total.value, 10) || 0;
      if (index >= max) {
        return;
      }
      var holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
      var row = holder.querySelector("[data-row]");
      container.appendChild(row);
      total.value = String(index + 1);
      refresh();
      form.dispatchEvent(new CustomEvent("goals:changed", { bubbles: true }));
      var first = row.querySelector("select, textarea, input:not([type=hidden])");
      if (first) {
        first.focus();
      }
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-rows]").forEach(setup);
  });
})();
