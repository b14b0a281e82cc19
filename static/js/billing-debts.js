/* Billing: the receivables aging chart on the debtors page (data from a json_script block). */
(function () {
  "use strict";
  function init() {
    var canvas = document.getElementById("aging-chart");
    var source = document.getElementById("aging-chart-data");
    if (!canvas || !source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.label,
          data: data.values,
          backgroundColor: ["#1a7f37", "#bf8700", "#d1242f", "#a40e26", "#6e0b1a"]
        }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true } }
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
