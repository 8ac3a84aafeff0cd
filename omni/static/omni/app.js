// Behaviour every page shares, kept out of the HTML for the Content-Security-Policy (no inline script and
// no event-handler attributes): a <select data-submit-on-change> submits its form when changed (the
// location switcher; without JavaScript, its <noscript> button does); a submit button (or a form) with
// data-confirm="question" asks the question first and sends nothing unless it is confirmed (cancelling a
// paid order, a count, a transfer, emptying the till's basket: one tap must not undo work).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-submit-on-change") && target.form) {
      target.form.submit();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
