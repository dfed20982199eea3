/* The main menu's disclosures (<details data-navmenu>) open and close without this file; it only
 * adds what a menu is expected to do: Escape closes the open one and gives focus back to its
 * summary, a click or focus elsewhere closes it, and opening one closes the other. */
(function () {
  "use strict";
  var menus = Array.prototype.slice.call(document.querySelectorAll("details[data-navmenu]"));
  if (!menus.length) return;
  function closeAll(except) {
    menus.forEach(function (menu) {
      if (menu !== except) menu.open = false;
    });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (menu.open) closeAll(menu);
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("details[data-navmenu]")) closeAll(null);
  });
  document.addEventListener("focusin", function (event) {
    if (!event.target.closest("details[data-navmenu]")) closeAll(null);
  });
})();
