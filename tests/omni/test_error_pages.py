"""Errors a member of staff can meet are pages of the back-office, in their language: a page not for their
role (403), a page that is not there (404), a failure (500, rendered without touching the database)."""

import pytest
from django.test import RequestFactory
from django.utils import translation

from omni.views import server_error
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

IT = {"HTTP_ACCEPT_LANGUAGE": "it"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def associate(client):
    user = UserFactory(username="err-associate", role="associate", locations=[LocationFactory(code="ER-1")])
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("headers", "title"),
    [(IT, "Questa pagina non è per il tuo ruolo"), (EN, "This page is not for your role")],
)
def test_a_page_not_for_the_role_is_a_styled_403_with_the_way_back(client, associate, headers, title):
    response = client.get("/reports/", **headers)
    html = response.content.decode()
    assert response.status_code == 403
    assert 'data-testid="error-403"' in html and title in html
    assert "omni/app.css" in html and 'href="/"' in html  # the back-office's look, and the way back
    assert 'class="topbar"' in html  # the usual header: the associate can go on from here


@pytest.mark.parametrize(("headers", "title"), [(IT, "Qui non c'è niente"), (EN, "Nothing here")])
def test_a_missing_page_is_a_styled_404(client, associate, headers, title):
    response = client.get("/orders/NO-SUCH-ORDER-X/", **headers)
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="error-404"' in html and title in html and "omni/app.css" in html


@pytest.mark.parametrize(
    ("language", "title"), [("it", "Qualcosa è andato storto"), ("en", "Something went wrong")]
)
def test_the_500_page_is_styled_in_the_language_and_reads_nothing(language, title, django_assert_num_queries):
    with translation.override(language), django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/inventory/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert 'data-testid="error-500"' in html and title in html and "omni/app.css" in html
    assert f'lang="{language}"' in html
