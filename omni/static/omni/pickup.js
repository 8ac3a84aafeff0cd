/* Click-and-collect pages: progressive enhancement only, every page works without it.
   - steppers: the -, + and "All" buttons next to a picked-quantity box (shown only with JavaScript);
   - print: the "Print" button of the combined pick list;
   - camera scan: reads the QR code on the customer's phone with the browser's BarcodeDetector and submits
     the desk's search, as a USB scanner would. The button stays hidden where BarcodeDetector is missing. */
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

  function setupPrint() {
    document.querySelectorAll("[data-action=print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  function setupCameraScan() {
    var button = document.querySelector("[data-action=camera-scan]");
    var panel = document.querySelector("[data-camera-panel]");
    if (!button || !panel) return;
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return; // no camera scanning here: the box takes a USB or Bluetooth scanner, or typing
    }
    var video = panel.querySelector("[data-camera-video]");
    var status = panel.querySelector("[data-camera-status]");
    var input = document.getElementById(button.getAttribute("data-target"));
    var openLabel = button.textContent;
    var stream = null;
    var timer = null;

    function stop() {
      if (timer) window.clearTimeout(timer);
      timer = null;
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.srcObject = null;
      panel.hidden = true;
      button.textContent = openLabel;
    }

    function fail() {
      stop();
      status.textContent = button.getAttribute("data-label-error");
      panel.hidden = false;
      video.hidden = true;
    }

    window.BarcodeDetector.getSupportedFormats()
      .then(function (formats) {
        if (formats.indexOf("qr_code") === -1) return;
        button.hidden = false;
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });

        function scan() {
          detector.detect(video).then(function (codes) {
            var value = codes.length ? String(codes[0].rawValue || "").trim() : "";
            if (value) {
              stop();
              input.value = value;
              input.form.requestSubmit ? input.form.requestSubmit() : input.form.submit();
              return;
            }
            timer = window.setTimeout(scan, 250);
          }, function () {
            timer = window.setTimeout(scan, 500);
          });
        }

        button.addEventListener("click", function () {
          if (stream) { stop(); input.focus(); return; }
          navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
            .then(function (media) {
              stream = media;
              video.hidden = false;
              video.srcObject = media;
              panel.hidden = false;
              button.textContent = button.getAttribute("data-label-cancel");
              return video.play().then(scan);
            })
            .catch(fail);
        });
        window.addEventListener("pagehide", stop);
      })
      .catch(function () { /* no formats: keep the button hidden */ });
  }

  function ready() {
    setupSteppers();
    setupPrint();
    setupCameraScan();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
