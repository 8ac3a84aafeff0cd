"""The person's feedback in their GDPR export, erased with them (the comment and the invitation's email go,
the scores stay, anonymous) and following them when two profiles are merged."""

import datetime as dt

import pytest
from django.utils import timezone

from feedback.models import FollowUp, Invitation, Response
from feedback.selectors.scores import summary
from feedback.services.responses import record_response
from loyalty import services as loyalty
from omni.actors import Actor
from tests.feedback.factories import InvitationFactory, ResponseFactory
from tests.loyalty.factories import OrderFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()


@pytest.fixture
def store():
    return LocationFactory(code="MI-PRV")


@pytest.fixture
def giulia():
    customer, _ = loyalty.get_or_create_customer("giulia@example.it", first_name="Giulia")
    return customer


def test_the_export_holds_the_responses_and_invitations(store, giulia):
    order = OrderFactory(fulfilment_type="pickup", location=store, delivery_address=None)
    invitation = InvitationFactory(touchpoint="pickup", order=order, location=store, customer=giulia)
    record_response(
        touchpoint="pickup", nps=4, csat=2, comment="Ho aspettato mezz'ora", invitation=invitation
    )
    ResponseFactory(touchpoint="web", nps=10, comment="Someone else's")  # not hers
    exported = loyalty.export_customer(giulia)["feedback"]
    responses = [row for row in exported if row["type"] == "response"]
    invitations = [row for row in exported if row["type"] == "invitation"]
    assert len(responses) == 1 and len(invitations) == 1
    assert responses[0] | {"created_at": None} == {
        "type": "response",
        "touchpoint": "pickup",
        "channel": "web",
        "store": "MI-PRV",
        "order": order.number,
        "nps": 4,
        "csat": 2,
        "ces": None,
        "comment": "Ho aspettato mezz'ora",
        "language": "it",
        "created_at": None,
    }
    assert invitations[0]["touchpoint"] == "pickup" and invitations[0]["email"] == "giulia@example.it"
    assert invitations[0]["responded_at"] is not None and invitations[0]["store"] == "MI-PRV"


def test_erasure_takes_the_comment_and_email_and_keeps_the_scores(store, giulia):
    order = OrderFactory(fulfilment_type="pickup", location=store, delivery_address=None)
    answered = InvitationFactory(touchpoint="pickup", order=order, location=store, customer=giulia)
    response = record_response(touchpoint="pickup", nps=3, comment="Scortese", invitation=answered)
    by_api = record_response(
        touchpoint="web", csat=5, comment="Ottimo sito", order=OrderFactory()
    )  # by email
    pending = InvitationFactory(touchpoint="delivery", email="Giulia@Example.it")  # by its email only
    other = ResponseFactory(touchpoint="web", nps=10, comment="Someone else's")
    before = summary({})
    assert by_api.customer_id == giulia.pk

    loyalty.erase_customer(customer=giulia, actor=HQ, reason="GDPR request 42")

    for kept in (response, by_api):
        kept.refresh_from_db()
        assert (kept.comment, kept.customer_id) == ("", None)
    assert (response.nps, by_api.csat) == (3, 5)  # the scores stay
    assert FollowUp.objects.filter(response=response).exists()
    for invitation in (answered, pending):
        invitation.refresh_from_db()
        assert (invitation.email, invitation.customer_id) == ("", None)
    assert pending.expires_at <= timezone.now()  # its link leads nowhere any more
    assert Response.objects.get(pk=other.pk).comment == "Someone else's"
    assert summary({}) == before  # the figures of the past do not change
    assert [row["comment"] for row in loyalty.export_customer(giulia).get("feedback", [])] == []


def test_a_merged_duplicates_feedback_follows_the_kept_profile(store, giulia):
    duplicate, _ = loyalty.get_or_create_customer("g.rossi@example.it")
    theirs = ResponseFactory(customer=duplicate, nps=9, comment="Bello")
    invitation = InvitationFactory(customer=duplicate, email="g.rossi@example.it")
    loyalty.merge_customers(keep=giulia, merge=duplicate, actor=HQ, reason="same person")
    assert Response.objects.get(pk=theirs.pk).customer_id == giulia.pk
    assert Invitation.objects.get(pk=invitation.pk).customer_id == giulia.pk
    comments = [row.get("comment") for row in loyalty.export_customer(giulia)["feedback"]]
    assert "Bello" in comments
    later = timezone.now() + dt.timedelta(seconds=1)
    assert Invitation.objects.get(pk=invitation.pk).expires_at > later  # a merge changes no link


def test_a_guests_comment_goes_with_the_orders_it_was_about(store):
    """An answer given as a guest (no profile yet) is found through its order while the order still names the
    person: orders.privacy_extras runs before the orders are anonymised."""
    order = OrderFactory(customer_email="ospite@example.it", fulfilment_type="pickup", location=store)
    guest = Response.objects.create(touchpoint="pickup", nps=2, comment="Mai più", order=order)
    assert guest.customer_id is None
    later, _ = loyalty.get_or_create_customer("ospite@example.it")
    loyalty.erase_customer(customer=later, actor=HQ, reason="GDPR request 43")
    guest.refresh_from_db()
    assert (guest.comment, guest.nps) == ("", 2)
