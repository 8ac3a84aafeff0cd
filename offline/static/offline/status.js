/* On every staff page (templates/offline/_status.html, _banner.html): the header's badge, "Online"/"Offline"
   and the number of this tablet's actions waiting to sync (from IndexedDB, offline/queue.js), updated on the
   online/offline events and after each drain; while offline, a banner saying that this page waits for the
   connection (or, on the tablet's own pages, that what is done is kept and synced later).

   It also registers the service worker (/sw.js, scope /: the app shell for offline use) and keeps the queue
   moving: a drain when the page loads, when the connection comes back and every 30 seconds while online,
   a heartbeat every minute. Progressive enhancement: without JavaScript the badge stays hidden. */
(function () {
  "use strict";

  const DRAIN_EVERY = 30000;
  const HEARTBEAT_EVERY = 60000;
  const CATALOG_EVERY = 5 * 60000;

  function ready() {
    const badge = document.querySelector("[data-offline-status]");
    const offline = window.OmniOffline;
    if (!badge || !offline || !("indexedDB" in window)) return;
    const net = badge.querySelector("[data-offline-net]");
    const pending = badge.querySelector("[data-offline-pending]");
    const login = badge.querySelector("[data-offline-login]");
    const banner = document.querySelector("[data-offline-banner]");
    const isAppPage = Boolean(document.querySelector("[data-offline-app]"));
    const label = function (name) { return badge.getAttribute("data-label-" + name) || ""; };

    async function render() {
      const online = navigator.onLine;
      badge.hidden = false;
      badge.classList.toggle("is-offline", !online);
      net.textContent = online ? label("online") : label("offline");
      let count = 0;
      try { count = (await offline.actions()).length; } catch (e) { count = 0; }
      pending.textContent = label("pending").replace("__N__", String(count));
      pending.classList.toggle("has-pending", count > 0);
      badge.setAttribute("data-pending", String(count));
      login.hidden = !offline.state.authProblem;
      login.textContent = label("login");
      login.href = badge.getAttribute("data-login") || login.href;
      if (banner) {
        // the "needs the connection" page says it already
        banner.hidden = online || Boolean(document.querySelector("[data-offline-fallback]"));
        banner.querySelector("[data-offline-banner-server]").hidden = isAppPage;
        banner.querySelector("[data-offline-banner-app]").hidden = !isAppPage;
      }
    }

    function drainSoon(force) {
      if (!navigator.onLine) return;
      offline.drain(force).then(render, render);
    }

    async function keepCatalogFresh() {
      // on the tablet's own pages shell.js refreshes it; elsewhere only a catalog already kept here is
      // refreshed (the tablet was used offline at this location), at most every few minutes
      const location = offline.currentLocation();
      if (isAppPage || !location || !navigator.onLine) return;
      const kept = await offline.catalog(location);
      if (kept && Date.now() - Date.parse(kept.checked_at) > CATALOG_EVERY) await offline.refreshCatalog(location);
    }

    window.addEventListener("online", function () {
      offline.state.failures = 0;
      offline.state.nextTryAt = 0;
      render();
      drainSoon(true);
    });
    window.addEventListener("offline", render);
    window.addEventListener(offline.CHANGE, render);

    if ("serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker.register(badge.getAttribute("data-worker"), { scope: "/" })
        .then(function () { return navigator.serviceWorker.ready; })
        .then(function (registration) {
          if (!navigator.serviceWorker.controller && registration.active) registration.active.postMessage("claim");
        })
        .catch(function () { /* no worker (private mode, a browser setting): the pages still work online */ });
    }

    render();
    drainSoon(true);
    keepCatalogFresh().catch(function () { /* next page */ });
    window.setInterval(function () { drainSoon(false); }, DRAIN_EVERY);
    window.setInterval(function () {
      if (navigator.onLine) offline.heartbeat(true).catch(function () { /* next minute */ });
    }, HEARTBEAT_EVERY);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
