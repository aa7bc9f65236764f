// Call pages: the rubric total kept live and countdowns that tick (rows and confirmations are
// site.js's). Without this script every page still works: the server shows the totals.
(function () {
  "use strict";

  function updateTotal() {
    var out = document.getElementById("rubric-total");
    if (!out) { return; }
    var total = 0;
    document.querySelectorAll("#criteria-table input[name$='-max']").forEach(function (el) {
      var v = el.value.trim();
      if (/^\d+$/.test(v)) { total += parseInt(v, 10); }
    });
    out.value = String(total);
    out.textContent = String(total);
  }

  document.addEventListener("rows-changed", updateTotal);  // rows are added and removed by site.js
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("#criteria-table")) { updateTotal(); }
  });

  // Countdowns: the server renders the text; this keeps it current while the page stays open.
  function tick() {
    document.querySelectorAll(".countdown[data-deadline][data-days]").forEach(function (el) {
      var left = parseInt(el.dataset.deadline, 10) - Date.now();  // milliseconds since the epoch
      if (isNaN(left)) { return; }
      if (left <= 0) { el.textContent = el.dataset.over; return; }
      var minutes = Math.floor(left / 60000);
      var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
      el.textContent = days
        ? el.dataset.days.replace("{d}", days).replace("{h}", hours)
        : el.dataset.hours.replace("{h}", hours).replace("{m}", mins);
    });
  }
  if (document.querySelector(".countdown[data-deadline][data-days]")) {
    tick();
    window.setInterval(tick, 30000);
  }
})();
