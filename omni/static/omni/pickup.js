/* Click-and-collect pages: progressive enhancement only, every page works without it.
   - steppers: the -, + and "All" buttons next to a picked-quantity box (shown only with JavaScript).
   Printing and camera scanning are in scan.js. */
(function () {
  "use strict";

  function clamp(value, min, max) {
    return Math.min(Math.max(value, min), max);
  }

  function setupSteppers() {
    document.querySelectorAll("[data-stepper]").forEach(function (stepper) {
      var input = stepper.querySelector("input[type=number]");
      if (!input) return;
      stepper.querySelectorAll("[data-step]").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", function () {
          var min = Number(input.min || 0);
          var max = input.max === "" ? Infinity : Number(input.max);
          var current = Number(input.value || 0);
          var step = button.getAttribute("data-step");
          input.value = String(step === "max" ? max : clamp(current + Number(step), min, max));
          input.dispatchEvent(new Event("change", { bubbles: true }));
        });
      });
    });
  }

  function ready() {
    setupSteppers();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
