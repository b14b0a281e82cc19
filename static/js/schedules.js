/* Standing-order form: show only the fields of the chosen rule; "add another" item row.
   No inline scripts (CSP); everything hangs off data-attributes. Without JS every field shows. */
(function () {
  "use strict";

  function syncRule(form) {
    var select = form.querySelector("[data-schedule-rule]");
    if (!select) return;
    form.querySelectorAll("[data-rule-field]").forEach(function (input) {
      var row = input.closest(".form-row");
      if (!row) return;
      if (input.dataset.ruleField === select.value) row.removeAttribute("data-rule-hidden");
      else row.setAttribute("data-rule-hidden", "");
    });
  }

  function init() {
    document.querySelectorAll("[data-schedule-form]").forEach(function (form) {
      syncRule(form);
      form.addEventListener("change", function (ev) {
        if (ev.target.matches("[data-schedule-rule]")) syncRule(form);
      });
    });
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("[data-schedule-form] [data-formset-add]");
    if (!button) return;
    var box = button.closest("[data-formset]");
    var prefix = box.dataset.formset;
    var total = box.querySelector("#id_" + prefix + "-TOTAL_FORMS");
    var index = parseInt(total.value, 10);
    var holder = document.createElement("div");
    holder.innerHTML = box.querySelector("template").innerHTML.replace(/__prefix__/g, String(index));
    box.querySelector(".formset-forms").appendChild(holder.firstElementChild);
    total.value = String(index + 1);
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
