/* Omni's service worker, served at /sw.js (scope /) by offline/views/app.py, which puts on the line above this
   one what to precache and the version (`self.OMNI_SHELL`: computed from the content of those files, so a
   deploy that changes any of them installs a new worker and refreshes the cache).

   - install: caches the app shell (the tablet's pages: till, count, damage; the "needs the connection" page;
     the static files they use, fetched fresh). A page is cached only as the logged-in user sees it (not a
     redirect to the login): when it cannot be fetched, the copy of the previous version is kept.
   - navigations (GET): network first. The tablet's pages are cached again at each visit online and served
     from the cache when the network fails (or does not answer within a few seconds, or the server fails);
     any other page falls back, offline, to the "needs the connection" page, which lists what works offline.
   - static files: the precached ones from the cache; others from the network, kept for offline use.
   - the API (/api/) is never touched: the pages' queue (queue.js) decides what to do with each call. */
"use strict";

const SHELL = self.OMNI_SHELL || { version: "dev", pages: [], assets: [], fallback: "/offline/unavailable/", static: "/static/" };
const PREFIX = "omni-shell-";
const CACHE = PREFIX + SHELL.version;
const PAGE_TIMEOUT = 6000;

function cacheablePage(response) {
  return Boolean(response) && response.ok && !response.redirected && response.type === "basic" &&
    (response.headers.get("Content-Type") || "").startsWith("text/html");
}

/** A copy of `path` from any version of the cache (the newest first). */
async function fromAnyCache(path) {
  const current = await caches.open(CACHE);
  const hit = await current.match(path, { ignoreSearch: true });
  if (hit) return hit;
  return caches.match(path, { ignoreSearch: true });
}

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL.assets.map(function (url) { return new Request(url, { cache: "reload" }); }));
    await Promise.all(SHELL.pages.map(async function (path) {
      try {
        const response = await fetch(new Request(path, { cache: "reload", credentials: "same-origin" }));
        if (cacheablePage(response)) {
          await cache.put(path, response);
          return;
        }
      } catch (error) {
        // offline while updating: the previous copy below
      }
      const previous = await caches.match(path, { ignoreSearch: true });
      if (previous) await cache.put(path, previous);
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    const names = await caches.keys();
    await Promise.all(names.filter(function (name) { return name.startsWith(PREFIX) && name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
    await self.clients.claim();
  })());
});

// A page that opened before this worker was active asks to be controlled (clients.claim() in `activate` can
// miss a page that was still loading), so that it works offline without a reload.
self.addEventListener("message", function (event) {
  if (event.data === "claim") event.waitUntil(self.clients.claim());
});

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    const timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (value) { clearTimeout(timer); resolve(value); },
      function (error) { clearTimeout(timer); reject(error); });
  });
}

function offlineText() {
  return new Response("Offline: this page needs the connection. / Senza connessione: questa pagina ha bisogno del server.", {
    status: 503,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

async function navigate(event, url) {
  const isShell = SHELL.pages.indexOf(url.pathname) !== -1;
  const network = fetch(event.request);
  try {
    const response = isShell ? await withTimeout(network, PAGE_TIMEOUT) : await network;
    if (isShell && cacheablePage(response)) {
      const cache = await caches.open(CACHE);
      await cache.put(url.pathname, response.clone());
    } else if (isShell && response.status >= 500) {
      const cached = await fromAnyCache(url.pathname);
      if (cached) return cached;
    }
    return response;
  } catch (error) {
    network.catch(function () { /* answered from the cache already */ });
    if (isShell) {
      const cached = await fromAnyCache(url.pathname);
      if (cached) return cached;
    }
    return (await fromAnyCache(SHELL.fallback)) || offlineText();
  }
}

async function staticFile(request, url) {
  const cache = await caches.open(CACHE);
  const precached = SHELL.assets.indexOf(url.pathname) !== -1;
  if (precached) {
    const hit = await cache.match(request, { ignoreSearch: true });
    if (hit) return hit;
  }
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(request, { ignoreSearch: true });
    if (hit) return hit;
    throw error;
  }
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event, url));
    return;
  }
  if (url.pathname.startsWith(SHELL.static) || SHELL.assets.indexOf(url.pathname) !== -1) {
    event.respondWith(staticFile(request, url));
  }
});
