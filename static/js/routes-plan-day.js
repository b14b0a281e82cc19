/* Route planning form: when the date changes, the vans (and their drivers) offered are those the
   staff schedule lets work that day — the server renders the list; this swaps it in without
   leaving the page (nothing else the dispatcher filled in is lost). Without JS the server still
   refuses a van whose driver is away. */
(function () {
  "use strict";

  function refreshVans(input) {
    var row = document.getElementById("row-vehicles");
    if (!row || !input.value) return;
    var url = window.location.pathname + "?date=" + encodeURIComponent(input.value);
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("row-vehicles");
        if (fresh) row.replaceWith(fresh);
      })
      .catch(function () { /* offline: the server checks on submit */ });
  }

  window.addEventListener("load", function () {
    var input = document.querySelector("form[action$='/routes/plan/'] input[name=date]");
    if (input) input.addEventListener("change", function () { refreshVans(input); });
  });
})();
