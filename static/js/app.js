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

  // Date boxes (core/forms.py JapaneseDateInput): the calendar beside the box writes the picked
  // day into the box in 和暦, which the server reads like a typed date. Eras as in core/dates.py.
  var ERAS = [
    ["令和", 2019, 5, 1],
    ["平成", 1989, 1, 8],
    ["昭和", 1926, 12, 25],
    ["大正", 1912, 7, 30]
  ];

  function eraYear(y, m, d) {
    for (var i = 0; i < ERAS.length; i++) {
      var e = ERAS[i];
      if (y > e[1] || (y === e[1] && (m > e[2] || (m === e[2] && d >= e[3])))) {
        var n = y - e[1] + 1;
        return e[0] + (n === 1 ? "元" : String(n)) + "年";
      }
    }
    return y + "年";
  }

  // "2026-12-03" → 令和8年12月3日, "2026-12-03T14:30" → 令和8年12月3日 14:30, "2026-12" → 令和8年12月.
  function toWareki(value) {
    var m = /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:T(\d{2}):(\d{2}))?/.exec(value || "");
    if (!m) {
      return "";
    }
    var y = parseInt(m[1], 10), mo = parseInt(m[2], 10), d = m[3] ? parseInt(m[3], 10) : 1;
    var text = eraYear(y, mo, d) + mo + "月" + (m[3] ? d + "日" : "");
    if (m[4]) {
      text += " " + parseInt(m[4], 10) + ":" + m[5];
    }
    return text;
  }

  function onDatePicked(event) {
    var picker = event.target;
    if (!picker.classList || !picker.classList.contains("date-input__picker")) {
      return;
    }
    var box = document.getElementById(picker.getAttribute("data-date-picker-for"));
    var text = toWareki(picker.value);
    if (box && text) {
      box.value = text;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  document.addEventListener("change", onDatePicked);

  // Content swapped in by htmx gets the same treatment.
  document.addEventListener("htmx:afterSwap", function (event) {
    focusFirstInvalidField(event.target);
  });
})();
