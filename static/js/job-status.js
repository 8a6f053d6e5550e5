/* The job status page: asks the server how the job is doing every few seconds and shows
 * it (the progress bar, the sentence in the role="status" region, the download link once
 * the file is ready). When it ends, the tab's title says so too ("Ready: ..."), for a
 * person who went to another tab. No inline script (CSP). Without JavaScript the page has
 * a "Check again" link instead. */
(function () {
  "use strict";
  var DELAY_MS = 2000;
  var MAX_DELAY_MS = 15000;

  function show(root, status, expired) {
    var blocks = root.querySelectorAll("[data-job-show]");
    for (var i = 0; i < blocks.length; i += 1) {
      var wanted = blocks[i].getAttribute("data-job-show").split(" ");
      var key = expired ? "expired" : status;
      blocks[i].hidden = wanted.indexOf(key) === -1;
    }
  }

  function update(root, state) {
    var bar = root.querySelector("progress");
    var text = root.querySelector("[role=status]");
    if (bar) { bar.value = state.percent; bar.textContent = state.percent + "%"; }
    if (text && text.textContent !== state.text) { text.textContent = state.text; }
    var link = root.querySelector("[data-job-filename]");
    if (link && state.filename) { link.textContent = "Download " + state.filename; }
    root.setAttribute("data-job-status", state.status);
    show(root, state.status, state.expired);
    if (state.finished && document.title.indexOf(state.status_label + ": ") !== 0) {
      document.title = state.status_label + ": " + document.title;
    }
  }

  function poll(root, url, delay) {
    window.setTimeout(function () {
      var request = new XMLHttpRequest();
      request.open("GET", url);
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (request.status !== 200) { return poll(root, url, Math.min(delay * 2, MAX_DELAY_MS)); }
        var state = JSON.parse(request.responseText);
        update(root, state);
        if (!state.finished) { poll(root, url, DELAY_MS); }
      };
      request.onerror = function () { poll(root, url, Math.min(delay * 2, MAX_DELAY_MS)); };
      request.send();
    }, delay);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-job-status-url]");
    if (!root) { return; }
    var status = root.getAttribute("data-job-status");
    if (status === "done" || status === "failed") { return; }
    poll(root, root.getAttribute("data-job-status-url"), DELAY_MS);
  });
})();
