/* Recording damage on the tablet (templates/offline/damage.html), online or offline alike: a scanned or typed
   SKU or GTIN (from the catalog kept on the tablet), a quantity and a note queue one `damage` action
   (shell.js / queue.js). Enter in the code box moves to the quantity, so a scan never records by itself. */
(function () {
  "use strict";

  const shell = window.OmniShell;
  const form = document.querySelector("[data-damage-form]");
  if (!shell || !form) return;
  const box = form.querySelector("[data-scan-box]");
  const quantity = form.querySelector("input[name=quantity]");
  const note = form.querySelector("input[name=note]");
  const problem = document.querySelector("[data-damage-problem]");
  const result = document.querySelector("[data-damage-result]");

  function say(text) {
    problem.textContent = text || "";
    problem.hidden = !text;
  }

  box.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const row = shell.lookup(box.value);
    if (!row) {
      say(shell.t("unknown_code", { code: box.value.trim() }));
      box.select();
      return;
    }
    say("");
    quantity.focus();
    quantity.select();
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const row = shell.lookup(box.value);
    if (!row) {
      say(shell.t("unknown_code", { code: box.value.trim() }));
      box.focus();
      return;
    }
    const units = parseInt(quantity.value, 10);
    if (!(units >= 1)) {
      say(shell.t("bad_quantity"));
      quantity.focus();
      return;
    }
    say("");
    const payload = { sku: row.sku, quantity: units };
    if (note.value.trim()) payload.note = note.value.trim();
    let action;
    try {
      action = await shell.enqueue("damage", payload);
    } catch (error) {
      say(error.message);
      return;
    }
    result.setAttribute("data-key", action.key);
    result.textContent = shell.t("damage_pending");
    form.reset();
    box.focus();
  });
})();
