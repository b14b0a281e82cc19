/* Clients: formset rows, the Leaflet map picker, live duplicate check, saved filter querystring.
   No inline scripts (CSP); everything hangs off data-attributes. */
(function () {
  "use strict";

  // --- Inline formsets: "add another" clones the <template> with the next index ----------------
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-formset-add]");
    if (!button) return;
    var box = button.closest("[data-formset]");
    var prefix = box.dataset.formset;
    var total = box.querySelector("#id_" + prefix + "-TOTAL_FORMS");
    var template = box.querySelector("template");
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    box.querySelector(".formset-forms").appendChild(row);
    total.value = String(index + 1);
    initMaps(row);
  });

  // --- Address helpers (e.g. "which standing route?"): ask the server about the row's point ----
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-address-helper-run]");
    if (!button) return;
    var box = button.closest("[data-address-helper]");
    var row = box.closest(".formset-row");
    var out = box.querySelector(".address-helper-result");
    var lat = row.querySelector("[data-map-lat]");
    var lon = row.querySelector("[data-map-lon]");
    if (!lat || !lon || !lat.value || !lon.value) {
      out.textContent = box.dataset.emptyText;
      return;
    }
    var url = box.dataset.addressHelper + "?lat=" + encodeURIComponent(lat.value) +
      "&lon=" + encodeURIComponent(lon.value);
    button.disabled = true;
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.text(); })
      .then(function (html) { out.innerHTML = html; })
      .catch(function () { out.textContent = ""; })
      .finally(function () { button.disabled = false; });
  });

  // --- Leaflet: a picker on address rows, a read-only map on the card --------------------------
  function tileLayer(el) {
    return L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.attribution || "" });
  }

  function initPicker(el) {
    var row = el.closest(".formset-row");
    var lat = row.querySelector("[data-map-lat]");
    var lon = row.querySelector("[data-map-lon]");
    var hasPoint = lat && lon && lat.value && lon.value;
    var center = hasPoint ? [parseFloat(lat.value), parseFloat(lon.value)] : [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var map = L.map(el).setView(center, hasPoint ? 15 : 10);
    tileLayer(el).addTo(map);
    var marker = hasPoint ? L.marker(center).addTo(map) : null;
    map.on("click", function (e) {
      if (marker) marker.setLatLng(e.latlng); else marker = L.marker(e.latlng).addTo(map);
      lat.value = e.latlng.lat.toFixed(6);
      lon.value = e.latlng.lng.toFixed(6);
    });
  }

  function initView(el) {
    var points = el.querySelectorAll("[data-point]");
    if (!points.length) { el.hidden = true; return; }
    var map = L.map(el);
    tileLayer(el).addTo(map);
    var bounds = [];
    points.forEach(function (p) {
      var ll = [parseFloat(p.dataset.lat), parseFloat(p.dataset.lon)];
      bounds.push(ll);
      L.marker(ll).addTo(map).bindPopup(document.createTextNode(p.dataset.label).textContent);
    });
    map.fitBounds(bounds, { maxZoom: 15, padding: [20, 20] });
  }

  function initMaps(root) {
    if (typeof L === "undefined") return;
    root.querySelectorAll("[data-map-picker]").forEach(function (el) {
      if (!el.dataset.ready) { el.dataset.ready = "1"; initPicker(el); }
    });
    root.querySelectorAll("[data-map-view]").forEach(function (el) {
      if (!el.dataset.ready) { el.dataset.ready = "1"; initView(el); }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { initMaps(document); });
  document.addEventListener("htmx:afterSwap", function (ev) { initMaps(ev.target); });
  window.addEventListener("load", function () { initMaps(document); });

  // --- Duplicate check while typing a phone, e-mail or INN -------------------------------------
  var timer = null;
  function checkDuplicates(form) {
    var params = new URLSearchParams();
    form.querySelectorAll("[data-dup-check]").forEach(function (input) {
      var kind = input.dataset.dupCheck;
      var value = (input.value || "").trim();
      if (!value || input.name.indexOf("__prefix__") !== -1) return;
      if (kind === "email") {
        value.split(/[,;\s]+/).forEach(function (v) { if (v) params.append("email", v); });
      } else {
        params.append(kind, value);
      }
    });
    if (form.dataset.dupExclude) params.append("exclude", form.dataset.dupExclude);
    if (!Array.from(params.keys()).some(function (k) { return k !== "exclude"; })) return;
    if (window.htmx) {
      htmx.ajax("GET", form.dataset.dupUrl + "?" + params.toString(), { target: "#duplicates", swap: "outerHTML" });
    }
  }
  document.addEventListener("input", function (ev) {
    var input = ev.target.closest("[data-dup-check]");
    if (!input) return;
    var form = input.closest("form[data-dup-url]");
    if (!form) return;
    clearTimeout(timer);
    timer = setTimeout(function () { checkDuplicates(form); }, 500);
  });

  // --- Saved filters: "save this filter" takes the list's current querystring ------------------
  document.addEventListener("htmx:afterSwap", function () {
    var table = document.getElementById("client-table");
    var hidden = document.querySelector("[data-current-filter]");
    if (table && hidden) hidden.value = table.dataset.filter || "";
    var exportLink = document.getElementById("client-export");
    if (table && exportLink) {
      exportLink.href = exportLink.href.split("?")[0] + (table.dataset.filter ? "?" + table.dataset.filter : "");
    }
  });

  // --- Card tabs: mark the active one ----------------------------------------------------------
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest("[data-tab-link]");
    if (!link) return;
    document.querySelectorAll(".tabs .tab").forEach(function (t) {
      t.classList.toggle("active", t.dataset.tabLink === link.dataset.tabLink);
    });
  });

  // --- Live card: another user changed this client ----------------------------------------------
  // The header refreshes itself (hx-trigger on #client-live); the timeline tab, when open and the
  // viewer is not half-way through typing a comment, is re-fetched too.
  document.body.addEventListener("kolo:client.changed", function () {
    var live = document.getElementById("client-live");
    var timeline = document.querySelector('#tab-panel [data-tab="timeline"]');
    if (!live || !timeline || !window.htmx) return;
    var typing = [].some.call(timeline.querySelectorAll("textarea, input[type=text]"), function (f) {
      return f.value.trim() !== "";
    });
    if (!typing) window.htmx.ajax("GET", live.dataset.tabUrl, { target: "#tab-panel" });
  });
})();
