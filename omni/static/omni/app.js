// Behaviour every page shares, kept out of the HTML for the Content-Security-Policy (no inline script and
// no event-handler attributes): a <select data-submit-on-change> submits its form when changed (the
// location switcher; without JavaScript, its <noscript> button does).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-submit-on-change") && target.form) {
      target.form.submit();
    }
  });
})();
