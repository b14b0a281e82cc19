/* The driver's tablet: an offline-first action queue, GPS every 45 s, live refresh with a sound
   and a banner when the route changes. No inline scripts (CSP).

   Every action form carries an action_id rendered by the server. Submitting puts the action in
   a queue kept in localStorage and sends the queue in order; an action stays queued until the
   server answers (200: applied, 422: refused — shown). A repeat of the same action_id is
   answered from the server's record, so sending twice never doubles anything. */
(function () {
  "use strict";
  var page = document.getElementById("tablet");
  if (!page) return;
  var QUEUE_KEY = "kolo.driver.queue.v1";
  var FIXES_KEY = "kolo.driver.fixes.v1";
  var GPS_INTERVAL_MS = 45000;
  var MAX_FIXES = 500;
  var sending = false, refreshWanted = false, lastFix = null, audio = null;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full: keep in memory */ }
  }

  // --- The queue --------------------------------------------------------------------------------
  function renderQueue(rejected) {
    var box = document.getElementById("queue-status");
    if (!box) return;
    var queue = load(QUEUE_KEY);
    var list = box.querySelector("ul");
    list.textContent = "";
    queue.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.label + " · " + new Date(item.at).toLocaleTimeString();
      list.appendChild(li);
    });
    (rejected || []).forEach(function (text) {
      var li = document.createElement("li");
      li.className = "rejected";
      li.textContent = page.dataset.textFailed + ": " + text;
      list.appendChild(li);
    });
    box.querySelector("strong").textContent = queue.length
      ? page.dataset.textPending + ": " + queue.length + (navigator.onLine ? "" : " — " + page.dataset.textOffline)
      : "";
    box.hidden = !queue.length && !(rejected && rejected.length);
    markPending(queue);
  }

  function markPending(queue) {
    queue.forEach(function (item) {
      if (!item.stop) return;
      var row = page.querySelector('.tablet-stop[data-stop="' + item.stop + '"]');
      if (!row) return;
      row.classList.add("pending");
      if (item.state) {
        row.className = row.className.replace(/state-\w+/, "state-" + item.state);
        var label = row.querySelector("[data-state-label]");
        if (label) label.textContent = "⏳ " + item.label;
      }
    });
  }

  function enqueue(item) {
    var queue = load(QUEUE_KEY);
    if (!queue.some(function (q) { return q.id === item.id; })) queue.push(item);
    save(QUEUE_KEY, queue);
    renderQueue();
    flush();
  }

  function flush() {
    if (sending) return;
    var queue = load(QUEUE_KEY);
    if (!queue.length) return;
    sending = true;
    var item = queue[0];
    fetch(page.dataset.actionUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": csrfToken(),
      },
      body: item.body,
    }).then(function (response) {
      if (response.status === 200 || response.status === 422) {
        return response.json().then(function (answer) {
          drop(item.id);
          var problems = [];
          if (!answer.ok) {
            Object.keys(answer.errors || {}).forEach(function (k) { problems = problems.concat(answer.errors[k]); });
          }
          sending = false;
          renderQueue(problems.length ? [item.label + " — " + problems.join(" ")] : null);
          refresh();
          flush();
        });
      }
      if (response.status === 403 || response.status === 404 || response.status === 400) {
        drop(item.id); // the route is no longer ours: nothing to retry
        sending = false;
        renderQueue([item.label]);
        return null;
      }
      throw new Error("HTTP " + response.status);
    }).catch(function () {
      sending = false;
      renderQueue();
      setTimeout(flush, 10000);
    });
  }

  function drop(id) {
    save(QUEUE_KEY, load(QUEUE_KEY).filter(function (q) { return q.id !== id; }));
  }

  function formBody(form, photo) {
    var data = new FormData(form);
    var params = new URLSearchParams();
    data.forEach(function (value, key) { if (typeof value === "string") params.append(key, value); });
    params.set("taken_at", new Date().toISOString());
    if (lastFix) { params.set("lat", lastFix.lat); params.set("lon", lastFix.lon); }
    if (photo) params.set("photo_data", photo);
    return params.toString();
  }

  function shrinkPhoto(file) {
    return new Promise(function (resolve) {
      if (!file) { resolve(""); return; }
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, 1280 / Math.max(img.width, img.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.width * scale);
        canvas.height = Math.round(img.height * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(img.src);
        resolve(canvas.toDataURL("image/jpeg", 0.7));
      };
      img.onerror = function () { resolve(""); };
      img.src = URL.createObjectURL(file);
    });
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches("form[data-queue]") || ev.defaultPrevented) return;
    ev.preventDefault();
    unlockSound();
    var fileInput = form.querySelector("input[data-photo]");
    shrinkPhoto(fileInput && fileInput.files[0]).then(function (photo) {
      var id = form.querySelector("[name=action_id]").value;
      enqueue({
        id: id,
        body: formBody(form, photo),
        label: form.dataset.label || "",
        stop: form.dataset.stop || null,
        state: form.dataset.state || null,
        at: Date.now(),
      });
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      if (page.dataset.afterAction) { location.href = page.dataset.afterAction; return; }
      if (location.hash && location.hash !== "#top") location.hash = "top";
      var details = form.closest("details");
      if (details && !form.closest(".stop-card")) details.open = false;
    });
  });

  // --- Refresh (live) ---------------------------------------------------------------------------
  function editing() {
    var card = document.querySelector(".stop-card:target");
    return !!card || !!(document.activeElement && document.activeElement.closest("form[data-queue]"));
  }

  function refresh() {
    if (!page.dataset.refreshUrl || !window.htmx) return;
    if (editing()) { refreshWanted = true; return; }
    refreshWanted = false;
    window.htmx.ajax("GET", page.dataset.refreshUrl, { target: "#route-body", swap: "innerHTML" })
      .then(function () { renderQueue(); });
  }

  window.addEventListener("hashchange", function () { if (refreshWanted) refresh(); });
  ["kolo:route.stop", "kolo:route.changed", "kolo:route.message", "kolo:resync"].forEach(function (name) {
    document.body.addEventListener(name, refresh);
  });
  document.body.addEventListener("kolo:route.sequence", function () {
    announce(page.dataset.textChanged);
    refresh();
  });
  document.body.addEventListener("kolo:route.message", function (ev) {
    if (ev.detail && ev.detail.message && !ev.detail.from_driver) beep();
  });

  function announce(text) {
    var banner = document.getElementById("route-banner");
    if (banner) {
      banner.querySelector("span").textContent = text;
      banner.hidden = false;
    }
    beep();
    if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
  }

  // Browsers allow sound only after a tap: the first tap unlocks it.
  function unlockSound() {
    if (audio || !(window.AudioContext || window.webkitAudioContext)) return;
    audio = new (window.AudioContext || window.webkitAudioContext)();
  }
  document.addEventListener("pointerdown", unlockSound, { once: true });

  function beep() {
    if (!audio) return;
    [0, 0.25].forEach(function (offset) {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.3;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(audio.currentTime + offset);
      osc.stop(audio.currentTime + offset + 0.18);
    });
  }

  // --- GPS --------------------------------------------------------------------------------------
  function sendFixes() {
    var fixes = load(FIXES_KEY);
    if (!fixes.length || !page.dataset.positionsUrl) return;
    var batch = fixes.slice(0, 200);
    fetch(page.dataset.positionsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ fixes: batch }),
    }).then(function (response) {
      if (!response.ok && response.status !== 422) return;
      var sent = {};
      batch.forEach(function (f) { sent[f.at] = true; });
      save(FIXES_KEY, load(FIXES_KEY).filter(function (f) { return !sent[f.at]; }));
    }).catch(function () { /* offline: kept for the next try */ });
  }

  function takeFix() {
    if (!lastFix) return;
    var fixes = load(FIXES_KEY);
    fixes.push({ lat: lastFix.lat, lon: lastFix.lon, accuracy: lastFix.accuracy, speed: lastFix.speed, at: new Date().toISOString() });
    save(FIXES_KEY, fixes.slice(-MAX_FIXES));
    sendFixes();
  }

  if (page.dataset.tracking && navigator.geolocation) {
    var first = true;
    navigator.geolocation.watchPosition(function (pos) {
      lastFix = {
        lat: pos.coords.latitude.toFixed(6),
        lon: pos.coords.longitude.toFixed(6),
        accuracy: Math.round(pos.coords.accuracy || 0),
        speed: pos.coords.speed ? Math.round(pos.coords.speed * 3.6) : null,
      };
      if (first) { first = false; takeFix(); }
    }, function () { /* denied or unavailable: the board shows the last known position */ }, {
      enableHighAccuracy: true, maximumAge: 30000, timeout: 60000,
    });
    setInterval(takeFix, GPS_INTERVAL_MS);
  }

  window.addEventListener("online", function () { renderQueue(); flush(); sendFixes(); });
  window.addEventListener("offline", function () { renderQueue(); });
  setInterval(flush, 15000);
  renderQueue();
  flush();
})();
