/* The store floor's scan boxes ([data-scan-box]): a USB or Bluetooth barcode scanner types the code and
   presses Enter into whatever has the focus, so the box takes the focus when the page loads (a scan right
   after a page comes back lands in it) and what it holds is selected (after a refused code, the next scan
   replaces it instead of being appended). Progressive enhancement only: the box also has `autofocus`, and
   every page works without this script. */
(function () {
  "use strict";

  function focusScanBox() {
    var box = document.querySelector("[data-scan-box]");
    if (!box || box.disabled) return;
    var active = document.activeElement;
    // someone already typing elsewhere (a quantity, a note) keeps their place
    if (active && active !== document.body && active !== box && active.matches("input, select, textarea")) return;
    box.focus();
    if (typeof box.select === "function") box.select();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusScanBox);
  } else {
    focusScanBox();
  }
  // back/forward cache: the page is shown again without loading
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) focusScanBox();
  });
})();
