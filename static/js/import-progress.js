// 取り込みの進み具合 (templates/imports/detail.html): polls the job's small JSON every 2 seconds,
// moves the progress bar and the 状態 row, and reloads the page once the job has finished. Without JavaScript the
// page offers a link to show the latest state.
(function () {
  "use strict";

  function start(box) {
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("progress");
    var label = box.querySelector("[data-progress-label]");
    var count = box.querySelector("[data-progress-count]");
    // The 状態 row of the summary above says the same as the progress line.
    var status = document.querySelector("[data-status-label]");

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          if (bar) {
            bar.value = data.percent;
            bar.textContent = data.percent + "%";
          }
          if (label) {
            label.textContent = data.status_label;
          }
          if (status) {
            status.textContent = data.status_label;
          }
          if (count) {
            count.textContent = data.processed + " / " + data.total;
          }
          if (data.running) {
            window.setTimeout(poll, 2000);
          } else {
            window.location.reload();
          }
        })
        .catch(function () {
          window.setTimeout(poll, 5000);
        });
    }

    window.setTimeout(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("[data-progress-url]");
    for (var i = 0; i < boxes.length; i += 1) {
      start(boxes[i]);
    }
  });
})();
