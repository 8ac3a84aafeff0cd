/* The till's receipts: a receipt page opened from "Print receipt" (?print=1, [data-autoprint]) prints as
   it opens, once; the page's own "Print" button (omni/scan.js) prints it again. Progressive enhancement only:
   without this script the receipt is shown and printed from the browser's menu. */
(function () {
  "use strict";

  function printOnOpen() {
    var receipt = document.querySelector("[data-autoprint]");
    if (!receipt || !window.print) return;
    receipt.removeAttribute("data-autoprint");
    if (window.history && window.history.replaceState) {
      // coming back to this page (back button, reload) does not print it again
      window.history.replaceState(null, "", window.location.pathname);
    }
    window.setTimeout(function () { window.print(); }, 150);
  }

  if (document.readyState === "complete") {
    printOnOpen();
  } else {
    window.addEventListener("load", printOnOpen);
  }
})();
