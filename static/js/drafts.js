/*
 * つなぐ — 入力中の下書き (server drafts, tsunagu/core/drafts.py).
 *
 * A form with data-draft-key and data-draft-url is sent to the server as a draft every few
 * seconds while it changes, and when the page is hidden or left (navigator.sendBeacon). While
 * there is typed text the server has not received yet, leaving or reloading the page asks first
 * (beforeunload). Submitting the form ends all of this: the record's own save deletes the draft.
 * The page restores a draft server-side (the form comes back filled, with a notice); without this
 * file nothing is autosaved and every form still works. No inline script: loaded with the CSP nonce.
 */
(function () {
  "use strict";

  var INTERVAL_MS = 3000;

  function formValues(form) {
    var data = new FormData(form);
    var keys = [];
    data.forEach(function (value, key) {
      if (typeof value !== "string") {
        keys.push(key); // files are never kept in a draft
      }
    });
    keys.forEach(function (key) {
      data.delete(key);
    });
    data.set("draft_key", form.getAttribute("data-draft-key"));
    return data;
  }

  function setup(form) {
    var url = form.getAttribute("data-draft-url");
    var status = document.querySelector("[data-draft-status]");
    var changes = 0; // edits since the page was opened
    var sent = 0; // edits the server has received
    var inflight = false;
    var done = false; // the form was submitted, or the draft discarded

    function unsent() {
      return !done && changes > sent;
    }

    function showStatus(text) {
      if (status) {
        status.textContent = text;
        status.hidden = false;
      }
      form.setAttribute("data-draft-state", unsent() ? "unsent" : "saved");
    }

    function onEdit() {
      changes += 1;
      form.setAttribute("data-draft-state", "unsent");
    }

    function save() {
      if (!unsent() || inflight) {
        return;
      }
      var upTo = changes;
      inflight = true;
      fetch(url, {
        method: "POST",
        body: formValues(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (!response.ok) {
            return response
              .json()
              .catch(function () {
                return {};
              })
              .then(function (body) {
                throw new Error(body.detail || "");
              });
          }
          return response.json();
        })
        .then(function (body) {
          sent = Math.max(sent, upTo);
          if (!done) {
            showStatus("下書きを保存しました（" + (body.label || "") + "）");
          }
        })
        .catch(function (error) {
          if (!done) {
            showStatus(error.message || "下書きを保存できませんでした。通信の状態を確かめてください。");
          }
        })
        .then(function () {
          inflight = false;
        });
    }

    function saveNow() {
      // The page is being hidden or left: a beacon survives the page's end.
      if (!unsent() || !navigator.sendBeacon) {
        return;
      }
      if (navigator.sendBeacon(url, formValues(form))) {
        sent = changes;
      }
    }

    form.addEventListener("input", onEdit);
    form.addEventListener("change", onEdit);
    form.addEventListener("goals:changed", onEdit); // rows added, removed or moved (goals.js)
    form.addEventListener("submit", function () {
      done = true;
    });
    document.querySelectorAll("[data-draft-discard]").forEach(function (discard) {
      discard.addEventListener("submit", function () {
        done = true;
      });
    });
    window.setInterval(save, INTERVAL_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") {
        saveNow();
      }
    });
    window.addEventListener("pagehide", saveNow);
    window.addEventListener("beforeunload", function (event) {
      if (unsent()) {
        event.preventDefault();
        event.returnValue = ""; // older browsers need a value to ask
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-draft-key][data-draft-url]").forEach(setup);
  });
})();
