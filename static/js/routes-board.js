/* The dispatcher's live board: the Leaflet map (route lines, stops coloured by state, the vans'
   last positions) drawn from #board-map-data and redrawn after each refresh of #board-live;
   live events refresh the board and the side panel (debounced), GPS fixes move the vans at once,
   a reconnect ("kolo:resync") refetches everything. No inline scripts (CSP). */
(function () {
  "use strict";

  var STATE_COLOURS = { done: "#1a7f37", failed: "#c62828", arrived: "#bf8700", planned: "#ffffff" };
  var map = null, layers = null, vans = {}, fitted = false, selected = null;
  var refreshTimer = null, panelTimer = null;

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function paint(root) {
    (root || document).querySelectorAll(".route-swatch[data-colour]").forEach(function (s) {
      s.style.background = s.dataset.colour;
    });
    (root || document).querySelectorAll("[data-width]").forEach(function (s) {
      s.style.width = s.dataset.width + "%";
    });
  }

  function stopIcon(colour, stop) {
    var fill = STATE_COLOURS[stop.state] || "#fff";
    var cls = "board-stop st-" + stop.state + (stop.late ? " late" : "");
    return L.divIcon({
      className: "",
      html: '<div class="' + cls + '" style="border-color:' + colour + ";background:" + fill + '"></div>',
      iconSize: [12, 12],
      iconAnchor: [6, 6],
    });
  }

  function vanIcon(route) {
    return L.divIcon({
      className: "",
      html: '<div class="board-van state-' + route.state + '" style="background:' + route.colour + '">🚚<span>' + escapeHtml(route.plate) + "</span></div>",
      iconSize: [26, 26],
      iconAnchor: [13, 13],
    });
  }

  function draw() {
    var el = document.getElementById("board-map");
    var source = document.getElementById("board-map-data");
    if (!el || !source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (!map) {
      map = L.map(el, { zoomSnap: 0.25, preferCanvas: true });
      L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
      layers = L.layerGroup().addTo(map);
    }
    layers.clearLayers();
    vans = {};
    var bounds = [];
    data.depots.forEach(function (d) {
      L.marker(d.point, { icon: L.divIcon({ className: "", html: '<div class="depot-marker">D</div>', iconSize: [20, 20] }), title: d.name }).addTo(layers);
      bounds.push(d.point);
    });
    data.routes.forEach(function (r) {
      if (!r.stops.length) return;
      var dim = selected && String(selected) !== String(r.id);
      var line = [r.depot].concat(r.stops.map(function (s) { return s.point; })).concat([r.depot]);
      L.polyline(line, { color: r.colour, weight: dim ? 2 : 3.5, opacity: dim ? 0.25 : 0.85 }).addTo(layers);
      r.stops.forEach(function (s) {
        L.marker(s.point, { icon: stopIcon(r.colour, s), title: s.label, opacity: dim ? 0.35 : 1 })
          .bindPopup("<strong>" + escapeHtml(r.plate) + " #" + s.n + "</strong><br>" + escapeHtml(s.label) + (s.eta ? "<br>ETA " + escapeHtml(s.eta) : ""))
          .addTo(layers);
        bounds.push(s.point);
      });
      if (r.van) {
        vans[r.id] = L.marker(r.van.point, { icon: vanIcon(r), zIndexOffset: 1000, title: r.name + " · " + r.driver + " · " + r.van.at })
          .bindPopup("<strong>" + escapeHtml(r.name) + "</strong><br>" + escapeHtml(r.driver) + "<br>GPS " + escapeHtml(r.van.at))
          .addTo(layers);
      }
    });
    if (!fitted) {
      if (bounds.length) map.fitBounds(bounds, { padding: [16, 16] });
      else map.setView([59.9386, 30.3141], 10);
      fitted = true;
    }
  }

  // --- Live events ----------------------------------------------------------------------------
  function refreshBoard() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () { htmx.trigger(document.body, "board:refresh"); }, 250);
  }

  function refreshPanel(routeId) {
    var panel = document.querySelector("#board-panel [data-route]");
    if (!panel || (routeId && String(panel.dataset.route) !== String(routeId))) return;
    // never wipe a form the dispatcher is typing in
    if (panel.querySelector("textarea:focus, input:focus, select:focus")) return;
    clearTimeout(panelTimer);
    panelTimer = setTimeout(function () { htmx.trigger(document.body, "board:refresh-panel"); }, 250);
  }

  ["route.stop", "route.changed", "route.sequence", "route.message"].forEach(function (type) {
    document.addEventListener("kolo:" + type, function (ev) {
      refreshBoard();
      refreshPanel(ev.detail && ev.detail.route);
    });
  });
  document.addEventListener("kolo:order.assigned", refreshBoard);

  document.addEventListener("kolo:route.position", function (ev) {
    var d = ev.detail || {};
    var van = vans[d.route];
    if (van && d.lat != null && d.lon != null) van.setLatLng([d.lat, d.lon]);
  });

  // a server-rendered form with errors comes back with 422: show it
  document.addEventListener("htmx:beforeSwap", function (ev) {
    if (ev.detail.xhr && ev.detail.xhr.status === 422) {
      ev.detail.shouldSwap = true;
      ev.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterSwap", function (ev) {
    var target = ev.detail.target;
    paint(target && target.parentNode ? target.parentNode : document);
    if (target && target.id === "board-panel") {
      var route = target.querySelector("[data-route]");
      var next = route ? route.dataset.route : null;
      if (next !== selected) { selected = next; draw(); }
      document.querySelectorAll(".route-row.selected").forEach(function (r) { r.classList.remove("selected"); });
      if (selected) {
        var row = document.querySelector('.route-row[data-route="' + selected + '"]');
        if (row) row.classList.add("selected");
      }
    }
  });

  document.addEventListener("htmx:afterSettle", function (ev) {
    if (ev.detail.target && ev.detail.target.id === "board-live") {
      draw();
      if (selected) {
        var row = document.querySelector('.route-row[data-route="' + selected + '"]');
        if (row) row.classList.add("selected");
      }
    }
  });

  function start() {
    paint(document);
    draw();
    // ETAs and "not moving" depend on the clock: refresh every minute even without events
    if (document.getElementById("board-live")) setInterval(refreshBoard, 60000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
