/* The market's "Next repricing in …" line, progressive enhancement only: the server renders the
 * time left and the clock time, this keeps the time left current. Units come from the page
 * (translated), so this file holds no words. */
(function () {
  "use strict";
  var box = document.querySelector("[data-countdown-to]");
  if (!box) return;
  var at = Date.parse(box.dataset.countdownTo);
  var left = box.querySelector("[data-countdown-left]");
  var units = box.querySelector("template[data-countdown-units]");
  if (isNaN(at) || !left || !units) return;
  var words = units.content.textContent.trim().split("|");
  var day = words[0], hour = words[1], minute = words[2], underMinute = words[3], now = words[4];
  var timer = null;
  var render = function () {
    var seconds = Math.floor((at - Date.now()) / 1000);
    if (seconds <= 0) {
      left.textContent = underMinute; // the beat prices a closed window within a minute
      if (timer) window.clearInterval(timer);
      return;
    }
    var minutes = Math.floor(seconds / 60);
    var d = Math.floor(minutes / 1440);
    var h = Math.floor((minutes % 1440) / 60);
    var m = minutes % 60;
    var text;
    if (d) text = d + " " + day + " " + h + " " + hour;
    else if (h) text = h + " " + hour + " " + m + " " + minute;
    else if (m) text = m + " " + minute;
    else text = underMinute;
    if (left.textContent !== text) left.textContent = text;
  };
  render();
  timer = window.setInterval(render, 1000);
})();
