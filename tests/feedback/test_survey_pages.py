"""The public survey page through Django's test client: no login, the store and date shown and nothing
about the customer, one answer per link (a second is refused kindly), expired and altered links, invalid
answers shown again with their errors, the CSRF token required, and the language of the invitation unless
the visitor chose another."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from feedback.links import link_token
from feedback.models import FollowUp, Response, Touchpoint
from loyalty.models import Customer
from tests.feedback.invite_helpers import invitation, pickup, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def milano():  # type: ignore[no-untyped-def]
    return store()


@pytest.fixture
def giulia():  # type: ignore[no-untyped-def]
    return Customer.objects.create(email="giulia@example.it", first_name="Giulia", last_name="Rossi")


@pytest.fixture
def invited(milano, giulia):  # type: ignore[no-untyped-def]
    order = pickup(milano, customer_first_name="Giulia", customer_last_name="Rossi")
    occurred = dt.datetime(2026, 11, 28, 23, 30, tzinfo=dt.UTC)  # 29 November in Milan
    return invitation(
        milano,
        customer=giulia,
        order=order,
        language="en",
        occurred_at=occurred,
        source_key=f"pickup:{order.number}",
    )


def url(inv) -> str:  # type: ignore[no-untyped-def]
    return f"/feedback/s/{link_token(inv)}/"


def test_the_page_shows_the_store_and_date_and_nothing_about_the_customer(client, invited):
    response = client.get(url(invited))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'data-testid="survey-store">Milano Duomo<' in html
    assert 'data-testid="survey-date">29 November 2026<' in html  # the store's day, not UTC's
    for private in ("Giulia", "Rossi", "giulia@example.it", invited.order.number):
        assert private not in html, private
    # the pickup's three questions: NPS 0-10, CSAT 1-5, CES 1-7, each a fieldset of radios with a legend
    assert "How likely are you to recommend us to a friend or colleague?" in html
    assert "How satisfied were you with collecting your order?" in html
    assert "How easy was it to collect your order?" in html
    assert len(re.findall(r'type="radio" name="nps"', html)) == 11
    assert len(re.findall(r'type="radio" name="csat"', html)) == 5
    assert len(re.findall(r'type="radio" name="ces"', html)) == 7
    assert html.count("<fieldset") == 3 and html.count("<legend>") == 3
    assert "0 = Not at all likely" in html and "10 = Extremely likely" in html
    assert '<label for="id_comment">' in html and 'name="csrfmiddlewaretoken"' in html
    assert "omni/app.js" not in html and "mainnav" not in html  # not the staff pages' base


def test_the_questions_fit_the_touchpoint(client, milano):
    delivered = invitation(None, touchpoint=Touchpoint.DELIVERY, language="en")
    html = client.get(url(delivered)).content.decode()
    assert "How satisfied were you with the delivery of your order?" in html
    assert 'name="ces"' not in html and "survey-store" not in html  # no store for a delivery


def test_an_answer_is_recorded_once_and_thanked(client, invited):
    response = client.post(url(invited), {"nps": "9", "csat": "4", "ces": "6", "comment": " Very quick. "})
    assert response.status_code == 302 and response["Location"] == url(invited) + "thanks/"
    answer = Response.objects.get()
    assert (answer.nps, answer.csat, answer.ces, answer.comment) == (9, 4, 6, "Very quick.")
    assert answer.invitation_id == invited.pk and answer.touchpoint == Touchpoint.PICKUP
    assert answer.location_id == invited.location_id and answer.language == "en"
    invited.refresh_from_db()
    assert invited.responded_at is not None
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and b"Thank you!" in thanks.content

    again = client.post(url(invited), {"nps": "2"})
    assert again.status_code == 409
    assert b"You have already answered, thank you" in again.content
    assert Response.objects.count() == 1 and not FollowUp.objects.exists()  # the 2 was never recorded
    reopened = client.get(url(invited))
    assert reopened.status_code == 200 and b"You have already answered, thank you" in reopened.content


def test_only_the_first_question_is_required(client, invited):
    assert client.post(url(invited), {"nps": "3"}).status_code == 302
    answer = Response.objects.get()
    assert (answer.nps, answer.csat, answer.ces, answer.comment) == (3, None, None, "")
    assert FollowUp.objects.filter(response=answer).exists()  # a detractor lands in the store's queue


def test_invalid_answers_show_the_form_again_with_the_errors(client, invited):
    response = client.post(url(invited), {"nps": "11", "csat": "4", "ces": "0", "comment": "Nice"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="survey-errors"' in html
    assert 'data-testid="error-nps">Please choose a number from 0 to 10.' in html
    assert 'data-testid="error-ces">Please choose a number from 1 to 7.' in html
    assert 'id="csat-4" value="4" checked' in html  # what was chosen stays chosen
    assert "\nNice</textarea>" in html
    assert 'data-testid="error-csat"' not in html
    missing = client.post(url(invited), {"csat": "5"}).content.decode()
    assert 'data-testid="error-nps">Please choose a number from 0 to 10.' in missing
    too_long = client.post(url(invited), {"nps": "8", "comment": "x" * 2001}).content.decode()
    assert 'data-testid="error-comment"' in too_long
    assert not Response.objects.exists()


def test_an_expired_link_is_a_kind_410(client, milano):
    old = invitation(milano, language="en", expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(url(old), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410 and b"This link has expired" in response.content
    assert client.post(url(old), {"nps": "9"}).status_code == 410
    assert not Response.objects.exists()


def test_an_altered_link_is_a_kind_404(client, invited):
    token = link_token(invited)
    response = client.get(f"/feedback/s/{token[:-2]}xx/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404 and b"This link is not valid" in response.content
    assert client.post(f"/feedback/s/{token}x/", {"nps": "9"}).status_code == 404
    assert not Response.objects.exists()


def test_the_form_needs_its_csrf_token(invited):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(url(invited), {"nps": "9"}).status_code == 403
    page = browser.get(url(invited)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert browser.post(url(invited), {"nps": "9", "csrfmiddlewaretoken": token}).status_code == 302


def test_the_page_speaks_the_invitations_language_unless_the_visitor_chose(client, milano):
    italian = invitation(milano, language="it")
    html = client.get(url(italian), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="it">' in html and "<h1>Com'è andata?</h1>" in html
    assert "Quanto è probabile che ci consiglieresti a un amico o a un collega?" in html
    # the switcher (Django's set_language): the visitor's choice wins from then on
    switched = client.post("/i18n/setlang/", {"language": "en", "next": url(italian)})
    assert switched.status_code == 302 and switched["Location"] == url(italian)
    html = client.get(url(italian)).content.decode()
    assert '<html lang="en">' in html and "How did it go?" in html


def test_the_receipt_short_link_leads_to_the_survey(client, milano):
    from feedback.links import receipt_check
    from feedback.services.invitations import receipt_invitation
    from tests.feedback.invite_helpers import till_sale

    sale = till_sale(milano)
    printed = receipt_invitation(sale)
    assert printed is not None
    response = client.get(f"/feedback/r/{sale.number}/{receipt_check(sale.number)}/")
    assert response.status_code == 302 and response["Location"] == url(printed)
    assert client.get(f"/feedback/r/{sale.number}/aaaaaaaaaa/").status_code == 404


def test_one_visit_is_answered_once_by_email_or_by_receipt(client, milano, giulia):
    from feedback.models import InvitationChannel
    from feedback.services.invitations import receipt_invitation
    from tests.feedback.invite_helpers import till_sale

    sale = till_sale(milano)
    printed = receipt_invitation(sale)
    emailed = invitation(
        milano,
        touchpoint=Touchpoint.STORE,
        order=sale,
        customer=giulia,
        language="en",
        source_key=f"till:{sale.number}",
    )
    assert printed is not None and printed.channel == InvitationChannel.RECEIPT
    assert client.post(url(emailed), {"nps": "10"}).status_code == 302
    refused = client.post(url(printed), {"nps": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 409 and b"You have already answered, thank you" in refused.content
    assert Response.objects.count() == 1
