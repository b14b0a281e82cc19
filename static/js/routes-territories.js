/* Territories page: every active territory drawn on one map, coloured as in the list.
   Data comes from the json_script "territories-map-data" (no inline scripts: CSP). */
(function () {
  "use strict";

  function init() {
    document.querySelectorAll(".route-swatch[data-colour]").forEach(function (s) {
      s.style.background = s.dataset.colour;
    });
    var el = document.getElementById("territories-map");
    var source = document.getElementById("territories-map-data");
    if (!el || !source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var map = L.map(el, { zoomSnap: 0.25 });
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    var bounds = [];
    (data.territories || []).forEach(function (t) {
      L.polygon(t.polygon, { color: t.colour, weight: 2, fillOpacity: 0.15 })
        .bindTooltip(t.name + (t.vans ? " · " + t.vans : ""), { sticky: true })
        .addTo(map);
      bounds = bounds.concat(t.polygon);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });
    else map.setView([59.9386, 30.3141], 10);
  }
  window.addEventListener("load", init);
})();
