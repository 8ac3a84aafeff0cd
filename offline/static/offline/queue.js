/* The tablet's queue of offline actions (sales at the counter, count scans, damage), kept in IndexedDB and
   synced to the server one at a time, in the order they happened (docs/OFFLINE.md, the sync protocol).

   Every action is queued first, online or not: `enqueue(kind, payload, {location, catalogVersion})` stamps it
   with its own key (a random UUID: the server applies each key once, so retries and a second tablet replaying
   the same queue change nothing) and the time it happened, then `drain()` posts the waiting actions in order:
   - 201/200 (applied, refused for a person to look at, or already there): it is on the server, it leaves the
     queue (its answer is kept in `synced`, for the pages to show "synced: order N");
   - 400/422 (malformed, or the key reused with another body): kept as failed, shown with the server's reason,
     a person may discard it; the queue goes on with the next one;
   - 401/403 (the session expired): the drain stops, the badge asks to log in again;
   - a network error, 409 (the same key being synced elsewhere right now), 429 or 5xx: the drain stops and
     tries again later, waiting longer after each failure (backoff).
   Only one drain runs at a time across the tabs of the browser (navigator.locks where available, else a flag
   per tab: two tabs posting the same key is still safe, the server answers the second with the replay).

   IndexedDB is used directly, wrapped in a few promises below: no library is available offline here (no npm,
   no CDN; the app's own files are all the tablet has), and the four stores need only get/put/delete/getAll.

   Database "omni-offline":
   - actions: {key, kind, location, happened_at, catalog_version, payload, state: pending|syncing|failed,
               attempts, last_error, seq} (seq: the order they were queued in)
   - catalog: {location, version, etag, fetched_at, checked_at, data} (the last catalog of each location)
   - device:  {name: "self", id: uuid made once, label}
   - synced:  {key, kind, status, result, replayed, synced_at, summary} (the last answers, for the pages)

   Exposed as window.OmniOffline; changes are announced with the "omni-offline:change" event on window (and to
   the other tabs through a BroadcastChannel). */
(function () {
  "use strict";

  const DB_NAME = "omni-offline";
  const DB_VERSION = 1;
  const API = "/api/v1/offline/";
  const DRAIN_LOCK = "omni-offline-drain";
  const KEEP_SYNCED = 30;
  const CHANGE = "omni-offline:change";

  // --- IndexedDB, as promises ---------------------------------------------------------------------------

  function promised(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  let opening = null;
  function db() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        const request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          const database = request.result;
          if (!database.objectStoreNames.contains("actions")) {
            const actions = database.createObjectStore("actions", { keyPath: "key" });
            actions.createIndex("seq", "seq");
          }
          if (!database.objectStoreNames.contains("catalog")) database.createObjectStore("catalog", { keyPath: "location" });
          if (!database.objectStoreNames.contains("device")) database.createObjectStore("device", { keyPath: "name" });
          if (!database.objectStoreNames.contains("synced")) database.createObjectStore("synced", { keyPath: "key" });
        };
        request.onsuccess = function () {
          const database = request.result;
          database.onversionchange = function () { database.close(); opening = null; };
          resolve(database);
        };
        request.onerror = function () { opening = null; reject(request.error); };
        request.onblocked = function () { /* another tab holds an older version: it closes on versionchange */ };
      });
    }
    return opening;
  }

  async function tx(stores, mode, work) {
    const database = await db();
    const transaction = database.transaction(stores, mode);
    const done = new Promise(function (resolve, reject) {
      transaction.oncomplete = function () { resolve(); };
      transaction.onabort = transaction.onerror = function () { reject(transaction.error); };
    });
    const result = await work(transaction);
    await done;
    return result;
  }

  function get(store, key) {
    return tx([store], "readonly", function (t) { return promised(t.objectStore(store).get(key)); });
  }

  function put(store, value) {
    return tx([store], "readwrite", function (t) { return promised(t.objectStore(store).put(value)); });
  }

  function remove(store, key) {
    return tx([store], "readwrite", function (t) { return promised(t.objectStore(store).delete(key)); });
  }

  function all(store, index) {
    return tx([store], "readonly", function (t) {
      const source = index ? t.objectStore(store).index(index) : t.objectStore(store);
      return promised(source.getAll());
    });
  }

  // --- helpers ------------------------------------------------------------------------------------------

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    // outside a secure context randomUUID is missing: the same version-4 UUID from getRandomValues
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  /** The local time with its offset, as the protocol wants it: 2026-12-07T12:17:08.123+01:00. */
  function isoWithOffset(date) {
    const pad = function (n, width) { return String(Math.abs(n)).padStart(width || 2, "0"); };
    const offset = -date.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) +
      "." + pad(date.getMilliseconds(), 3) + sign + pad(Math.trunc(offset / 60)) + ":" + pad(offset % 60);
  }

  function cookie(name) {
    const found = document.cookie.split(";").map(function (c) { return c.trim(); })
      .find(function (c) { return c.startsWith(name + "="); });
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  /** The CSRF token: the cookie (fresh after each login), else the one the page was rendered with. */
  function csrfToken() {
    const badge = document.querySelector("[data-offline-status]");
    return cookie("csrftoken") || (badge && badge.getAttribute("data-csrf")) || "";
  }

  let channel = null;
  try { channel = new BroadcastChannel("omni-offline"); } catch (e) { channel = null; }

  function announce(detail) {
    window.dispatchEvent(new CustomEvent(CHANGE, { detail: detail || {} }));
    if (channel) channel.postMessage(detail || {});
  }
  if (channel) {
    channel.onmessage = function (event) {
      window.dispatchEvent(new CustomEvent(CHANGE, { detail: Object.assign({ fromOtherTab: true }, event.data) }));
    };
  }

  // --- the device -----------------------------------------------------------------------------------

  async function device() {
    let self = await get("device", "self");
    if (!self) {
      self = { name: "self", id: uuid(), label: "" };
      // two tabs opening at once: the first put wins, both then read it back
      await tx(["device"], "readwrite", async function (t) {
        const store = t.objectStore("device");
        const existing = await promised(store.get("self"));
        if (!existing) await promised(store.put(self));
      });
      self = await get("device", "self");
    }
    return self;
  }

  async function setLabel(label) {
    const self = await device();
    self.label = String(label || "").trim().slice(0, 80);
    await put("device", self);
    announce({ what: "device" });
    return self;
  }

  // --- the queue ------------------------------------------------------------------------------------

  let lastSeq = 0;
  function nextSeq() {
    // the order actions were queued in: the clock, made strictly increasing within this page
    lastSeq = Math.max(Date.now() * 1000, lastSeq + 1);
    return lastSeq;
  }

  async function enqueue(kind, payload, options) {
    const opts = options || {};
    if (!opts.location) throw new Error("an action needs its location");
    const action = {
      key: uuid(),
      kind: kind,
      location: opts.location,
      happened_at: isoWithOffset(new Date()),
      catalog_version: opts.catalogVersion || "",
      payload: payload,
      state: "pending",
      attempts: 0,
      last_error: "",
      seq: nextSeq(),
    };
    await put("actions", action);
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(function () { /* the browser decides; the page warns anyway */ });
    }
    announce({ what: "queued", key: action.key });
    return action;
  }

  function actions() {
    return all("actions", "seq");
  }

  async function discard(key) {
    await remove("actions", key);
    announce({ what: "discarded", key: key });
  }

  async function synced() {
    const rows = await all("synced");
    return rows.sort(function (a, b) { return b.seq - a.seq; });
  }

  async function recordSynced(action, answer) {
    await tx(["actions", "synced"], "readwrite", async function (t) {
      t.objectStore("actions").delete(action.key);
      const store = t.objectStore("synced");
      store.put({
        key: action.key,
        kind: action.kind,
        seq: action.seq,
        status: answer.status || "applied",
        result: answer.result || {},
        detail: answer.error_detail || answer.detail || (answer.result && answer.result.detail) || "",
        replayed: Boolean(answer.replayed),
        synced_at: isoWithOffset(new Date()),
        payload: action.payload,
      });
      const kept = await promised(store.getAll());
      kept.sort(function (a, b) { return b.seq - a.seq; });
      kept.slice(KEEP_SYNCED).forEach(function (old) { store.delete(old.key); });
    });
  }

  // --- the drain ------------------------------------------------------------------------------------

  const state = { authProblem: false, failures: 0, nextTryAt: 0, draining: null, lastError: "" };

  function body(action, deviceId) {
    return {
      key: action.key,
      kind: action.kind,
      device: deviceId,
      location: action.location,
      happened_at: action.happened_at,
      catalog_version: action.catalog_version,
      payload: action.payload,
    };
  }

  async function problemText(response) {
    try {
      const problem = await response.json();
      return [problem.detail || problem.title || "", problem.code ? "(" + problem.code + ")" : ""].join(" ").trim();
    } catch (e) {
      return "HTTP " + response.status;
    }
  }

  function backoff(reason) {
    state.failures += 1;
    state.lastError = reason;
    // 5 s, 10 s, 20 s ... up to 5 minutes, with a little jitter so that tablets do not retry in step
    const wait = Math.min(300000, 5000 * Math.pow(2, state.failures - 1));
    state.nextTryAt = Date.now() + wait + Math.floor(Math.random() * 1000);
  }

  async function postOne(action, deviceId) {
    await put("actions", Object.assign({}, action, { state: "syncing" }));
    let response;
    try {
      response = await fetch(API + "actions/", {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(body(action, deviceId)),
      });
    } catch (error) {
      await put("actions", Object.assign({}, action, { state: "pending", attempts: action.attempts + 1, last_error: String(error && error.message || error) }));
      backoff("network");
      return "stop";
    }
    if (response.status === 200 || response.status === 201) {
      let answer = {};
      try { answer = await response.json(); } catch (e) { answer = {}; }
      await recordSynced(action, answer);
      state.authProblem = false;
      state.failures = 0;
      state.nextTryAt = 0;
      announce({ what: "synced", key: action.key, answer: answer });
      return "next";
    }
    const detail = await problemText(response);
    if (response.status === 400 || response.status === 422) {
      await put("actions", Object.assign({}, action, { state: "failed", attempts: action.attempts + 1, last_error: detail }));
      announce({ what: "failed", key: action.key });
      return "next";
    }
    await put("actions", Object.assign({}, action, { state: "pending", attempts: action.attempts + 1, last_error: detail }));
    if (response.status === 401 || response.status === 403) {
      state.authProblem = true;
      state.lastError = "auth";
      return "stop";
    }
    backoff("server");
    return "stop";
  }

  async function drainNow() {
    const tried = new Set();
    let self = null;
    for (;;) {
      const waiting = (await actions()).filter(function (a) { return a.state !== "failed" && !tried.has(a.key); });
      if (!waiting.length) return "done";
      const action = waiting[0];
      tried.add(action.key);
      self = self || await device();
      const outcome = await postOne(action, self.id);
      if (outcome === "stop") return state.authProblem ? "auth" : "retry";
    }
  }

  /** Syncs the waiting actions, in order, one at a time; resolves to "done", "retry", "auth", "offline",
      "busy" (another tab is draining) or "later" (backing off). `force` ignores the backoff. */
  function drain(force) {
    if (!navigator.onLine) return Promise.resolve("offline");
    if (!force && Date.now() < state.nextTryAt) return Promise.resolve("later");
    if (state.draining) return state.draining;
    const run = async function () {
      let outcome;
      try {
        if (navigator.locks && navigator.locks.request) {
          outcome = await navigator.locks.request(DRAIN_LOCK, { ifAvailable: true }, function (lock) {
            return lock ? drainNow() : "busy";
          });
        } else {
          outcome = await drainNow();
        }
      } finally {
        state.draining = null;
      }
      announce({ what: "drained", outcome: outcome });
      if (outcome !== "busy") heartbeat().catch(function () { /* the next minute's will do */ });
      return outcome;
    };
    state.draining = run();
    return state.draining;
  }

  // --- heartbeat and catalog --------------------------------------------------------------------------

  function currentLocation() {
    const badge = document.querySelector("[data-offline-status]");
    return badge ? badge.getAttribute("data-location") || "" : "";
  }

  const BEAT_KEY = "omni-offline-heartbeat";
  function lastBeat() {
    try { return JSON.parse(window.localStorage.getItem(BEAT_KEY)) || { at: 0, pending: -1 }; } catch (e) { return { at: 0, pending: -1 }; }
  }

  /** Tells the server how many actions wait here and since when (the manager's page of tablets). After a
      drain it is sent only when that number changed or 20 seconds have passed, so pages that open one after
      the other (in any tab) do not each send one; the minute's heartbeat (`force`) always goes. */
  async function heartbeat(force) {
    const location = currentLocation();
    if (!location || !navigator.onLine) return null;
    // only a browser that has been a tablet (opened the till, count or damage page) reports: a desk's browser
    // in the back office is not one of the store's tablets
    const self = await get("device", "self");
    if (!self) return null;
    const waiting = await actions();
    const last = lastBeat();
    if (!force && waiting.length === last.pending && Date.now() - last.at < 20000) return null;
    try { window.localStorage.setItem(BEAT_KEY, JSON.stringify({ at: Date.now(), pending: waiting.length })); } catch (e) { /* private mode */ }
    const cached = await get("catalog", location);
    const response = await fetch(API + "devices/heartbeat/", {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({
        device: self.id,
        label: self.label,
        location: location,
        pending: waiting.length,
        oldest_pending_at: waiting.length ? waiting[0].happened_at : null,
        catalog_version: cached ? cached.version : "",
      }),
    });
    if (response.status === 401 || response.status === 403) {
      state.authProblem = true;
      announce({ what: "auth" });
    }
    return response.ok ? response.json() : null;
  }

  function catalog(location) {
    return get("catalog", location);
  }

  /** Fetches the location's catalog unless the stored one is still the server's (If-None-Match: 304). */
  async function refreshCatalog(location) {
    if (!location || !navigator.onLine) return catalog(location);
    const cached = await get("catalog", location);
    const headers = { "Accept": "application/json" };
    if (cached && cached.etag) headers["If-None-Match"] = cached.etag;
    const response = await fetch(API + "catalog/?location=" + encodeURIComponent(location), {
      credentials: "same-origin",
      cache: "no-store",
      headers: headers,
    });
    const now = isoWithOffset(new Date());
    if (response.status === 304 && cached) {
      cached.checked_at = now;
      await put("catalog", cached);
      announce({ what: "catalog", location: location });
      return cached;
    }
    if (response.status === 401 || response.status === 403) {
      state.authProblem = true;
      announce({ what: "auth" });
      return cached;
    }
    if (!response.ok) return cached;
    const data = await response.json();
    const record = {
      location: location,
      version: data.version,
      etag: response.headers.get("ETag") || '"' + data.version + '"',
      fetched_at: now,
      checked_at: now,
      data: data,
    };
    await put("catalog", record);
    announce({ what: "catalog", location: location });
    return record;
  }

  window.OmniOffline = {
    db: db,
    device: device,
    setLabel: setLabel,
    enqueue: enqueue,
    actions: actions,
    discard: discard,
    synced: synced,
    drain: drain,
    heartbeat: heartbeat,
    catalog: catalog,
    refreshCatalog: refreshCatalog,
    currentLocation: currentLocation,
    state: state,
    isoWithOffset: isoWithOffset,
    CHANGE: CHANGE,
  };
})();
