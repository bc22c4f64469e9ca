/*
 * つなぐ — small progressive enhancements. Every page works without this file.
 * Loaded with the CSP nonce from base.html; no inline scripts or event-handler attributes anywhere.
 */
(function () {
  "use strict";

  // After a form comes back with errors, put the keyboard focus on the first invalid field so
  // screen readers read its label and error (linked with aria-describedby) straight away.
  // Skipped when the page already chose a field with autofocus.
  function focusFirstInvalidField(root) {
    var scope = root || document;
    if (document.activeElement && document.activeElement.hasAttribute("autofocus")) {
      return;
    }
    var field = scope.querySelector('[aria-invalid="true"]:not([type="hidden"])');
    if (field && typeof field.focus === "function") {
      field.focus();
    }
  }

  // <button data-confirm="…"> (or <form data-confirm="…">) asks before submitting, e.g. for
  // destructive actions. The server still validates everything; this only prevents slips.
  function onSubmitConfirm(event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstInvalidField(document);
  });
  document.addEventListener("submit", onSubmitConfirm);

  // Content swapped in by htmx gets the same treatment.
  document.addEventListener("htmx:afterSwap", function (event) {
    focusFirstInvalidField(event.target);
  });
})();
