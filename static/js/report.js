// The progress report form: a draft saves itself a moment after typing stops (as the project
// form does); the server refuses the whole save when any figure or amount is wrong and says why
// beside it. On a new report, choosing another milestone reloads the form with its indicators.
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  if (!form) { return; }
  var status = document.getElementById("save-status");
  var url = form.dataset.saveUrl;
  var milestone = form.elements.namedItem("milestone_id");

  if (!url && milestone) {
    milestone.addEventListener("change", function () {
      var target = new URL(window.location.href);
      target.searchParams.set("milestone", milestone.value);
      window.location.assign(target.toString());
    });
  }
  if (!url) { return; }

  var timer = null;

  function clearProblems() {
    form.querySelectorAll("small.autosave-error").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  function showProblems(problems) {
    Object.keys(problems || {}).forEach(function (name) {
      var input = form.elements.namedItem(name);
      if (!input || !input.insertAdjacentElement) { return; }
      input.setAttribute("aria-invalid", "true");
      var note = document.createElement("small");
      note.className = "field-error autosave-error";
      note.textContent = problems[name].join("；");
      input.insertAdjacentElement("afterend", note);
    });
  }

  function save() {
    var data = new FormData(form);
    data.delete("action");
    fetch(url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        clearProblems();
        if (answer.saved) {
          status.textContent = (form.dataset.savedText || "✓") + " " + answer.saved_at;
        } else {
          status.textContent = answer.error || "";
          showProblems(answer.problems);
        }
      })
      .catch(function () { status.textContent = ""; });
  }

  form.addEventListener("input", function () {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(save, 1500);
  });
  form.addEventListener("submit", function () { if (timer) { window.clearTimeout(timer); } });
})();
