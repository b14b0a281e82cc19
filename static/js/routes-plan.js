/* Route planning page: draw each route in its colour with numbered stop markers on a Leaflet
   map, from the JSON the server put in #routes-map-data. No inline scripts (CSP). */
(function () {
  "use strict";

  function marker(colour, text, late) {
    return L.divIcon({
      className: "",
      html: '<div class="route-marker' + (late ? " late" : "") + '" style="background:' + colour + '">' + text + "</div>",
      iconSize: [22, 22],
      iconAnchor: [11, 11],
    });
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function init() {
    var el = document.getElementById("routes-map");
    var source = document.getElementById("routes-map-data");
    document.querySelectorAll(".route-swatch[data-colour]").forEach(function (s) {
      s.style.background = s.dataset.colour;
    });
    if (!el || !source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var map = L.map(el, { zoomSnap: 0.25 }); // a narrow map still fills with the whole day
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    var bounds = [];
    (data.territories || []).forEach(function (t) {
      L.polygon(t.polygon, { color: t.colour, weight: 1, fillOpacity: 0.08, dashArray: "4 4" })
        .bindTooltip(t.name + (t.vans ? " · " + t.vans : ""))
        .addTo(map);
    });
    data.depots.forEach(function (d) {
      L.marker(d.point, { icon: L.divIcon({ className: "", html: '<div class="depot-marker">D</div>', iconSize: [20, 20] }), title: d.name }).addTo(map);
      bounds.push(d.point);
    });
    data.routes.forEach(function (r) {
      if (!r.stops.length) return;
      var line = [r.depot].concat(r.stops.map(function (s) { return s.point; })).concat([r.depot]);
      L.polyline(line, { color: r.colour, weight: 3, opacity: 0.8 }).addTo(map);
      r.stops.forEach(function (s) {
        L.marker(s.point, { icon: marker(r.colour, s.n, s.late), title: s.label })
          .bindPopup("<strong>" + escapeHtml(r.name) + " #" + s.n + "</strong><br>" + escapeHtml(s.label) + "<br>" + escapeHtml(s.eta))
          .addTo(map);
        bounds.push(s.point);
      });
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });
    else map.setView([59.9386, 30.3141], 10);
  }

  // --- Drag a stop within or between routes (SortableJS); the server re-times both routes --------
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function initSortable() {
    if (typeof Sortable === "undefined") return;
    document.querySelectorAll("[data-sortable-route]").forEach(function (tbody) {
      Sortable.create(tbody, {
        group: "route-stops",
        draggable: ".stop-row",
        handle: ".drag-handle",
        animation: 120,
        onEnd: function (ev) {
          if (ev.from === ev.to && ev.oldDraggableIndex === ev.newDraggableIndex) return;
          var body = new URLSearchParams();
          body.set("route", ev.to.dataset.sortableRoute);
          body.set("position", String(ev.newDraggableIndex + 1));
          fetch(ev.item.dataset.moveUrl, {
            method: "POST",
            headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
            body: body.toString(),
            credentials: "same-origin",
          }).finally(function () { window.location.reload(); });
        },
      });
    });
  }

  // The optimiser's progress bar is swapped in by htmx; once the job is done the page shows
  // the new routes by itself (the plan is read again; nothing is lost).
  function reloadWhenOptimised() {
    document.body.addEventListener("htmx:afterSettle", function () {
      if (document.querySelector('.job-progress[data-status="done"]')) window.location.reload();
    });
  }

  function start() { init(); initSortable(); reloadWhenOptimised(); }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
