"""The follow-up queue's pages through the test client: the list (own store only, open first, the filter),
the detail with the answer, the order's context and timeline and the facts in words, the outcome form and
its errors, and the 404 / 403 of another store's follow-up and of an associate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from feedback.models import FollowUp
from feedback.views.follow_ups import fact_sentences
from omni.actors import Actor
from orders.services import CustomerInput, FulfilmentInput, LineInput, PaymentInput, place_order
from tests.feedback.factories import FollowUpFactory, ResponseFactory
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.orders.conftest import stock
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()


@pytest.fixture
def shop():
    milano, roma = LocationFactory(code="MI-FP"), LocationFactory(code="RM-FP")
    sweater = VariantFactory(sku="MAG-FP", price=Decimal("89.90"))
    stock(milano, sweater, 5)
    order = place_order(
        actor=HQ,
        channel="store",
        lines=[LineInput(sweater.sku, 2)],
        fulfilment=FulfilmentInput(type="carry_out", location=milano.code),
        customer=CustomerInput(email="giulia@example.it", first_name="Giulia", last_name="Rossi"),
        payment=PaymentInput(method="card", status="captured"),
    )
    now = timezone.now()
    mine = FollowUpFactory(
        response__location=milano,
        response__order=order,
        response__nps=3,
        response__csat=2,
        response__comment="Ho aspettato mezz'ora alla cassa.",
        response__pickup_late_minutes=25,
        response__wait_minutes=12,
        response__created_at=now - dt.timedelta(days=2),
    )
    newer = FollowUpFactory(response__location=milano, response__created_at=now - dt.timedelta(hours=1))
    theirs = FollowUpFactory(response__location=roma, response__nps=0, response__comment="Roma's detractor")
    return {
        "milano": milano,
        "order": order,
        "mine": mine,
        "newer": newer,
        "theirs": theirs,
        "manager": UserFactory(username="fp-manager", role="store_manager", locations=[milano]),
        "associate": UserFactory(username="fp-associate", role="associate", locations=[milano]),
    }


def detail_url(follow_up: FollowUp) -> str:
    return reverse("feedback:follow-up-detail", args=[follow_up.pk])


def test_the_list_shows_the_own_stores_open_follow_ups_oldest_first(client, shop):
    client.force_login(shop["manager"])
    with translation.override("en"):
        response = client.get(reverse("feedback:follow-up-list"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    mine, newer, theirs = shop["mine"], shop["newer"], shop["theirs"]
    assert f'data-testid="follow-up-{mine.pk}"' in html and f'data-testid="follow-up-{newer.pk}"' in html
    assert f'data-testid="follow-up-{theirs.pk}"' not in html
    assert html.index(f"follow-up-{mine.pk}") < html.index(f"follow-up-{newer.pk}")  # oldest first
    assert "NPS 3" in html and "CSAT 2" in html
    assert 'href="/feedback/follow-ups/"' in html  # the menu entry for managers

    closed = client.get(reverse("feedback:follow-up-list") + "?state=closed")
    assert f"follow-up-{mine.pk}" not in closed.content.decode()
    bad = client.get(reverse("feedback:follow-up-list") + f"?location={shop['theirs'].location_id}")
    assert bad.status_code == 200 and f"follow-up-{theirs.pk}" not in bad.content.decode()


def test_the_detail_shows_the_answer_the_order_and_its_timeline(client, shop):
    client.force_login(shop["manager"])
    response = client.get(detail_url(shop["mine"]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    order = shop["order"]
    assert "Ho aspettato mezz&#x27;ora alla cassa." in html
    assert reverse("orders:detail", args=[order.number]) in html
    assert 'data-testid="order-timeline"' in html and 'data-testid="event-placed"' in html
    assert "2 × " in html  # the lines' summary
    assert 'data-testid="outcome-form"' in html


def test_the_facts_in_words():
    with translation.override("en"):
        response = ResponseFactory.build(
            pickup_late_minutes=25, wait_minutes=12, return_minutes=3000, delivery_late_hours=0
        )
        assert fact_sentences(response) == [
            "Pickup ready 25 minutes late",
            "Waited 12 minutes at the pickup desk",
            "Return refunded 2 days after it was received",
            "Delivery shipped on time",
        ]
        response = ResponseFactory.build(pickup_late_minutes=-4, delivery_late_hours=30, return_minutes=150)
        assert fact_sentences(response) == [
            "Pickup ready on time",
            "Return refunded 2 hours after it was received",
            "Delivery shipped 30 hours late",
        ]
    with translation.override("it"):
        assert fact_sentences(ResponseFactory.build(pickup_late_minutes=1)) == [
            "Ritiro pronto con 1 minuto di ritardo"
        ]


def test_recording_the_outcome_and_the_forms_errors(client, shop):
    client.force_login(shop["manager"])
    url = detail_url(shop["mine"])
    response = client.post(url, {"outcome": "", "note": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert 'data-testid="error-outcome"' in response.content.decode()
    response = client.post(url, {"outcome": "resolved", "note": "y" * 2001}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and 'data-testid="error-note"' in response.content.decode()
    response = client.post(url, {"outcome": "maybe"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and 'data-testid="error-outcome"' in response.content.decode()
    assert FollowUp.objects.get(pk=shop["mine"].pk).closed_at is None

    response = client.post(url, {"outcome": "resolved", "note": "Called, apologised."}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="follow-up-outcome"' in html and 'data-testid="outcome-form"' not in html
    follow_up = FollowUp.objects.get(pk=shop["mine"].pk)
    assert (follow_up.outcome, follow_up.note, follow_up.closed_by) == (
        "resolved",
        "Called, apologised.",
        shop["manager"],
    )
    # a second submission (another tab) changes nothing and says so
    again = client.post(url, {"outcome": "no_answer"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 200 and "recorded already" in again.content.decode()
    assert FollowUp.objects.get(pk=shop["mine"].pk).outcome == "resolved"


def test_another_stores_follow_up_is_not_found_and_associates_are_refused(client, shop):
    client.force_login(shop["manager"])
    theirs = detail_url(shop["theirs"])
    assert client.get(theirs).status_code == 404
    assert client.post(theirs, {"outcome": "resolved"}).status_code == 404
    assert FollowUp.objects.get(pk=shop["theirs"].pk).closed_at is None
    assert client.get(reverse("feedback:follow-up-detail", args=[999_999])).status_code == 404

    client.force_login(shop["associate"])
    assert client.get(reverse("feedback:follow-up-list")).status_code == 403
    assert client.get(detail_url(shop["mine"])).status_code == 403
    assert client.post(detail_url(shop["mine"]), {"outcome": "resolved"}).status_code == 403


def test_hq_reaches_every_queue_and_anonymous_users_are_sent_to_log_in(client, shop):
    client.force_login(UserFactory(username="fp-hq", role="hq_manager"))
    html = client.get(reverse("feedback:follow-up-list")).content.decode()
    assert f"follow-up-{shop['theirs'].pk}" in html and f"follow-up-{shop['mine'].pk}" in html
    assert client.get(detail_url(shop["theirs"])).status_code == 200
    client.logout()
    assert client.get(reverse("feedback:follow-up-list")).status_code == 302
