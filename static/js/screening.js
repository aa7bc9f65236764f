// Screening lists: "select all on this page" and a live count of the selected rows.
(function () {
  "use strict";
  document.querySelectorAll("form[data-bulk-form]").forEach(function (form) {
    var all = form.querySelector("input[data-select-all]");
    var boxes = form.querySelectorAll('input[type="checkbox"][name="ids"]');
    var count = form.querySelector("[data-selected-count]");
    function update() {
      var n = 0;
      boxes.forEach(function (b) { if (b.checked) { n += 1; } });
      if (count) { count.textContent = n ? "(" + n + ")" : ""; }
      if (all) {
        all.checked = n > 0 && n === boxes.length;
        all.indeterminate = n > 0 && n < boxes.length;
      }
    }
    if (all) {
      all.addEventListener("change", function () {
        boxes.forEach(function (b) { b.checked = all.checked; });
        update();
      });
    }
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    update();
  });
})();
