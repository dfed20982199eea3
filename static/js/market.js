/* The confirm page, progressive enhancement only (the page works the same without this file):
 * a live countdown of the price promise (without JS the expiry time is shown).
 * (A second click on "Confirm" is ignored by submit-once.js: the form has data-submit-once.) */
(function () {
  "use strict";
  var box = document.querySelector("[data-countdown]");
  if (box) {
    var expires = Date.parse(box.dataset.expires);
    var left = box.querySelector("[data-countdown-left]");
    var clock = box.querySelector("[data-countdown-clock]");
    var expiredText = box.querySelector("template[data-countdown-expired]");
    var until = box.querySelector(".promise__until");
    var timer = null;
    var tick = function () {
      var seconds = Math.max(0, Math.round((expires - Date.now()) / 1000));
      if (seconds <= 0) {
        if (timer) window.clearInterval(timer);
        if (until && expiredText) until.textContent = expiredText.content.textContent.trim();
        box.classList.add("promise--expired");
        return;
      }
      var m = Math.floor(seconds / 60);
      var s = seconds % 60;
      if (clock) clock.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      if (left) left.hidden = false;
    };
    if (!isNaN(expires)) {
      tick();
      timer = window.setInterval(tick, 1000);
    }
  }
})();
