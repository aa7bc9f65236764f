// Call pages: rubric and tier rows added/removed in place, the rubric total kept live,
// countdowns that tick, and a confirmation before lifecycle buttons. Without this script
// every page still works: the form has spare blank rows and the server shows the totals.
(function () {
  "use strict";

  // Rows are named like "review-criteria-3-code": renumber a copied row to the next free index.
  function nextIndex(tbody) {
    var max = -1;
    tbody.querySelectorAll("[name]").forEach(function (el) {
      var m = el.name.match(/-(\d+)-[^-]+$/);
      if (m) { max = Math.max(max, parseInt(m[1], 10)); }
    });
    return max + 1;
  }

  function clearRow(row) {
    row.querySelectorAll("input, select, textarea").forEach(function (el) { el.value = ""; el.removeAttribute("aria-invalid"); el.removeAttribute("aria-describedby"); });
    row.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
  }

  function addRow(table) {
    var tbody = table.tBodies[0];
    var last = tbody.querySelector("tr[data-row]:last-of-type");
    var index = nextIndex(tbody);
    var row = last.cloneNode(true);
    row.querySelectorAll("[name]").forEach(function (el) {
      el.name = el.name.replace(/-\d+-([^-]+)$/, "-" + index + "-$1");
      el.id = el.name;
    });
    clearRow(row);
    tbody.appendChild(row);
    var first = row.querySelector("input");
    if (first) { first.focus(); }
    updateTotal();
  }

  function removeRow(row) {
    var tbody = row.parentNode;
    if (tbody.querySelectorAll("tr[data-row]").length > 1) {
      row.remove();
    } else {
      clearRow(row);  // keep one row to type into; a blank row is ignored on saving
    }
    updateTotal();
  }

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

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var table = document.getElementById(button.getAttribute("data-add-row"));
    if (!table) { return; }
    button.hidden = false;
    button.addEventListener("click", function () { addRow(table); });
  });
  document.querySelectorAll("[data-remove-row]").forEach(function (button) { button.hidden = false; });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (button) { removeRow(button.closest("tr")); }
  });
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest("#criteria-table")) { updateTotal(); }
  });

  // Lifecycle and list buttons that change state ask first.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
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
