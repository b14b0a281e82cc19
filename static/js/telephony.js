/* Telephony pop-up: an incoming call arrives on the user's own live channel as
   {"type": "call.incoming", "call": id, "url": "/telephony/calls/<id>/popup/"}; the pop-up is the
   server-rendered partial at that URL, shown in #call-popups on whatever page is open.
   "call.status" events refresh a pop-up that is still open (answered, ended, missed). */
(function () {
  "use strict";

  var PREFIX = "/telephony/calls/";

  function popupUrl(detail) {
    if (!detail || typeof detail.url !== "string") return null;
    if (detail.url.indexOf(PREFIX) !== 0 || !/^\d+$/.test(String(detail.call))) return null;
    return detail.url;
  }

  function show(detail, onlyIfOpen) {
    var url = popupUrl(detail);
    var slot = document.getElementById("call-popups");
    if (!url || !slot) return;
    var id = "call-popup-" + detail.call;
    if (onlyIfOpen && !document.getElementById(id)) return;
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html) return;
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var popup = holder.querySelector(".call-popup");
        if (!popup) return;
        var current = document.getElementById(id);
        if (current) current.replaceWith(popup);
        else if (!onlyIfOpen) slot.prepend(popup);
        else return;
        if (window.htmx) window.htmx.process(popup);
      })
      .catch(function () { /* offline: the call still reaches the timeline */ });
  }

  document.addEventListener("kolo:call.incoming", function (ev) { show(ev.detail, false); });
  document.addEventListener("kolo:call.status", function (ev) { show(ev.detail, true); });
})();
