"""The installable app through Django's test client: the web manifest (name, scope, start page, theme colours
taken from the CSS, icons that are real PNGs of their declared size), the service worker (served from the
root as JavaScript, never cached without revalidation, precaching the shell pages and every static file those
pages load, with a version that changes when one of them changes), the shell pages (login needed, a store for
the till, the settings and translated strings for their JavaScript, amounts formatted as the rest of Omni),
the fallback page, and the header's badge on every staff page."""

from __future__ import annotations

import json
import re
import struct
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.utils import translation

from offline.views import app
from omni.formatting import format_money
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SHELL_PAGES = ["/offline/till/", "/offline/count/", "/offline/damage/"]


def css_variable(name: str) -> str:
    css = (ROOT / "omni/static/omni/app.css").read_text()
    match = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", css)
    assert match, name
    return match.group(1).lower()


def png_size(path: str) -> tuple[int, int]:
    data = Path(str(finders.find(path))).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def worker_config(body: bytes) -> dict[str, Any]:
    first, _rest = body.decode().split("\n", 1)
    match = re.fullmatch(r"self\.OMNI_SHELL = (\{.*\});", first)
    assert match, first
    return json.loads(match.group(1))


def loaded_assets(html: str) -> set[str]:
    """The static files a page loads: stylesheets, scripts, icons."""
    found = set(re.findall(r'<(?:link|script)[^>]+(?:href|src)="(/static/[^"]+)"', html))
    assert found
    return found


@pytest.fixture
def store(db):  # type: ignore[no-untyped-def]
    return LocationFactory(code="MI-APP", name="Milano App", kind="store")


@pytest.fixture
def anna(client, store):  # type: ignore[no-untyped-def]
    user = UserFactory(username="anna-app", role="associate", locations=[store])
    client.force_login(user)
    return user


def test_the_manifest_makes_the_store_pages_an_installable_app(client):
    response = client.get("/manifest.webmanifest")  # the browser fetches it without being logged in
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    assert response["Cache-Control"] == "no-cache"
    manifest = response.json()
    assert (manifest["name"], manifest["short_name"]) == ("Omni", "Omni")
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/offline/till/",
        "/",
        "standalone",
    )
    assert manifest["theme_color"] == css_variable("brand") == "#1f4e79"
    assert manifest["background_color"] == css_variable("bg")
    icons = {icon["sizes"]: icon for icon in manifest["icons"]}
    assert icons["192x192"]["type"] == icons["512x512"]["type"] == "image/png"
    assert png_size("offline/icon-192.png") == (192, 192)
    assert png_size("offline/icon-512.png") == (512, 512)
    assert icons["any"] == {"src": "/static/offline/icon.svg", "sizes": "any", "type": "image/svg+xml"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon
    assert [s["url"] for s in manifest["shortcuts"]] == SHELL_PAGES


def test_the_manifest_speaks_the_language_of_the_request(client):
    client.cookies["django_language"] = "en"
    assert client.get("/manifest.webmanifest").json()["shortcuts"][2]["name"] == "Record damage"
    client.cookies["django_language"] = "it"
    italian = client.get("/manifest.webmanifest").json()
    assert italian["lang"] == "it" and italian["shortcuts"][2]["name"] == "Registra un danno"


def test_the_service_worker_is_javascript_from_the_root_revalidated_on_every_check(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content
    source = Path(str(finders.find("offline/sw.js"))).read_bytes()
    assert body.endswith(source)  # the static file, after its configuration line
    config = worker_config(body)
    assert config["pages"] == [*SHELL_PAGES, "/offline/unavailable/"]
    assert config["fallback"] == "/offline/unavailable/"
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])
    assert client.post("/sw.js").status_code == 405


def test_the_worker_precaches_every_static_file_the_shell_pages_load(client, anna):
    precached = set(worker_config(client.get("/sw.js").content)["assets"])
    assert "/manifest.webmanifest" in precached
    for path in [*SHELL_PAGES, "/offline/unavailable/"]:
        html = client.get(path).content.decode()
        missing = loaded_assets(html) - precached
        assert not missing, (path, missing)
    for url in precached - {"/manifest.webmanifest"}:
        assert finders.find(url.removeprefix("/static/")), url


def test_the_workers_version_changes_with_any_file_it_caches(client, monkeypatch):
    monkeypatch.setattr(app, "_computed", {})
    first = client.get("/sw.js")
    before = worker_config(first.content)["version"]
    assert first["ETag"] == f'"{before}"'
    assert worker_config(client.get("/sw.js").content)["version"] == before  # stable between requests
    unchanged = client.get("/sw.js", HTTP_IF_NONE_MATCH=f'"{before}"')
    assert unchanged.status_code == 304 and not unchanged.content
    original = app._source

    def changed(path: str) -> bytes:
        return original(path) + (b"/* deployed */" if path == "offline/till.js" else b"")

    monkeypatch.setattr(app, "_source", changed)
    monkeypatch.setattr(app, "_computed", {})  # a deploy restarts the processes
    after = client.get("/sw.js", HTTP_IF_NONE_MATCH=f'"{before}"')
    assert after.status_code == 200 and worker_config(after.content)["version"] != before


def test_the_shell_pages_need_a_login(client):
    for path in SHELL_PAGES:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path


def page_config(response) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    match = re.search(
        r'<script id="offline-config" type="application/json">(.*?)</script>', response.content.decode()
    )
    assert match, "the page's settings for its JavaScript"
    return json.loads(match.group(1))


def test_the_till_renders_for_a_store_with_its_settings_for_the_tablet(client, anna, store):
    client.cookies["django_language"] = "en"
    response = client.get("/offline/till/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="scan"' in html and "autofocus" in html
    assert "/static/offline/till.js" in html and "/static/offline/shell.js" in html
    config = page_config(response)
    assert config["location"] == "MI-APP"
    assert config["money"] == {"currency": "EUR", "symbol": "€", "decimal": ".", "thousands": ","}
    assert config["strings"]["pay"] == "Take payment: %(total)s"
    # the JavaScript writes 1234.50 as format_money does: symbol, no-break space, grouping, two decimals
    with translation.override("en"):
        assert format_money(Decimal("1234.50")) == "€\u00a01,234.50"
    client.cookies["django_language"] = "it"
    italian = page_config(client.get("/offline/till/"))
    assert italian["money"] == {"currency": "EUR", "symbol": "€", "decimal": ",", "thousands": "."}
    assert italian["strings"]["pay"] == "Incassa: %(total)s"
    with translation.override("it"):
        assert format_money(Decimal("1234.50")) == "€\u00a01.234,50"


def test_no_inline_script_on_the_shell_pages(client, anna):
    for path in [*SHELL_PAGES, "/offline/unavailable/"]:
        html = client.get(path).content.decode()
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert "style=" not in html and "<style" not in html, path


def test_the_till_at_a_warehouse_says_it_sells_at_stores_only_but_count_and_damage_work(client, db):
    warehouse = LocationFactory(code="WH-APP", name="Magazzino", kind="warehouse")
    client.force_login(UserFactory(username="wh-app", role="associate", locations=[warehouse]))
    till = client.get("/offline/till/").content.decode()
    assert 'data-testid="not-a-store"' in till and "offline-config" not in till
    assert 'data-testid="nav-tablet"' not in till  # no till here: its pending actions link to the count
    assert 'href="/offline/count/#queue" data-offline-pending' in till
    for path in ("/offline/count/", "/offline/damage/"):
        response = client.get(path)
        assert response.status_code == 200 and page_config(response)["location"] == "WH-APP", path


def test_without_a_current_location_the_pages_ask_to_choose_one(client, db):
    client.force_login(UserFactory(username="hq-app", role="admin"))
    for path in SHELL_PAGES:
        html = client.get(path).content.decode()
        assert 'data-testid="choose-location"' in html and "offline-config" not in html, path


def test_the_fallback_page_is_public_and_lists_what_works_offline(client):
    client.cookies["django_language"] = "en"
    response = client.get("/offline/unavailable/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "This needs the connection" in html
    for path in SHELL_PAGES:
        assert f'href="{path}"' in html
    client.cookies["django_language"] = "it"
    assert "Serve la connessione" in client.get("/offline/unavailable/").content.decode()


def test_every_staff_page_has_the_badge_the_banner_and_the_manifest(client, anna):
    html = client.get("/").content.decode()
    assert "data-offline-status" in html and 'role="status"' in html and 'aria-live="polite"' in html
    assert 'data-location="MI-APP"' in html and 'data-worker="/sw.js"' in html
    assert "data-offline-banner" in html
    assert '<link rel="manifest" href="/manifest.webmanifest"' in html
    assert "/static/offline/status.js" in html and "/static/offline/queue.js" in html
    assert '<a href="/offline/till/" data-testid="nav-tablet">' in html  # the menu leads to the tablet
    till = client.get("/offline/till/").content.decode()
    assert '<a href="/offline/till/" data-testid="nav-tablet" aria-current="page">' in till


def test_the_login_page_links_the_manifest_but_runs_no_queue(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest"' in html
    assert "offline/status.js" not in html and "data-offline-status" not in html
