"""Shared fixtures. Always PostgreSQL: DATABASE_URL when set, else the embedded server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from omni import cache_versions
from omni.dburl import url_for
from omni.services import create_api_client
from tests.processes import Child

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _request_closed() -> Iterator[None]:
    """Each test starts outside any request: a streaming response the test client never read leaves its
    thread inside the request (with that request's cache versions) until the next one starts."""
    cache_versions.end_request()
    yield
    cache_versions.end_request()


@pytest.fixture
def make_api_client(db) -> Callable[..., APIClient]:  # type: ignore[no-untyped-def]
    """make_api_client("store", location=loc) -> a DRF test client sending that client's Bearer token."""
    counter = {"n": 0}

    def make(role: str = "integration", location=None, name: str | None = None) -> APIClient:  # type: ignore[no-untyped-def]
        counter["n"] += 1
        client_row, token = create_api_client(
            name=name or f"test-{role}-{counter['n']}-{os.getpid()}",
            role=role,
            location_id=location.pk if location is not None else None,
        )
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        api.client_row = client_row  # type: ignore[attr-defined]
        api.token = token  # type: ignore[attr-defined]
        return api

    return make


@pytest.fixture
def integration_api(make_api_client) -> APIClient:  # type: ignore[no-untyped-def]
    return make_api_client("integration")


def assert_problem(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    """The response is an RFC 9457 problem document with this status and code."""
    assert response.status_code == status, (response.status_code, getattr(response, "content", b"")[:500])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["title"] and body["detail"] and body["type"]
    return body


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, url: str, child: Child):
        self.url = url
        self.child = child

    @property
    def process(self) -> subprocess.Popen:
        return self.child.process


def server_env(**overrides: str) -> dict[str, str]:
    """The environment of a child server or worker on the test database, with production settings."""
    from django.db import connection

    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url_for(connection.settings_dict),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "test-secret-key-for-the-live-server-only-0123456789abcdef",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "OMNI_TESTING": "1",
            "DB_CONN_MAX_AGE": "0",
        }
    )
    env.pop("CELERY_BROKER_URL", None)
    env.update(overrides)
    return env


def start_gunicorn(env: dict[str, str], *, workers: int = 4) -> LiveServer:
    """gunicorn (gthread workers) on a free port, healthy, or the test fails with its output."""
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    argv = [gunicorn, "omni.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    argv += ["--worker-class", "gthread", "--threads", "2", "--timeout", "60", "--log-level", "warning"]
    child = Child(argv, env=env, name="gunicorn")
    url = f"http://127.0.0.1:{port}"
    try:
        child.wait_until_healthy(url + "/healthz", timeout=30)
    except BaseException:
        child.close()
        raise
    return LiveServer(url, child)


@pytest.fixture
def gunicorn_server(transactional_db, settings) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """A real multi-process server (gunicorn, 4 sync workers) on the test database."""
    server = start_gunicorn(server_env())
    try:
        yield server
    finally:
        server.child.close()


# --- Browser tests: Playwright driving Debian's chromium (never a downloaded browser) -------------


@pytest.fixture(scope="session")
def chromium_browser():  # type: ignore[no-untyped-def]
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium): browser tests skipped")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser, live_server):  # type: ignore[no-untyped-def]
    """A fresh browser page the size of a 10-inch store tablet in landscape; `page.base_url` is the server.
    Every browser test also proves the pages work under the Content-Security-Policy: chromium reports each
    violation on the console, and one fails the test (`page.csp_violations` lists them so far)."""
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 800}, locale="it-IT")
    context.set_default_timeout(15000)
    tab = context.new_page()
    tab.base_url = live_server.url  # type: ignore[attr-defined]
    violations: list[str] = []
    tab.csp_violations = violations  # type: ignore[attr-defined]
    tab.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    yield tab
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


def browser_login(page, username: str, password: str = "omni-test-pass") -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
