/* The drawing page, progressive enhancement only (without JS the closing time is shown):
 * a live countdown to the close, as "2 d 3:04:05" or "3:04:05". */
(function () {
  "use strict";
  var box = document.querySelector("[data-countdown]");
  if (!box) return;
  var closes = Date.parse(box.dataset.expires);
  var left = box.querySelector("[data-countdown-left]");
  var clock = box.querySelector("[data-countdown-clock]");
  var closedText = box.querySelector("template[data-countdown-expired]");
  var until = box.querySelector(".promise__until");
  var timer = null;
  var two = function (n) { return (n < 10 ? "0" : "") + n; };
  var tick = function () {
    var seconds = Math.max(0, Math.round((closes - Date.now()) / 1000));
    if (seconds <= 0) {
      if (timer) window.clearInterval(timer);
      if (until && closedText) until.textContent = closedText.content.textContent.trim();
      box.classList.add("promise--expired");
      return;
    }
    var days = Math.floor(seconds / 86400);
    var h = Math.floor((seconds % 86400) / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    var dayUnit = box.dataset.dayUnit || "d";
    if (clock) clock.textContent = (days ? days + " " + dayUnit + " " : "") + h + ":" + two(m) + ":" + two(s);
    if (left) left.hidden = false;
  };
  if (!isNaN(closes)) {
    tick();
    timer = window.setInterval(tick, 1000);
  }
})();
