// The scoring form: its live total, and a warning before leaving it with unsaved changes (confirmations are site.js).
// Scores are summed in hundredths (integers), as the server does, so the total is exact.
(function () {
  "use strict";

  var SCORE = /^\d+(\.\d{1,2})?$/;

  function toHundredths(text) {
    // Full-width digits and point, as Chinese input methods type them.
    var s = text.replace(/[\uff10-\uff19\uff0e]/g, function (ch) {
      return String.fromCharCode(ch.charCodeAt(0) - 0xfee0);
    }).trim();
    if (!SCORE.test(s)) return null;
    var parts = s.split(".");
    var fraction = ((parts[1] || "") + "00").slice(0, 2);
    return parseInt(parts[0], 10) * 100 + parseInt(fraction, 10);
  }

  function format(hundredths) {
    var cents = String(hundredths % 100);
    return Math.floor(hundredths / 100) + "." + (cents.length < 2 ? "0" + cents : cents);
  }

  var form = document.getElementById("score-form");
  var output = document.getElementById("score-total");
  if (form && output) {
    var inputs = form.querySelectorAll("input[data-score-max]");
    var valueOf = function (input) {
      // null: blank; NaN: not a valid score; otherwise hundredths.
      var text = input.value.trim();
      if (!text) return null;
      var value = toHundredths(text);
      var max = parseInt(input.getAttribute("data-score-max"), 10) * 100;
      return value === null || value > max ? NaN : value;
    };
    var update = function () {
      var total = 0, complete = true, valid = true;
      inputs.forEach(function (input) {
        var value = valueOf(input);
        if (value === null) complete = false;
        else if (isNaN(value)) valid = false;
        else total += value;
      });
      output.textContent = valid ? format(total) + (complete ? "" : " …") : "—";
    };
    inputs.forEach(function (input) {
      input.addEventListener("input", function () {
        if (isNaN(valueOf(input))) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
        update();
      });
    });
    update();

    var changed = false;
    form.addEventListener("input", function () { changed = true; });
    window.addEventListener("beforeunload", function (event) {
      if (changed) { event.preventDefault(); event.returnValue = ""; }
    });
    form.addEventListener("submit", function () { changed = false; });  // after site.js confirmed it
  }
})();
