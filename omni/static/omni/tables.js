// A wide table scrolls inside its box, never the page: its .table-wrap, or on a portrait tablet the table
// itself (app.css draws shadows at an edge that hides columns). This script adds a written hint above each
// box that is scrolling ("Scroll sideways..."), the text coming from <main data-scroll-hint> in the page's
// language, and makes the box reachable with the keyboard (tabindex=0) so the arrow keys scroll it.
// A table that fits is given back its table layout (.table-fits), so it spans the page's width.
// Re-checked when the window changes size (a tablet turned from landscape to portrait).
(function () {
  "use strict";
  function boxes() {
    var found = [];
    document.querySelectorAll("main .table-wrap, main table.table").forEach(function (el) {
      if (el.tagName === "TABLE" && el.parentElement.classList.contains("table-wrap")) {
        return; // its wrap is the box
      }
      found.push(el);
    });
    return found;
  }
  function update() {
    var main = document.querySelector("main[data-scroll-hint]");
    var text = main ? main.getAttribute("data-scroll-hint") : "";
    boxes().forEach(function (box) {
      if (box.tagName === "TABLE") {
        box.classList.remove("table-fits"); // measured as the scroll box app.css makes it
      }
      var wide = box.scrollWidth > box.clientWidth + 1;
      if (box.tagName === "TABLE" && !wide) {
        box.classList.add("table-fits"); // a table again, the full width of the page
      }
      var hint = box.previousElementSibling;
      var hasHint = hint && hint.classList.contains("scroll-hint");
      box.classList.toggle("is-scrollable", wide);
      if (wide) {
        if (!box.hasAttribute("tabindex")) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("data-scroll-focus", "");
        }
        if (!hasHint && text) {
          hint = document.createElement("p");
          hint.className = "scroll-hint";
          hint.textContent = text;
          box.parentNode.insertBefore(hint, box);
        }
      } else {
        if (box.hasAttribute("data-scroll-focus")) {
          box.removeAttribute("tabindex");
          box.removeAttribute("data-scroll-focus");
        }
        if (hasHint) {
          hint.remove();
        }
      }
    });
  }
  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(update, 150);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
})();
