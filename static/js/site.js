// Behaviour every page shares, loaded by the base layout. Without it every page still works.
// - Confirm before an irreversible post: data-confirm="question" on the submit button or on the
//   form. A confirmed button is not asked again when a page script posts its form later.
// - Table rows added and removed in place: a button data-add-row="<table id>" adds a row, a
//   button data-remove-row inside a row removes it (the last row is cleared instead). New rows
//   come from the table's <template data-row-template> (names hold "__i__" for the index) or
//   copy its last row[data-row]; fields are named "<prefix>-<index>-<name>" and the copy gets the
//   next free index. The table then receives a "rows-changed" event for page scripts.
// - A rejected form opens at its problems: the first [data-error-summary] (else the first field
//   marked aria-invalid, else an error message at the top) takes the focus and is scrolled to.
// - A table box that scrolls sideways (.overflow-auto wider than its table) can be focused and
//   scrolled with the keyboard.
(function () {
  "use strict";

  // A table box wider than the screen scrolls: it takes the keyboard focus, so it scrolls by keys too.
  function focusableScrollers() {
    document.querySelectorAll(".overflow-auto").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) { box.setAttribute("tabindex", "0"); } else { box.removeAttribute("tabindex"); }
    });
  }
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);

  var problem = document.querySelector("[data-error-summary]") ||
    document.querySelector("[aria-invalid=true]") || document.querySelector(".flash-error");
  if (problem) {
    if (!problem.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(problem.tagName)) {
      problem.setAttribute("tabindex", "-1");
    }
    problem.focus();
    if (problem.scrollIntoView) { problem.scrollIntoView({ block: "start" }); }
  }

  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (!question || (button && button.dataset.confirmed)) { return; }
    if (window.confirm(question)) {
      if (button) { button.dataset.confirmed = "yes"; }
    } else {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  var INDEXED = /-(\d+)-([^-]+)$/;

  function nextIndex(tbody) {
    var max = -1;
    tbody.querySelectorAll("[name]").forEach(function (el) {
      var m = el.name.match(INDEXED);
      if (m) { max = Math.max(max, parseInt(m[1], 10)); }
    });
    return max + 1;
  }

  function clearRow(row) {
    row.querySelectorAll("input, select, textarea").forEach(function (el) {
      el.value = "";
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    row.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
  }

  function createRow(table, index) {
    var template = table.querySelector("template[data-row-template]");
    var row;
    if (template) {
      row = template.content.firstElementChild.cloneNode(true);
      row.querySelectorAll("[name]").forEach(function (el) { el.name = el.name.replace("__i__", index); });
    } else {
      row = table.tBodies[0].querySelector("tr[data-row]:last-of-type").cloneNode(true);
      row.querySelectorAll("[name]").forEach(function (el) { el.name = el.name.replace(INDEXED, "-" + index + "-$2"); });
      clearRow(row);
    }
    row.querySelectorAll("[name]").forEach(function (el) { el.id = el.name; });
    row.querySelectorAll("[data-remove-row]").forEach(function (button) { button.hidden = false; });
    return row;
  }

  function changed(table) { table.dispatchEvent(new CustomEvent("rows-changed", { bubbles: true })); }

  window.gongyiRows = { create: createRow };

  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var table = document.getElementById(button.getAttribute("data-add-row"));
    if (!table) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var tbody = table.tBodies[0];
      var row = createRow(table, nextIndex(tbody));
      tbody.appendChild(row);
      var first = row.querySelector("input, select, textarea");
      if (first) { first.focus(); }
      changed(table);
    });
  });
  document.querySelectorAll("[data-remove-row]").forEach(function (button) { button.hidden = false; });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-remove-row]");
    if (!button) { return; }
    var row = button.closest("tr"), table = row.closest("table"), tbody = row.parentNode;
    if (tbody.rows.length > 1) { row.remove(); } else { clearRow(row); }
    changed(table);
  });
})();
