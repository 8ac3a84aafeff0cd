/* Scanning for a count on the tablet (templates/offline/count.html), online or offline alike: choose one of
   the location's open counts (from the catalog kept on the tablet) or a new count; each scan (or typed SKU or
   GTIN, then Enter) adds one to that code's quantity, "−" takes one back; "Save scans" queues one `count`
   action with the scans (shell.js / queue.js). The scans wait in sessionStorage until they are saved. */
(function () {
  "use strict";

  const shell = window.OmniShell;
  const form = document.querySelector("[data-count-scan]");
  if (!shell || !form) return;
  const box = form.querySelector("[data-scan-box]");
  const select = document.querySelector("[data-count-select]");
  const problem = document.querySelector("[data-count-problem]");
  const body = document.querySelector("[data-count-lines]");
  const table = document.querySelector("[data-count-table]");
  const empty = document.querySelector("[data-count-empty]");
  const total = document.querySelector("[data-count-total]");
  const save = document.querySelector("[data-count-save]");
  const result = document.querySelector("[data-count-result]");
  const SCANS = "omni-offline-count:" + shell.location;

  let scans = load(); // {count: id or "", lines: [{code, sku, name, quantity}]}

  function load() {
    try { return JSON.parse(window.sessionStorage.getItem(SCANS)) || { count: "", lines: [] }; } catch (e) { return { count: "", lines: [] }; }
  }

  function keep() {
    try { window.sessionStorage.setItem(SCANS, JSON.stringify(scans)); } catch (e) { /* private mode */ }
  }

  function say(text) {
    problem.textContent = text || "";
    problem.hidden = !text;
  }

  function refocus() {
    box.focus();
    box.select();
  }

  function fillCounts(catalog) {
    const counts = catalog && catalog.data ? catalog.data.counts || [] : [];
    const chosen = scans.count;
    Array.from(select.options).slice(1).forEach(function (option) { option.remove(); });
    counts.forEach(function (count) {
      const option = document.createElement("option");
      option.value = String(count.id);
      option.textContent = shell.t("count_started", { label: count.label, time: shell.formatTime(count.started_at) });
      select.appendChild(option);
    });
    select.value = counts.some(function (c) { return String(c.id) === String(chosen); }) ? String(chosen) : "";
  }

  function render() {
    body.replaceChildren();
    let units = 0;
    scans.lines.forEach(function (line) {
      units += line.quantity;
      const tr = document.createElement("tr");
      tr.setAttribute("data-testid", "count-line-" + line.sku);
      [line.code, line.name].forEach(function (text) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.appendChild(td);
      });
      const qty = document.createElement("td");
      qty.className = "num";
      qty.setAttribute("data-testid", "count-quantity");
      qty.textContent = String(line.quantity);
      tr.appendChild(qty);
      const fix = document.createElement("td");
      const less = document.createElement("button");
      less.type = "button";
      less.className = "btn";
      less.textContent = "−";
      less.setAttribute("aria-label", shell.t("less", { sku: line.sku }));
      less.addEventListener("click", function () {
        line.quantity -= 1;
        scans.lines = scans.lines.filter(function (l) { return l.quantity > 0; });
        keep();
        render();
        refocus();
      });
      fix.appendChild(less);
      tr.appendChild(fix);
      body.appendChild(tr);
    });
    total.textContent = String(units);
    table.hidden = !scans.lines.length;
    empty.hidden = Boolean(scans.lines.length);
    save.disabled = !scans.lines.length;
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
    // one line per SKU, whichever of its codes was scanned (a GTIN or the SKU): the SKU is what is sent
    const line = scans.lines.find(function (l) { return l.sku === row.sku; });
    if (line) line.quantity += 1;
    else scans.lines.push({ code: code, sku: row.sku, name: row.name, quantity: 1 });
    keep();
    render();
    box.value = "";
    refocus();
  });

  select.addEventListener("change", function () {
    scans.count = select.value;
    keep();
  });

  save.addEventListener("click", async function () {
    if (!scans.lines.length) return say(shell.t("no_lines"));
    save.disabled = true;
    const payload = {
      count: scans.count ? parseInt(scans.count, 10) : null,
      scans: scans.lines.map(function (line) { return { code: line.sku, quantity: line.quantity }; }),
    };
    const units = payload.scans.reduce(function (n, s) { return n + s.quantity; }, 0);
    let action;
    try {
      action = await shell.enqueue("count", payload);
    } catch (error) {
      say(error.message); // the scans stay: nothing was recorded
      save.disabled = false;
      return;
    }
    scans = { count: scans.count, lines: [] };
    keep();
    render();
    result.setAttribute("data-key", action.key);
    result.textContent = shell.t("count_pending", { scans: units });
    refocus();
  });

  shell.onCatalog(fillCounts);
  render();
})();
