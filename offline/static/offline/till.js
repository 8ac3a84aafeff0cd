/* The tablet's till (templates/offline/till.html): a carry-out sale priced from the catalog kept on the tablet,
   online or offline alike. A scan (or a typed SKU or GTIN, then Enter) adds one unit; each line has - and +;
   the total is computed in cents from the cached prices. "Take payment" queues one `sale` action with the
   unit prices the customer is paying and the total (shell.js / queue.js), then shows "waiting to sync" until
   the queue has synced it, then the order's number. The basket waits in sessionStorage, so a reload (or the
   page coming back from the worker's cache) keeps it. */
(function () {
  "use strict";

  const shell = window.OmniShell;
  const form = document.querySelector("[data-till-scan]");
  if (!shell || !form) return;
  const offline = window.OmniOffline;
  const box = form.querySelector("[data-scan-box]");
  const problem = document.querySelector("[data-till-problem]");
  const linesBody = document.querySelector("[data-till-lines]");
  const table = document.querySelector("[data-till-table]");
  const empty = document.querySelector("[data-till-empty]");
  const totalCell = document.querySelector("[data-till-total]");
  const payForm = document.querySelector("[data-till-pay]");
  const payButton = document.querySelector("[data-till-pay-button]");
  const card = document.querySelector("[data-till-card]");
  const result = document.querySelector("[data-till-result]");
  const BASKET = "omni-offline-basket:" + shell.location;
  const LAST_SALE = "omni-offline-last-sale:" + shell.location;
  const MAX_UNITS = 999;

  function loadBasket() {
    try { return JSON.parse(window.sessionStorage.getItem(BASKET)) || []; } catch (e) { return []; }
  }
  let basket = loadBasket(); // [{sku, quantity}] in the order first scanned

  function saveBasket() {
    try { window.sessionStorage.setItem(BASKET, JSON.stringify(basket)); } catch (e) { /* private mode */ }
  }

  function say(text) {
    problem.textContent = text || "";
    problem.hidden = !text;
  }

  function refocus() {
    box.focus();
    box.select();
  }

  function priced() {
    return basket.map(function (line) {
      const row = shell.lookup(line.sku);
      return row ? { line: line, row: row, price: shell.cents(row.price) } : null;
    }).filter(Boolean);
  }

  function button(text, label, testid, onClick, className) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn " + (className || "");
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.setAttribute("data-testid", testid);
    b.addEventListener("click", function () { onClick(); render(); saveBasket(); refocus(); });
    return b;
  }

  function change(sku, by) {
    const line = basket.find(function (l) { return l.sku === sku; });
    if (!line) return;
    line.quantity = Math.min(MAX_UNITS, line.quantity + by);
    if (line.quantity <= 0) basket = basket.filter(function (l) { return l.sku !== sku; });
  }

  function render() {
    const lines = priced();
    if (lines.length !== basket.length) {
      // a SKU left the catalog (deactivated) since it was scanned: it cannot be priced, it leaves the basket
      basket = lines.map(function (p) { return p.line; });
      saveBasket();
    }
    linesBody.replaceChildren();
    let total = 0;
    lines.forEach(function (p) {
      const lineTotal = p.price * p.line.quantity;
      total += lineTotal;
      const tr = document.createElement("tr");
      tr.setAttribute("data-testid", "basket-" + p.row.sku);
      const name = document.createElement("td");
      name.className = "till-name";
      name.append(p.row.name, document.createElement("br"));
      const sku = document.createElement("span");
      sku.className = "muted till-sku";
      sku.textContent = p.row.sku;
      name.appendChild(sku);
      tr.appendChild(name);
      const unit = document.createElement("td");
      unit.className = "num";
      unit.textContent = shell.formatMoney(p.price);
      tr.appendChild(unit);
      const qty = document.createElement("td");
      qty.className = "num";
      const stepper = document.createElement("span");
      stepper.className = "offline-stepper";
      const count = document.createElement("output");
      count.setAttribute("data-testid", "basket-quantity");
      count.textContent = String(p.line.quantity);
      stepper.append(
        button("−", shell.t("less", { sku: p.row.sku }), "basket-less", function () { change(p.row.sku, -1); }),
        count,
        button("+", shell.t("more", { sku: p.row.sku }), "basket-more", function () { change(p.row.sku, 1); })
      );
      qty.appendChild(stepper);
      tr.appendChild(qty);
      const lt = document.createElement("td");
      lt.className = "num";
      lt.setAttribute("data-testid", "basket-line-total");
      lt.textContent = shell.formatMoney(lineTotal);
      tr.appendChild(lt);
      const remove = document.createElement("td");
      remove.appendChild(button("✕", shell.t("remove", { sku: p.row.sku }), "basket-remove", function () {
        basket = basket.filter(function (l) { return l.sku !== p.row.sku; });
      }, "btn-danger till-remove"));
      tr.appendChild(remove);
      linesBody.appendChild(tr);
    });
    table.hidden = !lines.length;
    empty.hidden = Boolean(lines.length);
    totalCell.textContent = shell.formatMoney(total);
    payButton.disabled = !lines.length;
    payButton.textContent = shell.t("pay", { total: shell.formatMoney(total) });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const code = box.value.trim();
    if (!code) return refocus();
    const row = shell.lookup(code);
    if (!row) {
      say(shell.t("unknown_code", { code: code }));
      return refocus();
    }
    say("");
    const line = basket.find(function (l) { return l.sku === row.sku; });
    if (line) line.quantity = Math.min(MAX_UNITS, line.quantity + 1);
    else basket.push({ sku: row.sku, quantity: 1 });
    saveBasket();
    render();
    box.value = "";
    refocus();
  });

  // Enter in the card number never takes the payment: only the button does
  card.addEventListener("keydown", function (event) {
    if (event.key === "Enter") event.preventDefault();
  });

  payForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const lines = priced();
    if (!lines.length) return say(shell.t("no_lines"));
    const total = lines.reduce(function (sum, p) { return sum + p.price * p.line.quantity; }, 0);
    const method = (payForm.querySelector("input[name=method]:checked") || {}).value || "cash";
    const payload = {
      lines: lines.map(function (p) {
        return { sku: p.row.sku, quantity: p.line.quantity, unit_price: shell.decimal(p.price) };
      }),
      payment: { method: method },
      total: shell.decimal(total),
    };
    const cardNumber = card.value.replace(/\s+/g, "");
    if (cardNumber) payload.card_number = cardNumber;
    payButton.disabled = true;
    let action;
    try {
      action = await shell.enqueue("sale", payload);
    } catch (error) {
      say(error.message); // the basket stays as it is: nothing was recorded
      payButton.disabled = false;
      return;
    }
    try { window.sessionStorage.setItem(LAST_SALE, action.key); } catch (e) { /* private mode */ }
    basket = [];
    saveBasket();
    card.value = "";
    say("");
    render();
    result.setAttribute("data-key", action.key);
    result.setAttribute("data-state", "pending");
    result.textContent = shell.t("sale_pending", { total: shell.formatMoney(total) });
    refocus();
  });

  /** Once the last sale has synced, its order's number replaces "waiting to sync". */
  async function showLastSale() {
    let key = result.getAttribute("data-key");
    if (!key) {
      try { key = window.sessionStorage.getItem(LAST_SALE); } catch (e) { key = null; }
      if (!key) return;
      result.setAttribute("data-key", key);
    }
    const entry = await shell.syncedEntry(key);
    if (entry) {
      result.setAttribute("data-state", entry.status);
      result.textContent = shell.outcome(entry);
      return;
    }
    const waiting = (await offline.actions()).find(function (a) { return a.key === key; });
    if (waiting) {
      result.setAttribute("data-state", waiting.state);
      result.textContent = shell.t("sale_pending", { total: shell.formatMoney(shell.cents(waiting.payload.total)) });
    }
  }

  window.addEventListener(offline.CHANGE, showLastSale);
  shell.onCatalog(render);
  render();
  showLastSale();
})();
