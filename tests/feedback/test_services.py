"""Recording an answer (feedback.services.responses.record_response): validation, the touchpoint's facts
(feedback.services.facts), the channel, the customer, the follow-up rules, and an invitation's single use
(including two answers to one link at once, each on its own connection) and expiry."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone

from feedback.exceptions import InvalidFeedback, InvitationExpired, InvitationUsed
from feedback.models import FollowUp, Invitation, Response
from feedback.services.facts import facts_for
from feedback.services.responses import record_response
from loyalty import services as loyalty
from omni.actors import Actor
from orders.models import Payment, Return
from tests.feedback.factories import InvitationFactory
from tests.loyalty.factories import OrderFactory
from tests.races import run_together
from tests.stores.factories import LocationFactory

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
HQ = Actor.system()


@pytest.fixture
def store(db):
    return LocationFactory(code="MI-FB")


def pickup_order(store, **fields):  # type: ignore[no-untyped-def]
    return OrderFactory(
        fulfilment_type="pickup",
        status="collected",
        location=store,
        channel="web",
        delivery_address=None,
        **fields,
    )


def a_return(order, store, *, status: str, paid_after: dt.timedelta | None = None) -> Return:  # type: ignore[no-untyped-def]
    payment = None
    if paid_after is not None:
        payment = Payment.objects.create(
            order=order, method="card", status="refunded", amount=Decimal("10.00"), created_at=T0 + paid_after
        )
    return Return.objects.create(
        number=f"R-{Return.objects.count() + 1:05d}",
        order=order,
        location=store,
        status=status,
        refund_amount=Decimal("10.00"),
        refund_paid=Decimal("10.00"),
        refund_method="card",
        payment=payment,
        created_at=T0,
    )


# --- The facts -------------------------------------------------------------------------------------------


def test_pickup_lateness_rounds_up_and_wait_rounds_down(store):
    late = pickup_order(
        store,
        promised_ready_at=T0,
        ready_at=T0 + dt.timedelta(minutes=10, seconds=10),  # 10 min 10 s late: 11 (late at all counts)
        arrived_at=T0 + dt.timedelta(hours=2),
        completed_at=T0 + dt.timedelta(hours=2, minutes=7, seconds=59),  # 7 min 59 s waited: 7
    )
    assert facts_for("pickup", late, None) == {
        "pickup_late_minutes": 11,
        "wait_minutes": 7,
        "return_minutes": None,
        "delivery_late_hours": None,
    }
    early = pickup_order(store, promised_ready_at=T0, ready_at=T0 - dt.timedelta(seconds=90))
    assert facts_for("pickup", early, None)["pickup_late_minutes"] == -1  # on time
    on_the_dot = pickup_order(store, promised_ready_at=T0, ready_at=T0)
    assert facts_for("pickup", on_the_dot, None)["pickup_late_minutes"] == 0
    # never made ready, no "I'm here": unknown
    assert facts_for("pickup", pickup_order(store, promised_ready_at=T0), None) == dict.fromkeys(
        ["pickup_late_minutes", "wait_minutes", "return_minutes", "delivery_late_hours"]
    )
    # the pickup's facts are the pickup touchpoint's only
    assert facts_for("web", late, None)["pickup_late_minutes"] is None


def test_delivery_lateness_against_the_dispatch_promise(db, settings):
    settings.FEEDBACK_DISPATCH_PROMISE_HOURS = 48

    def late(shipped_after: dt.timedelta) -> int | None:
        order = OrderFactory(created_at=T0, status="shipped", shipped_at=T0 + shipped_after)
        return facts_for("delivery", order, None)["delivery_late_hours"]

    assert late(dt.timedelta(hours=48)) == 0
    assert late(dt.timedelta(hours=48, minutes=1)) == 1
    assert late(dt.timedelta(hours=53, minutes=30)) == 6
    assert late(dt.timedelta(hours=30)) == -18
    settings.FEEDBACK_DISPATCH_PROMISE_HOURS = 24
    assert late(dt.timedelta(hours=30)) == 6
    assert facts_for("delivery", OrderFactory(status="placed"), None)["delivery_late_hours"] is None


def test_return_minutes_from_receipt_to_refund_paid(store):
    order = OrderFactory(status="completed", created_at=T0 - dt.timedelta(days=3))
    settled = a_return(
        order, store, status="refunded", paid_after=dt.timedelta(hours=3, minutes=5, seconds=40)
    )
    assert facts_for("return", order, settled)["return_minutes"] == 185
    assert facts_for("return", order, a_return(order, store, status="refund_due"))["return_minutes"] is None
    at_the_desk = a_return(order, store, status="refunded")  # nothing paid back by a payment (an exchange)
    assert facts_for("return", order, at_the_desk)["return_minutes"] == 0
    # without the return: the order's latest one (the desk's, just above)
    assert facts_for("return", order, None)["return_minutes"] == 0
    assert facts_for("return", None, None)["return_minutes"] is None


# --- Recording -------------------------------------------------------------------------------------------


def test_an_answer_with_its_facts_channel_customer_and_store(store):
    customer, _ = loyalty.get_or_create_customer("giulia@example.it", first_name="Giulia")
    order = pickup_order(
        store,
        promised_ready_at=T0,
        ready_at=T0 + dt.timedelta(minutes=30),
        customer_email="Giulia@Example.it",
    )
    response = record_response(touchpoint="pickup", nps=9, csat=4, ces=6, comment="  Veloce  ", order=order)
    response.refresh_from_db()
    assert (response.touchpoint, response.channel, response.location_id) == ("pickup", "web", store.pk)
    assert response.customer_id == customer.pk
    assert response.comment == "Veloce"
    assert response.pickup_late_minutes == 30
    assert not FollowUp.objects.exists()


def test_the_customer_of_a_merged_duplicate_is_the_kept_profile(store):
    keep, _ = loyalty.get_or_create_customer("keep@example.it")
    duplicate, _ = loyalty.get_or_create_customer("old@example.it")
    loyalty.merge_customers(keep=keep, merge=duplicate, actor=HQ, reason="same person")
    order = pickup_order(store, customer_email="old@example.it")
    assert record_response(touchpoint="pickup", nps=8, order=order).customer_id == keep.pk
    guest = pickup_order(store, customer_email="guest@example.it")
    assert record_response(touchpoint="pickup", nps=8, order=guest).customer_id is None


def test_channel_of_a_touchpoint_without_order(store):
    assert record_response(touchpoint="kiosk", ces=5, location=store).channel == "kiosk"
    assert record_response(touchpoint="appointment", csat=5, location=store).channel == ""
    delivery = OrderFactory(channel="app", status="shipped")
    answered = record_response(touchpoint="delivery", nps=10, order=delivery)
    assert (answered.channel, answered.location_id) == ("app", None)  # a delivery has no store


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({"nps": 11}, "nps"),
        ({"nps": -1}, "nps"),
        ({"csat": 0}, "csat"),
        ({"csat": 6}, "csat"),
        ({"ces": 0}, "ces"),
        ({"ces": 8}, "ces"),
        ({"nps": True}, "nps"),
        ({}, "non_field_errors"),
    ],
)
def test_scores_out_of_range_or_none_are_refused(db, scores, field):
    with pytest.raises(InvalidFeedback) as caught:
        record_response(touchpoint="web", **scores)
    assert caught.value.code == "validation_error" and field in caught.value.errors
    assert not Response.objects.exists()


def test_unknown_touchpoint_and_long_comment_are_refused(db):
    with pytest.raises(InvalidFeedback) as caught:
        record_response(touchpoint="phone", nps=5, comment="x" * 2001)
    assert set(caught.value.errors) == {"touchpoint", "comment"}


def test_follow_up_for_a_detractor_or_a_dissatisfied_customer_only(store):
    detractor = record_response(touchpoint="store", nps=6, location=store)
    unhappy = record_response(touchpoint="store", nps=9, csat=2, location=store)
    record_response(touchpoint="store", nps=7, csat=3, location=store)
    record_response(touchpoint="web", ces=1)  # CES alone never opens one
    follow_ups = {f.response_id: (f.reason, f.location_id) for f in FollowUp.objects.all()}
    assert follow_ups == {detractor.pk: ("detractor", store.pk), unhappy.pk: ("low_csat", store.pk)}
    online = record_response(touchpoint="web", nps=0)
    assert FollowUp.objects.get(response=online).location_id is None  # HQ's queue


# --- Invitations -----------------------------------------------------------------------------------------


def test_an_invitation_gives_its_touchpoint_order_store_and_customer_once(store):
    customer, _ = loyalty.get_or_create_customer("giulia@example.it")
    order = pickup_order(store, promised_ready_at=T0, ready_at=T0 - dt.timedelta(minutes=5))
    other = LocationFactory(code="RM-FB")
    invitation = InvitationFactory(touchpoint="pickup", order=order, location=store, customer=customer)
    response = record_response(
        touchpoint="web", nps=3, invitation=invitation, location=other, language="en-US"
    )
    assert (response.touchpoint, response.order_id, response.location_id) == ("pickup", order.pk, store.pk)
    assert (response.customer_id, response.language, response.pickup_late_minutes) == (customer.pk, "en", -5)
    invitation.refresh_from_db()
    assert invitation.responded_at == response.created_at
    assert FollowUp.objects.get(response=response).location_id == store.pk
    with pytest.raises(InvitationUsed) as caught:
        record_response(touchpoint="pickup", nps=10, invitation=invitation)
    assert (caught.value.code, caught.value.status) == ("invitation_used", 409)
    assert Response.objects.count() == 1


def test_an_expired_invitation_is_refused_and_a_used_one_says_so_first(store):
    expired = InvitationFactory(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(InvitationExpired) as caught:
        record_response(touchpoint="pickup", nps=10, invitation=expired)
    assert (caught.value.code, caught.value.status) == ("invitation_expired", 410)
    assert not Response.objects.exists()
    assert Invitation.objects.get(pk=expired.pk).responded_at is None
    answered = InvitationFactory(
        responded_at=timezone.now(), expires_at=timezone.now() - dt.timedelta(days=1)
    )
    with pytest.raises(InvitationUsed):
        record_response(touchpoint="pickup", nps=10, invitation=answered)


@pytest.mark.django_db(transaction=True)
def test_two_answers_to_one_invitation_at_once_record_exactly_one():
    store = LocationFactory(code="MI-FB-RACE")
    invitation = InvitationFactory(touchpoint="store", location=store)

    def answer(nps: int) -> Callable[[], str]:
        def job() -> str:
            # each thread its own copy of the row (and its own connection), as two browsers would
            return str(
                record_response(
                    touchpoint="store", nps=nps, invitation=Invitation.objects.get(pk=invitation.pk)
                ).pk
            )

        return job

    outcomes = run_together([answer(2), answer(10), answer(5), answer(9)])
    assert outcomes.count("invitation_used") == 3, outcomes
    assert Response.objects.count() == 1
    response = Response.objects.get()
    assert str(response.pk) in outcomes and response.invitation_id == invitation.pk
    assert Invitation.objects.get(pk=invitation.pk).responded_at == response.created_at
    assert FollowUp.objects.filter(response=response).count() == (1 if response.nps <= 6 else 0)
