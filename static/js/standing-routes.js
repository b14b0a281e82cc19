/* Standing route page: the depot and the numbered sites in their order on a Leaflet map (from the
   JSON in #standing-map-data), and drag-and-drop of the sites (SortableJS) that posts the new
   position to the same endpoint as the up/down buttons. No inline scripts (CSP). */
(function () {
  "use strict";

  var COLOUR = "#1f6feb";

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function numbered(n) {
    return L.divIcon({
      className: "",
      html: '<div class="route-marker" style="background:' + COLOUR + '">' + n + "</div>",
      iconSize: [22, 22],
      iconAnchor: [11, 11],
    });
  }

  function initMap() {
    var el = document.getElementById("standing-map");
    var source = document.getElementById("standing-map-data");
    if (!el || !source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var map = L.map(el);
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    var depot = data.depot.point;
    L.marker(depot, {
      icon: L.divIcon({ className: "", html: '<div class="depot-marker">D</div>', iconSize: [20, 20] }),
      title: data.depot.name,
    }).addTo(map);
    var line = [depot];
    data.stops.forEach(function (s) {
      L.marker(s.point, { icon: numbered(s.n), title: s.label })
        .bindPopup("<strong>#" + s.n + "</strong><br>" + escapeHtml(s.label))
        .addTo(map);
      line.push(s.point);
    });
    line.push(depot);
    if (data.stops.length) L.polyline(line, { color: COLOUR, weight: 3, opacity: 0.8 }).addTo(map);
    if (line.length > 2) map.fitBounds(line, { padding: [20, 20] });
    else map.setView(depot, 11);
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function initSortable() {
    if (typeof Sortable === "undefined") return;
    document.querySelectorAll("[data-sortable-sites]").forEach(function (tbody) {
      Sortable.create(tbody, {
        draggable: ".stop-row",
        handle: ".drag-handle",
        animation: 120,
        onEnd: function (ev) {
          if (ev.oldDraggableIndex === ev.newDraggableIndex) return;
          var body = new URLSearchParams();
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

  function start() { initMap(); initSortable(); }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
