/* Reports: every <canvas data-chart="ID"> is drawn from the JSON in <script id="ID">
   (json_script: CSP forbids inline scripts). Colour-blind-safe palette (Okabe–Ito) comes with
   the data; numbers are formatted in the page's language and, for money, its currency. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "ru";
  function formatter(data) {
    if (data.money) {
      return new Intl.NumberFormat(lang, { style: "currency", currency: data.currency || "RUB", maximumFractionDigits: 0 });
    }
    return new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  }
  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    if (!data.labels || !data.labels.length) {
      canvas.parentNode.classList.add("chart-empty");
      return;
    }
    var fmt = formatter(data);
    var round = data.type === "doughnut";
    var datasets = data.datasets.map(function (set) {
      var colour = round ? data.palette : set.color;
      return {
        label: set.label,
        data: set.data,
        backgroundColor: colour,
        borderColor: data.type === "line" ? set.color : (round ? "#fff" : colour),
        borderWidth: data.type === "line" ? 2 : 1,
        pointRadius: data.type === "line" ? 2 : 0,
        tension: 0.2,
        fill: false
      };
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: datasets.length > 1 || round, position: "bottom", labels: { boxWidth: 12 } },
        tooltip: { callbacks: { label: function (ctx) {
          var value = ctx.parsed && typeof ctx.parsed === "object" ? ctx.parsed.y : ctx.parsed;
          return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + fmt.format(value);
        } } }
      }
    };
    if (!round) {
      options.scales = {
        x: { stacked: !!data.stacked, ticks: { autoSkip: true, maxRotation: 60 } },
        y: { stacked: !!data.stacked, beginAtZero: true, ticks: { callback: function (v) { return fmt.format(v); } } }
      };
    }
    new window.Chart(canvas, { type: data.type, data: { labels: data.labels, datasets: datasets }, options: options });
  }
  function init() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
