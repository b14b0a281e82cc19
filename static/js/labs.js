/* Lab pages: the composition formset (add a row, live total of the shares) and the control
   view's chart (data from json_script; CSP forbids inline scripts). */
(function () {
  "use strict";

  function setupComponents(box) {
    var rows = box.querySelector("[data-rows]");
    var total = box.querySelector("[data-total]");
    var tpl = box.querySelector("template[data-empty-row]");
    var count = box.querySelector("input[name$='-TOTAL_FORMS']");
    function recount() {
      var sum = 0, any = false;
      rows.querySelectorAll("input[name$='-percent']").forEach(function (input) {
        var v = parseFloat((input.value || "").replace(",", "."));
        if (!isNaN(v)) { sum += v; any = true; }
      });
      sum = Math.round(sum * 1000) / 1000;
      total.textContent = any ? sum + " %" : "—";
      total.classList.toggle("good", any && sum === 100);
      total.classList.toggle("bad", any && sum !== 100);
    }
    box.addEventListener("input", recount);
    var add = box.querySelector("[data-add-component]");
    if (add && tpl && count) {
      add.addEventListener("click", function () {
        var index = parseInt(count.value, 10);
        var html = tpl.innerHTML.replace(/__prefix__/g, String(index));
        rows.insertAdjacentHTML("beforeend", html);
        count.value = String(index + 1);
      });
    }
    recount();
  }

  function setupChart() {
    var canvas = document.getElementById("lab-age-chart");
    var data = document.getElementById("lab-age-data");
    if (!canvas || !data || !window.Chart) return;
    var d = JSON.parse(data.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: "< 7", data: d.fresh, backgroundColor: "#2da44e" },
          { label: "7–30", data: d.week, backgroundColor: "#d29922" },
          { label: "> 30", data: d.old, backgroundColor: "#cf222e" },
        ],
      },
      options: { responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  function setupDeadline() {
    // Warn (without blocking) when the client's deadline is before the earliest realistic date.
    var box = document.getElementById("lab-estimate");
    var input = document.getElementById("id_deadline");
    var warning = document.getElementById("lab-too-early");
    if (!box || !input || !warning) return;
    function check() { warning.hidden = !(input.value && input.value < box.dataset.earliest); }
    input.addEventListener("input", check);
    input.addEventListener("change", check);
    check();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-lab-components]").forEach(setupComponents);
    setupDeadline();
    setupChart();
  });
})();
