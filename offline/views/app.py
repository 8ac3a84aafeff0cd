"""The installable app on the store's tablets: the web manifest, the service worker and the app shell's pages
(sell at the counter, count, damage), whose JavaScript works the same online and offline (every action is
queued in the tablet's IndexedDB first, then synced: offline/static/offline/queue.js), and the page shown
offline for everything else ("this needs the connection").

The worker is served from the root (`/sw.js`) so that its scope is the whole back office: it answers
navigations network first, falling back to its copy of the shell pages, and to the fallback page for any
other page. It is the static file offline/static/offline/sw.js with, on its first line, what it precaches
and a version computed from the content of those files and of the shell's templates: any deploy that changes
one of them changes the worker's bytes, so the browser installs the new worker and it refreshes its cache."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from omni import pages
from omni.formatting import CURRENCY_SYMBOLS

WORKER_SOURCE = "offline/sw.js"
THEME_COLOR = "#1f4e79"  # --brand in omni/static/omni/app.css
BACKGROUND_COLOR = "#f5f7fa"  # --bg
# What the shell pages load (templates/base.html and the pages' own), cached when the worker installs.
SHELL_ASSETS = (
    "omni/app.css",
    "omni/app.js",
    "omni/menu.js",
    "omni/tables.js",
    "omni/favicon.svg",
    "omni/floor.css",
    "omni/till.css",
    "omni/scanner.js",
    "offline/offline.css",
    "offline/queue.js",
    "offline/status.js",
    "offline/shell.js",
    "offline/till.js",
    "offline/count.js",
    "offline/damage.js",
    "offline/icon.svg",
    "offline/icon-192.png",
    "offline/icon-512.png",
)
SHELL_PAGES = ("offline:till", "offline:count", "offline:damage", "offline:unavailable")
SHELL_TEMPLATES = (
    "base.html",
    "offline/till.html",
    "offline/count.html",
    "offline/damage.html",
    "offline/unavailable.html",
    "offline/_shell.html",
    "offline/_tabs.html",
    "offline/_queue.html",
    "offline/_head.html",
    "offline/_status.html",
    "offline/_banner.html",
)


def _source(static_path: str) -> bytes:
    found = finders.find(static_path)
    if not found:
        return b""
    return Path(str(found)).read_bytes()


def _template_source(name: str) -> bytes:
    origin = get_template(name).origin  # type: ignore[attr-defined]
    try:
        return Path(origin.name).read_bytes()
    except OSError:
        return b""


_computed: dict[str, dict[str, Any]] = {}


def shell() -> dict[str, Any]:
    """What the worker precaches (page paths and static URLs as the pages render them) and its version.
    Browsers ask for the worker at every navigation: worked out once per process (a deploy restarts them),
    at every request with DEBUG (files change under `runserver`)."""
    if not settings.DEBUG and "shell" in _computed:
        return _computed["shell"]
    _computed["shell"] = _shell()
    return _computed["shell"]


def _shell() -> dict[str, Any]:
    digest = hashlib.sha256(_source(WORKER_SOURCE))
    for path in SHELL_ASSETS:
        digest.update(path.encode() + b"\0" + _source(path))
    for name in SHELL_TEMPLATES:
        digest.update(name.encode() + b"\0" + _template_source(name))
    return {
        "version": digest.hexdigest()[:16],
        "pages": [reverse(name) for name in SHELL_PAGES],
        "fallback": reverse("offline:unavailable"),
        "assets": [static(path) for path in SHELL_ASSETS] + [reverse("web-manifest")],
        "static": settings.STATIC_URL,
    }


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    config = shell()
    etag = f'"{config["version"]}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        script = f"self.OMNI_SHELL = {json.dumps(config, separators=(',', ':'))};\n"
        response = HttpResponse(
            script.encode() + _source(WORKER_SOURCE), content_type="application/javascript; charset=utf-8"
        )
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    till = reverse("offline:till")
    data = {
        "id": till,
        "name": "Omni",
        "short_name": "Omni",
        "description": _("The store's tablet: sell, count and record damage, also without the connection."),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "start_url": till,
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": static("offline/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("offline/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("offline/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
        "shortcuts": [
            {"name": _("Sell at the counter"), "url": till},
            {"name": _("Count"), "url": reverse("offline:count")},
            {"name": _("Record damage"), "url": reverse("offline:damage")},
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"indent": 1})
    response["Cache-Control"] = "no-cache"
    return response


def _money_format(currency: str) -> dict[str, str]:
    """How the pages' JavaScript writes an amount, as omni.formatting.format_money does in this language."""
    return {
        "currency": currency,
        "symbol": CURRENCY_SYMBOLS.get(currency.upper(), currency.upper()),
        "decimal": str(formats.get_format("DECIMAL_SEPARATOR")),
        "thousands": str(formats.get_format("THOUSAND_SEPARATOR")),
    }


def _strings() -> dict[str, str]:
    """What the pages' JavaScript writes, translated here (as `data-*` attributes carry them on the other
    floor pages): the pages are cached whole by the worker, so their strings work offline with them, and
    there is no `djangojs` catalog to keep in step. `%(name)s` is filled in by shell.js."""
    return {
        "catalog_none": _(
            "This tablet has no catalog for %(code)s yet: open this page once with the connection."
        ),
        "catalog": _("Catalog %(version)s, checked %(time)s: %(count)s products."),
        "catalog_old": _("The catalog is more than a day old: prices may have changed since."),
        "unknown_code": _("%(code)s is not in this tablet's catalog."),
        "kind_sale": _("Sale"),
        "kind_count": _("Count"),
        "kind_damage": _("Damage"),
        "state_pending": _("Waiting"),
        "state_syncing": _("Syncing"),
        "state_failed": _("Refused: needs attention"),
        "summary_sale": _("%(units)s units, %(total)s"),
        "summary_count": _("%(scans)s scans"),
        "summary_damage": _("%(sku)s × %(quantity)s"),
        "discard": _("Discard"),
        "discard_confirm": _("Discard this action? It never reached the server: it will be lost."),
        "queue_empty": _("Nothing is waiting: everything done on this tablet has synced."),
        "synced_order": _("Synced: order %(number)s"),
        "synced_applied": _("Synced"),
        "synced_rejected": _("On the server, needs attention: %(detail)s"),
        "sale_pending": _("Sale recorded (%(total)s), waiting to sync."),
        "count_pending": _("%(scans)s scans saved, waiting to sync."),
        "damage_pending": _("Damage recorded, waiting to sync."),
        "pay": _("Take payment: %(total)s"),
        "remove": _("Remove %(sku)s"),
        "less": _("One less %(sku)s"),
        "more": _("One more %(sku)s"),
        "new_count": _("A new count of the scanned products"),
        "count_started": _("%(label)s, started %(time)s"),
        "no_lines": _("Scan at least one product first."),
        "bad_quantity": _("Type a quantity of at least 1."),
        "not_saved": _("This tablet could not keep it (%(error)s): nothing was recorded, try again."),
    }


def _shell_page(request: HttpRequest, template: str, *, needs_store: bool) -> HttpResponse:
    here = getattr(request, "current_location", None)
    if here is not None and not pages.actor(request).can_act_at(here.pk):
        raise PermissionDenied(_("You may only work at your own locations."))
    usable = here is not None and (here.kind == "store" or not needs_store)
    context = {
        "here": here,
        "usable": usable,
        "config": {
            "location": here.code if here is not None else "",
            "money": _money_format(settings.OMNI_CURRENCY),
            "strings": _strings(),
        },
    }
    return render(request, template, context)


@login_required
def till(request: HttpRequest) -> HttpResponse:
    return _shell_page(request, "offline/till.html", needs_store=True)


@login_required
def count(request: HttpRequest) -> HttpResponse:
    return _shell_page(request, "offline/count.html", needs_store=False)


@login_required
def damage(request: HttpRequest) -> HttpResponse:
    return _shell_page(request, "offline/damage.html", needs_store=False)


def unavailable(request: HttpRequest) -> HttpResponse:
    """The page the worker shows offline for a page that needs the server. Public: the worker caches it
    whoever is logged in, and shows it also for the login page."""
    return render(request, "offline/unavailable.html")
