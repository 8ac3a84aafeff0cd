// The top bar's menu is a <details> element, so it opens and closes without JavaScript. This script only
// adds what a person expects of a menu: Escape closes it (focus back on its button), and a tap outside
// closes it.
(function () {
  "use strict";
  function openMenus() {
    return document.querySelectorAll("details[data-menu][open]");
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    openMenus().forEach(function (menu) {
      menu.open = false;
      var summary = menu.querySelector("summary");
      if (summary) {
        summary.focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });
})();
