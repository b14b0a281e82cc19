/* The day screen (orders:day): "select all" for sticker checkboxes, and keeping the ticked
   orders ticked when the list is re-rendered by a live update. No inline scripts (CSP). */
(function () {
  "use strict";
  var ticked = null;

  document.addEventListener("change", function (ev) {
    var all = ev.target.closest("[data-select-all]");
    if (!all) return;
    var form = all.form || all.closest("form");
    form.querySelectorAll('input[type=checkbox][name="' + all.dataset.selectAll + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });

  document.addEventListener("htmx:beforeSwap", function (ev) {
    if (!ev.detail.target || ev.detail.target.id !== "day-body") return;
    ticked = {};
    ev.detail.target.querySelectorAll('input[name="ids"]:checked').forEach(function (box) {
      ticked[box.value] = true;
    });
    var all = document.getElementById("select-all");
    ticked.__all = all ? all.checked : false;
    ticked.__known = {};
    ev.detail.target.querySelectorAll("tr[data-order]").forEach(function (row) {
      ticked.__known[row.dataset.order] = true;
    });
  });

  document.addEventListener("htmx:afterSwap", function () {
    var body = document.getElementById("day-body");
    if (!body || !ticked) return;
    body.querySelectorAll('input[name="ids"]').forEach(function (box) {
      if (ticked[box.value]) box.checked = true;
    });
    body.querySelectorAll("tr[data-order]").forEach(function (row) {
      if (!ticked.__known[row.dataset.order]) row.classList.add("is-live-new");
    });
    var all = document.getElementById("select-all");
    if (all) all.checked = ticked.__all;
    ticked = null;
  });

  // Switching branch or date re-renders the page part: ask to join its group (the server checks).
  document.addEventListener("htmx:afterSwap", function (ev) {
    if (!ev.detail.target || ev.detail.target.id !== "day-page" || !window.kolo) return;
    var body = document.getElementById("day-body");
    if (body && body.dataset.liveGroups) window.kolo.subscribe(body.dataset.liveGroups.split(/\s+/));
  });
})();
