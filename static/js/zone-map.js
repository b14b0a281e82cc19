/* Price rule form: show only the settings of the chosen kind, and draw a zone polygon on a
   Leaflet map (click to add a corner, drag to move it, undo, clear). The polygon is kept as
   [[lat, lon], ...] JSON in the hidden input named by data-input. No inline scripts (CSP). */
(function () {
  "use strict";

  // --- Kind-dependent fields -------------------------------------------------------------------
  function showKindFields(form) {
    var select = form.querySelector("[data-rule-kind]");
    if (!select) return;
    var kind = select.value;
    var rows = new Set();
    form.querySelectorAll("[data-kinds]").forEach(function (el) {
      var row = el.classList.contains("form-row") ? el : el.closest(".form-row");
      if (row) rows.add(row);
    });
    rows.forEach(function (row) {
      var kinds = (row.dataset.kinds || (row.querySelector("[data-kinds]") || {}).dataset.kinds || "").split(" ");
      var errors = row.classList.contains("field-error");
      row.hidden = kinds.indexOf(kind) === -1 && !errors;
    });
    form.querySelectorAll("[data-zone-map]").forEach(function (el) {
      if (el._zoneMap && !el.closest(".form-row").hidden) el._zoneMap.invalidateSize();
    });
  }

  // --- The zone map ------------------------------------------------------------------------------
  function initZone(el) {
    var input = document.getElementById(el.dataset.input);
    if (!input || typeof L === "undefined") return;
    var points = [];
    try { points = JSON.parse(input.value || "[]") || []; } catch (e) { points = []; }
    var map = L.map(el, { doubleClickZoom: false });  // quick clicks add corners, not zoom
    el._zoneMap = map;
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    var polygon = L.polygon([], { color: "#1f6feb", weight: 2 }).addTo(map);
    var markers = [];
    var row = el.closest(".form-row");
    var counter = row.querySelector("[data-zone-count]");

    function save() {
      input.value = JSON.stringify(points.map(function (p) {
        return [Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6];
      }));
      polygon.setLatLngs(points);
      if (counter) counter.textContent = points.length + " " + (counter.dataset.labelPoints || "");
    }

    function redraw() {
      markers.forEach(function (m) { map.removeLayer(m); });
      markers = points.map(function (p, index) {
        var marker = L.marker(p, { draggable: true, keyboard: true, title: String(index + 1) }).addTo(map);
        marker.on("drag", function (ev) {
          points[index] = [ev.latlng.lat, ev.latlng.lng];
          save();
        });
        return marker;
      });
      save();
    }

    map.on("click", function (ev) {
      points.push([ev.latlng.lat, ev.latlng.lng]);
      redraw();
    });
    row.querySelector("[data-zone-undo]").addEventListener("click", function () {
      points.pop();
      redraw();
    });
    row.querySelector("[data-zone-clear]").addEventListener("click", function () {
      points = [];
      redraw();
    });
    if (points.length) {
      map.fitBounds(points, { padding: [20, 20], maxZoom: 15 });
    } else {
      map.setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)], 11);
    }
    redraw();
  }

  function init() {
    document.querySelectorAll("[data-rule-form]").forEach(function (form) {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      form.querySelectorAll("[data-zone-map]").forEach(initZone);
      var select = form.querySelector("[data-rule-kind]");
      if (select) select.addEventListener("change", function () { showKindFields(form); });
      showKindFields(form);
    });
  }
  window.addEventListener("load", init);
})();
