// A job's page while a worker does the job: its status, step and progress bar asked
// for every few seconds (the page's JSON), the page reloaded once the job has ended
// (its result or its error). Without JavaScript the page reloads itself (<noscript>).
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || box.dataset.finished === "true") return;
  var every = parseInt(box.dataset.pollMs, 10) || 1500;
  var numbers = new Intl.NumberFormat(box.dataset.lang || "en");
  var bar = document.getElementById("job-bar");
  var status = document.getElementById("job-status");
  var step = document.getElementById("job-step");
  var count = document.getElementById("job-count");

  function show(state) {
    status.textContent = state.status_text;
    step.textContent = state.step ? " · " + state.step : "";
    if (state.percent === null) {
      bar.removeAttribute("value");
    } else {
      bar.value = state.percent;
      bar.textContent = state.percent + " %";
    }
    count.textContent = state.total
      ? box.dataset.msgCount
          .split("{done}").join(numbers.format(state.done))
          .split("{total}").join(numbers.format(state.total))
      : "";
  }

  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, every * 3); return; }
        if (state.finished || state.lost) { window.location.reload(); return; }
        show(state);
        window.setTimeout(poll, every);
      })
      .catch(function () { window.setTimeout(poll, every * 3); });
  }

  window.setTimeout(poll, every);
})();
