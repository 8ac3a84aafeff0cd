// A report run's page: ask its status every 2 seconds, move the progress bar, and reload the page when the
// run is done or failed (the page then shows the Download button or the error). Without JavaScript, a
// <noscript> meta refresh reloads the whole page instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("progress");
  var label = box.querySelector("[data-testid=run-status]");
  var rows = box.querySelector("[data-testid=run-rows]");
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function show(data) {
    if (label && data.status_label) label.textContent = data.status_label;
    if (bar) {
      var max = Math.max(data.rows_estimate || 0, data.rows_done || 0, 1);
      bar.max = max;
      if (data.rows_done) bar.value = data.rows_done;
    }
    if (rows && data.rows_done) {
      rows.textContent = format.format(data.rows_done) + (data.rows_estimate ? " / ~" + format.format(data.rows_estimate) : "");
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 2000);
})();
