/* Award form, progressive enhancement only: the form works the same without this file.
 * - shows the suggested point range of the chosen reason next to the points field;
 * - moves focus to the error summary when the form comes back with errors.
 * (A second click on "Give points" is ignored by submit-once.js: the form has data-submit-once.) */
(function () {
  "use strict";
  var form = document.querySelector("[data-award-form]");
  if (!form) return;

  var reason = form.querySelector("select[name=reason]");
  var points = form.querySelector("input[name=points]");
  var hint = points ? document.getElementById(points.id + "_helptext") : null;
  var defaultHint = hint ? hint.textContent : "";

  function showRange() {
    if (!reason || !points) return;
    var option = reason.options[reason.selectedIndex];
    if (option && option.dataset.min) {
      if (hint) hint.textContent = option.dataset.hint;
      points.placeholder = option.dataset.min + "–" + option.dataset.max;
    } else {
      if (hint) hint.textContent = defaultHint;
      points.placeholder = "";
    }
  }
  if (reason) {
    reason.addEventListener("change", showRange);
    showRange();
  }

  var errors = document.getElementById("award-errors");
  if (errors) errors.focus();
})();
