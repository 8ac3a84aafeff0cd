"""The back-office shell: login, logout, password reset, the dashboard's figures, languages, static assets."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.urls import reverse

from inventory.services import record_movement
from omni.actors import Actor
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db


def test_pages_need_a_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_login_page_and_bad_password(client):
    UserFactory(username="giulia", role="associate")
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "giulia", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    response = client.post(reverse("login"), {"username": "giulia", "password": "omni-test-pass"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")


def test_logout_is_a_post(client):
    client.force_login(UserFactory(role="associate"))
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


def test_password_reset_sends_a_working_link(client):
    user = UserFactory(username="marco", email="marco@omni.example", role="store_manager")
    response = client.post(reverse("password_reset"), {"email": "marco@omni.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200 and response.context["validlink"]
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "Una-nuova-password-42", "new_password2": "Una-nuova-password-42"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Una-nuova-password-42")


def test_dashboard_shows_real_stock_figures_of_the_current_store(client):
    store = LocationFactory(code="MI-DUOMO", name="Milano Duomo")
    other = LocationFactory(code="RM-CENTRO", name="Roma Centro")
    variant = VariantFactory()
    actor = Actor.system()
    record_movement(actor=actor, location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=7)
    record_movement(actor=actor, location_id=other.pk, variant_id=variant.pk, kind="receipt", quantity=100)
    client.force_login(UserFactory(role="associate", locations=[store]))
    response = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    panel = next(p for p in response.context["panels"] if "Milano Duomo" in str(p.title))
    figures = {str(f.label): f.value for f in panel.figures}
    assert figures["Units on hand"] == "7"
    assert figures["SKUs in stock"] == "1"
    assert "<h1>Milano Duomo</h1>" in response.content.decode()


def test_navigation_follows_the_role(client):
    store = LocationFactory()
    client.force_login(UserFactory(role="associate", locations=[store]))
    body = client.get(reverse("dashboard")).content.decode()
    assert reverse("admin:index") not in body and reverse("api-docs") not in body
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    body = client.get(reverse("dashboard")).content.decode()
    assert reverse("admin:index") in body and reverse("api-docs") in body


def test_the_interface_speaks_italian_and_english(client):
    client.force_login(UserFactory(role="associate", locations=[LocationFactory()]))
    client.post(reverse("set_language"), {"language": "it", "next": "/"})
    body = client.get(reverse("dashboard")).content.decode()
    assert 'lang="it"' in body and "Catalogo" in body and "Esci" in body
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("dashboard")).content.decode()
    assert 'lang="en"' in body and "Catalog" in body and "Log out" in body


def test_assets_are_served_by_the_app():
    assert finders.find("omni/app.css") and finders.find("omni/favicon.svg")
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_api_docs_page_uses_no_cdn(client):
    body = client.get(reverse("api-docs")).content.decode()
    assert "cdn" not in body.lower() and "/static/drf_spectacular_sidecar/" in body
