/* Award form, progressive enhancement only: the form works the same without this file.
 * - shows the suggested point range of the chosen reason next to the points field;
 * - moves focus to the error summary when the form comes back with errors;
 * - ignores a second click on "Give points" while the first is on its way
 *   (the server is safe anyway: the form's key makes a double submit award once). */
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

  var button = form.querySelector("[type=submit]");
  form.addEventListener("submit", function (event) {
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    if (button) button.setAttribute("aria-disabled", "true");
  });
  // Coming back with the browser's back button must not leave the form locked.
  window.addEventListener("pageshow", function () {
    delete form.dataset.sending;
    if (button) button.removeAttribute("aria-disabled");
  });
})();
