/* What the tablet's three pages share (templates/offline/_shell.html, _queue.html): their settings and
   translated strings (the JSON in #offline-config, rendered by offline/views/app.py), the location's catalog
   kept on the tablet (refreshed from the server when online, its version and age shown), amounts written as
   the rest of Omni writes them, and this tablet's queue: what waits to sync, what was refused (with a
   "discard" that asks first) and what synced lately. Exposed as window.OmniShell for till.js, count.js and
   damage.js. */
(function () {
  "use strict";

  const CATALOG_EVERY = 5 * 60000;
  const DAY = 24 * 3600 * 1000;
  const offline = window.OmniOffline;
  const configNode = document.getElementById("offline-config");
  if (!offline || !configNode) return;
  const config = JSON.parse(configNode.textContent);
  const strings = config.strings || {};
  const money = config.money || { symbol: "€", decimal: ",", thousands: "." };
  const location = config.location;
  const dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "short", timeStyle: "short" });

  /** A translated string with its %(name)s placeholders filled in. */
  function t(name, values) {
    return (strings[name] || name).replace(/%\((\w+)\)s/g, function (whole, key) {
      return values && key in values ? String(values[key]) : whole;
    });
  }

  /** "19.90" -> 1990: amounts are counted in cents, never in floating point. */
  function cents(text) {
    const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(text).trim());
    if (!match) return NaN;
    const value = parseInt(match[2], 10) * 100 + parseInt((match[3] || "0").padEnd(2, "0"), 10);
    return match[1] ? -value : value;
  }

  /** 1990 -> "19.90", as the API wants an amount. */
  function decimal(value) {
    const sign = value < 0 ? "-" : "";
    const abs = Math.abs(value);
    return sign + Math.floor(abs / 100) + "." + String(abs % 100).padStart(2, "0");
  }

  /** 123450 -> "€ 1.234,50" in Italian, "€ 1,234.50" in English (omni.formatting.format_money). */
  function formatMoney(value) {
    const abs = Math.abs(value);
    const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, money.thousands);
    return (value < 0 ? "-" : "") + money.symbol + "\u00a0" + whole + money.decimal + String(abs % 100).padStart(2, "0");
  }

  function formatTime(iso) {
    const when = new Date(iso);
    return isNaN(when.getTime()) ? "" : dateFormat.format(when);
  }

  // --- the catalog ------------------------------------------------------------------------------------

  let current = null;
  let index = new Map();
  const listeners = [];

  function useCatalog(record) {
    current = record || null;
    index = new Map();
    const skus = current && current.data ? current.data.skus || [] : [];
    skus.forEach(function (row) {
      index.set(String(row.sku).toUpperCase(), row);
      if (row.gtin) index.set(String(row.gtin), row);
    });
    showCatalog();
    listeners.forEach(function (listener) { listener(current); });
  }

  function showCatalog() {
    const status = document.querySelector("[data-catalog-status]");
    const old = document.querySelector("[data-catalog-old]");
    if (!status) return;
    if (!current) {
      status.textContent = t("catalog_none", { code: location });
      status.classList.add("notice-warn");
      if (old) old.hidden = true;
      return;
    }
    status.classList.remove("notice-warn");
    status.setAttribute("data-version", current.version);
    status.textContent = t("catalog", {
      version: current.version,
      time: formatTime(current.checked_at),
      count: (current.data.skus || []).length,
    });
    if (old) {
      old.hidden = Date.now() - Date.parse(current.checked_at) < DAY;
      old.textContent = t("catalog_old");
    }
  }

  /** The catalog's row for a scanned or typed code: a SKU (any case) or a GTIN. */
  function lookup(code) {
    const text = String(code || "").trim();
    return index.get(text.toUpperCase()) || index.get(text) || null;
  }

  async function loadCatalog(refresh) {
    useCatalog(await offline.catalog(location));
    if (refresh && navigator.onLine) {
      try { useCatalog(await offline.refreshCatalog(location)); } catch (e) { /* keep the one we have */ }
    }
    return current;
  }

  // --- the queue ------------------------------------------------------------------------------------

  function summary(action) {
    const payload = action.payload || {};
    if (action.kind === "sale") {
      const units = (payload.lines || []).reduce(function (n, line) { return n + line.quantity; }, 0);
      return t("summary_sale", { units: units, total: formatMoney(cents(payload.total || "0")) });
    }
    if (action.kind === "count") {
      const scans = (payload.scans || []).reduce(function (n, scan) { return n + scan.quantity; }, 0);
      return t("summary_count", { scans: scans });
    }
    return t("summary_damage", { sku: payload.sku, quantity: payload.quantity });
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  async function showQueue() {
    const rows = document.querySelector("[data-queue-rows]");
    if (!rows) return;
    const waiting = await offline.actions();
    const empty = document.querySelector("[data-queue-empty]");
    document.querySelector("[data-queue-wrap]").hidden = !waiting.length;
    empty.hidden = Boolean(waiting.length);
    empty.textContent = t("queue_empty");
    rows.replaceChildren();
    waiting.forEach(function (action) {
      const row = document.createElement("tr");
      row.setAttribute("data-testid", "queue-row");
      row.setAttribute("data-kind", action.kind);
      row.setAttribute("data-state", action.state);
      if (action.state === "failed") row.className = "offline-failed";
      cell(row, formatTime(action.happened_at));
      cell(row, t("kind_" + action.kind) + ": " + summary(action) + (action.location !== location ? " (" + action.location + ")" : ""));
      const stateCell = cell(row, t("state_" + action.state));
      if (action.last_error) {
        const reason = document.createElement("span");
        reason.className = "offline-error";
        reason.textContent = action.last_error;
        stateCell.appendChild(document.createElement("br"));
        stateCell.appendChild(reason);
      }
      const actionsCell = cell(row, "");
      if (action.state === "failed") {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-danger";
        button.textContent = t("discard");
        button.setAttribute("data-testid", "queue-discard");
        button.addEventListener("click", function () {
          if (window.confirm(t("discard_confirm"))) offline.discard(action.key);
        });
        actionsCell.appendChild(button);
      }
      rows.appendChild(row);
    });
    const list = document.querySelector("[data-synced-list]");
    if (list) {
      const done = (await offline.synced()).slice(0, 10);
      list.replaceChildren();
      done.forEach(function (entry) {
        const item = document.createElement("li");
        item.setAttribute("data-testid", "synced-item");
        item.textContent = formatTime(entry.synced_at) + " · " + t("kind_" + entry.kind) + ": " + outcome(entry);
        list.appendChild(item);
      });
    }
  }

  /** What the server did with a synced action, in words. */
  function outcome(entry) {
    if (entry.status === "rejected") return t("synced_rejected", { detail: entry.detail || "" });
    if (entry.result && entry.result.order) return t("synced_order", { number: entry.result.order });
    return t("synced_applied");
  }

  /** Queues an action of this page's location (with the catalog's version) and syncs at once if online.
      Throws an Error with the sentence to show when the tablet's storage refuses it (full, blocked). */
  async function enqueue(kind, payload) {
    let action;
    try {
      action = await offline.enqueue(kind, payload, {
        location: location,
        catalogVersion: current ? current.version : "",
      });
    } catch (error) {
      throw new Error(t("not_saved", { error: (error && (error.name || error.message)) || String(error) }));
    }
    if (navigator.onLine) offline.drain(true);
    return action;
  }

  /** The answer kept for an action once it synced (null while it waits). */
  async function syncedEntry(key) {
    return (await offline.synced()).find(function (entry) { return entry.key === key; }) || null;
  }

  function setupDevice() {
    const form = document.querySelector("[data-device-form]");
    if (!form) return;
    const input = form.querySelector("[data-device-label]");
    // opening a tablet page makes this browser one of the store's tablets: it gets its id and reports
    offline.device().then(function (self) { input.value = self.label || ""; });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      offline.setLabel(input.value).then(function () { offline.heartbeat(true).catch(function () {}); });
    });
  }

  window.addEventListener(offline.CHANGE, function (event) {
    const what = event.detail && event.detail.what;
    if (what === "catalog") {
      offline.catalog(location).then(useCatalog);
      return;
    }
    showQueue();
  });
  window.addEventListener("online", function () { loadCatalog(true); });

  window.OmniShell = {
    config: config,
    location: location,
    t: t,
    cents: cents,
    decimal: decimal,
    formatMoney: formatMoney,
    formatTime: formatTime,
    lookup: lookup,
    catalog: function () { return current; },
    onCatalog: function (listener) { listeners.push(listener); if (current) listener(current); },
    enqueue: enqueue,
    syncedEntry: syncedEntry,
    outcome: outcome,
    ready: loadCatalog(true).catch(function () { return null; }),
  };
  setupDevice();
  showQueue();
  window.setInterval(function () { if (navigator.onLine) loadCatalog(true); }, CATALOG_EVERY);
})();
