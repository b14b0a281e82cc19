/* Kolo: one live socket per page, small progressive enhancements. No inline scripts (CSP). */
(function () {
  "use strict";

  // --- Live updates ---------------------------------------------------------------------------
  // Every page opens /ws/live/. Server events arrive as {"type": "...", ...} and are re-dispatched
  // on <body> as DOM events "kolo:<type>", which htmx elements use as triggers
  // (hx-trigger="kolo:job from:body"). Elements with data-live-groups="a.1 b.2" ask to join more
  // groups (the server checks each). After a reconnect "kolo:resync" tells pages to refetch what
  // they show, so missed events are caught up without a reload.
  var socket = null, retry = 0, everConnected = false;

  function setStatus(state) {
    var el = document.getElementById("live-status");
    if (!el) return;
    el.dataset.state = state;
    el.textContent = state === "live" ? el.dataset.liveText : el.dataset.pausedText;
    el.hidden = state === "live";
  }

  function wantedGroups() {
    var groups = [];
    document.querySelectorAll("[data-live-groups]").forEach(function (el) {
      el.dataset.liveGroups.split(/\s+/).forEach(function (g) { if (g) groups.push(g); });
    });
    return groups;
  }

  function emit(type, detail) {
    document.body.dispatchEvent(new CustomEvent("kolo:" + type, { detail: detail, bubbles: true }));
  }

  function connect() {
    if (!document.body.dataset.live) return;
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(proto + location.host + "/ws/live/");
    socket.onopen = function () {
      retry = 0;
      setStatus("live");
      var groups = wantedGroups();
      if (groups.length) socket.send(JSON.stringify({ subscribe: groups }));
      if (everConnected) emit("resync", {});
      everConnected = true;
    };
    socket.onmessage = function (msg) {
      var event;
      try { event = JSON.parse(msg.data); } catch (e) { return; }
      if (event && event.type) emit(event.type, event);
    };
    socket.onclose = function (ev) {
      if (ev.code === 4401) return; // signed out
      setStatus("paused");
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }
  window.kolo = {
    subscribe: function (groups) {
      if (socket && socket.readyState === 1) socket.send(JSON.stringify({ subscribe: groups }));
    },
    emit: emit,
  };

  // --- Small enhancements ---------------------------------------------------------------------
  document.addEventListener("click", function (ev) {
    var close = ev.target.closest("[data-dismiss]");
    if (close) { var box = close.closest(close.dataset.dismiss); if (box) box.remove(); }
  });
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) ev.preventDefault();
  }, true);
  document.addEventListener("change", function (ev) {
    if (ev.target.matches("[data-autosubmit]")) ev.target.form.requestSubmit();
  });
  document.addEventListener("kolo:notification", function (ev) {
    if (!ev.detail || !ev.detail.title) return;
    var box = document.getElementById("toasts");
    if (!box) return;
    var li = document.createElement("li");
    li.className = "message";
    li.textContent = ev.detail.title;
    box.appendChild(li);
    setTimeout(function () { li.remove(); }, 6000);
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", connect);
  else connect();
})();
