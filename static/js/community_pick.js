// The project form: picking another community saves the form and opens it again, so that the
// community's needs list is shown first in the menu. Without this script the save button does it.
(function () {
  "use strict";
  var select = document.querySelector("select[data-reload-on-change]");
  var form = document.getElementById("project-form");
  if (!select || !form) { return; }
  select.addEventListener("change", function () {
    var save = form.querySelector("button[name=action][value=save]");
    // getAttribute: the form's buttons are named "action", which hides the form.action property.
    form.setAttribute("action", form.getAttribute("action").split("#")[0] + "#order");
    form.requestSubmit(save || undefined);
  });
}());
