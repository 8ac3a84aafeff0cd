/* Loyalty pages: progressive enhancement only, every page works without it.
   - camera scan: reads a member card (Code 128 or EAN-13 barcode, or its QR code) with the browser's
     BarcodeDetector and submits the lookup, as a USB scanner would. The button stays hidden where
     BarcodeDetector or the camera is missing;
   - print: the "Print" button of the digital card. */
(function () {
  "use strict";

  var FORMATS = ["code_128", "ean_13", "qr_code"];

  function setupPrint() {
    document.querySelectorAll("[data-action=print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
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
      .then(function (supported) {
        var formats = FORMATS.filter(function (f) { return supported.indexOf(f) !== -1; });
        if (!formats.length) return;
        button.hidden = false;
        var detector = new window.BarcodeDetector({ formats: formats });

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
    setupPrint();
    setupCameraScan();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
