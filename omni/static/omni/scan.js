/* Shared by the desks (pickup, loyalty): progressive enhancement only, every page works without it.
   - print: a "Print" button ([data-action=print]);
   - camera scan ([data-action=camera-scan], formats in data-formats, QR code by default): reads a code with
     the browser's BarcodeDetector and submits the search box it targets, as a USB scanner would. The
     button stays hidden where BarcodeDetector or the camera is missing. */
(function () {
  "use strict";

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

    var wanted = (button.getAttribute("data-formats") || "qr_code").split(/\s+/);
    window.BarcodeDetector.getSupportedFormats()
      .then(function (supported) {
        var formats = wanted.filter(function (f) { return supported.indexOf(f) !== -1; });
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
