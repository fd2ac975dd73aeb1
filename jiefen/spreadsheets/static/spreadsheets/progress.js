// Polls an import job's progress and updates the page; reloads once the job has ended so the
// error table or the result appears. Without JavaScript the page refreshes itself (noscript).
(function () {
  "use strict";
  var box = document.querySelector(".sheets-job");
  if (!box || box.getAttribute("data-running") !== "1") return;
  var url = box.getAttribute("data-progress-url");
  function show(data) {
    box.querySelectorAll("[data-field]").forEach(function (el) {
      var key = el.getAttribute("data-field");
      if (!(key in data)) return;
      if (el.tagName === "PROGRESS") { el.value = data[key]; el.textContent = data[key] + "%"; }
      else { el.textContent = data[key]; }
    });
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        show(data);
        if (data.running) { window.setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
