// An export job's page reloads itself while the job is queued or running, so the download
// appears once the file is built. Without JavaScript the page refreshes itself (noscript).
(function () {
  "use strict";
  var box = document.querySelector(".export-job");
  if (!box || box.getAttribute("data-running") !== "1") return;
  window.setTimeout(function () { window.location.reload(); }, 1500);
})();
