/*
 * つなぐ — the progress of the 相談受付・申込票 (本人 / 相談の内容 / スクリーニング / 同意).
 * Without this file the step list shows the state the server computed; with it, each step's
 * status follows the typing, and the section being filled is marked as the current step.
 */
(function () {
  "use strict";

  function filled(el) {
    if (el.type === "checkbox" || el.type === "radio") {
      return el.checked;
    }
    return el.value && el.value.trim() !== "";
  }

  function sectionDone(section) {
    var inputs = Array.prototype.slice.call(
      section.querySelectorAll("input:not([type=hidden]), select, textarea")
    );
    var required = inputs.filter(function (el) { return el.required; });
    if (required.length) {
      return required.every(filled);
    }
    return inputs.some(filled);
  }

  function update(form) {
    var sections = form.querySelectorAll("[data-section]");
    Array.prototype.forEach.call(sections, function (section) {
      var step = document.querySelector('[data-step="' + section.getAttribute("data-section") + '"]');
      if (!step || step.classList.contains("intake-steps__item--error")) {
        return;
      }
      var done = sectionDone(section);
      step.classList.toggle("intake-steps__item--done", done);
      var status = step.querySelector("[data-step-status]");
      if (status) {
        status.textContent = done ? "入力済み" : "未入力";
      }
    });
  }

  function markCurrent(event) {
    var section = event.target.closest && event.target.closest("[data-section]");
    if (!section) {
      return;
    }
    var steps = document.querySelectorAll("[data-step]");
    Array.prototype.forEach.call(steps, function (step) {
      if (step.getAttribute("data-step") === section.getAttribute("data-section")) {
        step.setAttribute("aria-current", "step");
      } else {
        step.removeAttribute("aria-current");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("intake-form");
    if (!form || !document.querySelector("[data-step]")) {
      return;
    }
    form.addEventListener("input", function () { update(form); });
    form.addEventListener("change", function () { update(form); });
    form.addEventListener("focusin", markCurrent);
  });
})();
