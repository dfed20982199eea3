/* Forms marked data-submit-once send once, progressive enhancement only (the forms work the same
 * without this file, and the server is safe anyway: their key makes a double submit count once).
 * - a second click on the submit button (or Enter) is ignored while the first is on its way;
 * - the form's first submit button gets aria-disabled="true" meanwhile (styled as busy);
 * - coming back with the browser's back button must not leave the form locked. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-submit-once]");
  Array.prototype.forEach.call(forms, function (form) {
    var button = form.querySelector("[type=submit]");
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      if (button) button.setAttribute("aria-disabled", "true");
    });
    window.addEventListener("pageshow", function () {
      delete form.dataset.sending;
      if (button) button.removeAttribute("aria-disabled");
    });
  });
})();
