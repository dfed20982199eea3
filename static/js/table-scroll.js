/* A table wider than its box scrolls sideways inside .table-wrap. Such a box must be reachable
 * by keyboard (WCAG 2.1.1: arrow keys scroll it once it has focus) and say what it holds, so a
 * wrap that actually overflows becomes a focusable, named region; one that fits gets nothing
 * (no needless tab stop). Progressive enhancement only: the tables read the same without it. */
(function () {
  "use strict";
  var wraps = document.querySelectorAll(".table-wrap");
  if (!wraps.length) return;
  function name(wrap) {
    var caption = wrap.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    var section = wrap.closest("section[aria-labelledby]");
    var heading = section && document.getElementById(section.getAttribute("aria-labelledby"));
    return heading ? heading.textContent.trim() : document.title;
  }
  function update() {
    Array.prototype.forEach.call(wraps, function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", name(wrap));
      } else if (wrap.getAttribute("tabindex") === "0") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }
  update();
  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(update);
  });
})();
