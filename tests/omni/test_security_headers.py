"""Security headers: `Cache-Control: no-store` on every answer under /api/ (success, problem documents, the
docs), and the Content-Security-Policy on every page (strict: no inline script or style; the API docs have
their own allowances), which the templates can keep because they hold no inline script, style attribute or
event-handler attribute (checked here, e-mails aside; the browser tests check the pages in chromium)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:  # type: ignore[no-untyped-def]
    return "no-store" in response.get("Cache-Control", "")


def directives(response) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_every_api_answer_is_no_store(make_api_client):
    LocationFactory(code="MI-01")
    hq = make_api_client("integration")
    answers = {
        "list": hq.get("/api/v1/locations/"),
        "detail": hq.get("/api/v1/locations/MI-01/"),
        "created": hq.post(
            "/api/v1/loyalty/members/",
            {"email": "a@example.it", "first_name": "A", "last_name": "B"},
            format="json",
        ),
        "validation error": hq.get("/api/v1/locations/", {"limit": "0"}),
        "not found (DRF)": hq.get("/api/v1/locations/NOPE/"),
        "no such route (middleware's problem document)": hq.get("/api/v1/no-such-thing/"),
        "not authenticated": APIClient().get("/api/v1/locations/"),
        "schema": hq.get("/api/schema/"),
        "docs": hq.get("/api/docs/"),
    }
    for name, response in answers.items():
        assert no_store(response), (name, response.status_code, response.get("Cache-Control"))
        assert "private" in response["Cache-Control"], name
    assert (
        answers["created"].status_code == 201
        and answers["no such route (middleware's problem document)"].status_code == 404
    )


def test_pages_are_not_forced_to_no_store(client):
    client.force_login(UserFactory(role="hq_manager"))
    assert not no_store(client.get(reverse("stores:list")))


def test_every_page_has_a_strict_content_security_policy(client):
    pages = [client.get(reverse("login"))]
    client.force_login(UserFactory(role="hq_manager"))
    pages += [
        client.get(reverse("dashboard")),
        client.get(reverse("stores:list")),
        client.get("/admin/login/"),
    ]
    for response in pages:
        assert response.status_code == 200
        policy = directives(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'none'"]


def test_the_api_docs_allow_only_what_they_need():
    swagger = APIClient().get("/api/docs/")
    assert directives(swagger)["script-src"] == ["'self'"] and directives(swagger)["style-src"] == ["'self'"]
    assert "<script>" not in swagger.content.decode() and "<style>" not in swagger.content.decode()
    script = APIClient().get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    redoc = APIClient().get("/api/redoc/")
    assert directives(redoc)["script-src"] == ["'self'"]  # no inline script there either
    assert "'unsafe-inline'" in directives(redoc)["style-src"] and "blob:" in directives(redoc)["worker-src"]
    assert "fonts.googleapis.com" not in redoc.content.decode()


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.IGNORECASE)
JS_URL = re.compile(r"javascript:", re.IGNORECASE)


def test_templates_hold_no_inline_script_style_or_handler():
    root = Path(settings.BASE_DIR) / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        if "email" in path.parts:  # e-mails are read in mail clients, never served under the policy
            continue
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER, STYLE_ATTR, JS_URL):
            offenders += [f"{path.relative_to(root)}: {m.group(0)!r}" for m in pattern.finditer(text)]
    assert offenders == []
