/* Leads: kanban drag-and-drop, live column refresh, stage reordering, the sales chart.
   No inline scripts (CSP); everything hangs off data attributes in the templates. */
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) { return ""; }
  }

  function post(url, data) {
    var body = new URLSearchParams();
    Object.keys(data).forEach(function (k) {
      [].concat(data[k]).forEach(function (v) { body.append(k, v); });
    });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" }
    });
  }

  // --- Kanban -------------------------------------------------------------------------------
  function liveRoot() { return document.querySelector(".kanban-live"); }

  function refreshColumn(stageId) {
    var root = liveRoot(), board = document.getElementById("lead-board");
    var col = document.getElementById("col-" + stageId);
    if (!root || !board || !col) return Promise.resolve();
    var url = root.dataset.boardUrl + "?" + (board.dataset.query || "") + "&column=" + stageId;
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var current = document.getElementById("col-" + stageId);
        if (!current) return;
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim();
        var fresh = tpl.content.firstElementChild;
        if (!fresh) return;
        current.replaceWith(fresh);
        if (window.htmx) window.htmx.process(fresh);
        initColumns(fresh);
      });
  }

  var dragging = false, ownMoves = {};

  function initColumns(scope) {
    if (!window.Sortable) return;
    (scope || document).querySelectorAll(".kanban-cards").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      window.Sortable.create(list, {
        group: "leads",
        animation: 150,
        ghostClass: "lead-card-ghost",
        forceFallback: true,  // mouse/touch events rather than native drag: works with links inside cards
        fallbackTolerance: 3,
        onStart: function () { dragging = true; },
        onEnd: function (evt) {
          dragging = false;
          var card = evt.item, from = evt.from.dataset.stage, to = evt.to.dataset.stage;
          if (from === to && evt.oldIndex === evt.newIndex) return;
          card.classList.add("lead-card-saving");
          ownMoves[card.dataset.id] = Date.now();  // our own move: its live echo needs no refetch
          // The neighbours the user saw: the server places the card between them (the board may
          // be filtered, so an index would not say where among all the column's leads).
          var above = card.previousElementSibling, below = card.nextElementSibling;
          post(card.dataset.moveUrl, {
            stage: to,
            after: above && above.dataset.id ? above.dataset.id : "",
            before: below && below.dataset.id ? below.dataset.id : ""
          })
            .then(function (r) {
              if (!r.ok) {
                return r.text().then(function (t) { window.alert(t || "Error"); });
              }
            })
            .catch(function () { /* offline: the refresh below puts the card back */ })
            .then(function () {
              refreshColumn(to);
              if (from !== to) refreshColumn(from);
            });
        }
      });
    });
  }

  document.body.addEventListener("kolo:lead", function (e) {
    if (!liveRoot() || dragging) return;
    var d = e.detail || {};
    if (d.op === "moved" && ownMoves[d.id] && Date.now() - ownMoves[d.id] < 3000) return;
    var stages = [d.stage, d.from].filter(function (s, i, a) { return s && a.indexOf(s) === i; });
    stages.forEach(refreshColumn);
  });
  document.body.addEventListener("kolo:resync", function () {
    if (!liveRoot()) return;
    document.querySelectorAll(".kanban-cards").forEach(function (l) { refreshColumn(l.dataset.stage); });
  });
  document.body.addEventListener("htmx:afterSwap", function (e) { initColumns(e.target.parentNode || document); });

  // --- Stage order in the pipeline settings --------------------------------------------------
  function initStageList() {
    var list = document.getElementById("stage-list");
    if (!list || !window.Sortable) return;
    window.Sortable.create(list, {
      handle: ".stage-handle",
      animation: 150,
      onEnd: function () {
        var ids = [].map.call(list.querySelectorAll(".stage-row"), function (li) { return li.dataset.id; });
        post(list.dataset.reorderUrl, { stage: ids });
      }
    });
  }

  // --- Sales chart --------------------------------------------------------------------------
  function initChart() {
    var canvas = document.getElementById("sales-chart");
    if (!canvas || !window.Chart) return;
    fetch(canvas.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        new window.Chart(canvas, {
          type: "line",
          data: {
            labels: data.labels,
            datasets: [{ label: canvas.dataset.label, data: data.values, borderColor: "#1a7f37",
                         backgroundColor: "rgba(26,127,55,.12)", fill: true, tension: 0.25 }]
          },
          options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } } }
        });
      });
  }

  function init() { initColumns(document); initStageList(); initChart(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
