// Call pages: the rubric total and each round's panel weights kept live, and countdowns that tick (rows and confirmations are
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

  // A round's panel weights summed exactly (decimals as whole multiples of a power of ten), so
  // that 0.7 + 0.2 + 0.1 shows 1, as the server will count it.
  function exactSum(values) {
    var places = 0, parsed = [];
    for (var i = 0; i < values.length; i++) {
      var m = /^\s*(\d*)(?:\.(\d*))?\s*$/.exec(values[i]);
      if (!m || (m[1] === "" && !m[2])) { if (values[i].trim()) { return null; } continue; }
      parsed.push([m[1] || "0", m[2] || ""]);
      places = Math.max(places, (m[2] || "").length);
    }
    var total = BigInt(0);
    parsed.forEach(function (p) { total += BigInt(p[0] + p[1].padEnd(places, "0")); });
    var digits = total.toString().padStart(places + 1, "0");
    var whole = digits.slice(0, digits.length - places), frac = digits.slice(digits.length - places).replace(/0+$/, "");
    return frac ? whole + "." + frac : whole;
  }

  function updateWeights(table) {
    var out = table.querySelector("[data-weight-sum]"), note = table.querySelector("[data-weight-note]");
    if (!out) { return; }
    var values = [];
    table.querySelectorAll("input[name$='-weight']").forEach(function (el) { values.push(el.value); });
    var sum = exactSum(values);
    out.value = sum === null ? "?" : sum;
    out.textContent = out.value;
    var ok = sum === "1";
    out.classList.toggle("field-error", !ok);
    if (note) { note.hidden = ok; }
  }

  function updateAll() {
    updateTotal();
    document.querySelectorAll("table[data-panels]").forEach(updateWeights);
  }

  document.addEventListener("rows-changed", updateAll);  // rows are added and removed by site.js
  document.addEventListener("input", function (event) {
    if (!event.target.closest) { return; }
    if (event.target.closest("#criteria-table")) { updateTotal(); }
    var panels = event.target.closest("table[data-panels]");
    if (panels) { updateWeights(panels); }
  });
  updateAll();

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
