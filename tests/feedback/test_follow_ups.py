"""The follow-up queue: who sees which follow-ups (feedback.selectors.follow_ups), closing one once
(feedback.services.follow_ups), two managers closing it at the same moment, and the dashboard panel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from feedback.exceptions import FollowUpClosed, FollowUpForbidden, FollowUpInvalid, FollowUpNotFound
from feedback.models import FollowUp
from feedback.panels import follow_ups_panel
from feedback.selectors.follow_ups import (
    access_follow_up,
    follow_up_queue,
    follow_ups_for,
    open_follow_ups,
)
from feedback.services.follow_ups import close_follow_up
from omni.actors import Actor
from tests.feedback.factories import FollowUpFactory
from tests.omni.factories import UserFactory
from tests.races import run_together
from tests.stores.factories import LocationFactory


@pytest.fixture
def world(db):
    milano, roma = LocationFactory(code="MI-FU"), LocationFactory(code="RM-FU")
    now = timezone.now()
    queue = {
        "mi_old": FollowUpFactory(response__location=milano, response__created_at=now - dt.timedelta(days=3)),
        "mi_new": FollowUpFactory(
            response__location=milano, response__created_at=now - dt.timedelta(hours=2)
        ),
        "mi_closed": FollowUpFactory(
            response__location=milano,
            response__created_at=now - dt.timedelta(days=9),
            outcome="resolved",
            closed_at=now - dt.timedelta(days=8),
        ),
        "rm": FollowUpFactory(response__location=roma, response__created_at=now - dt.timedelta(days=5)),
        "hq": FollowUpFactory(response__location=None, response__created_at=now - dt.timedelta(days=1)),
    }
    people = {
        "manager": UserFactory(username="fu-manager", role="store_manager", locations=[milano]),
        "roma_manager": UserFactory(username="fu-roma", role="store_manager", locations=[roma]),
        "associate": UserFactory(username="fu-associate", role="associate", locations=[milano]),
        "hq": UserFactory(username="fu-hq", role="hq_manager"),
    }
    return {"milano": milano, "roma": roma, "queue": queue, **people}


def ids(qs) -> list[int]:  # type: ignore[no-untyped-def]
    return [f.pk for f in qs]


def test_a_store_manager_sees_their_stores_queue_only(world):
    q = world["queue"]
    actor = Actor.for_user(world["manager"])
    # open first, the longest waiting first; another store's detractors and HQ's queue are not there
    assert ids(follow_up_queue(actor)) == [q["mi_old"].pk, q["mi_new"].pk]
    assert ids(follow_up_queue(actor, state="all")) == [q["mi_old"].pk, q["mi_new"].pk, q["mi_closed"].pk]
    assert ids(follow_up_queue(actor, state="closed")) == [q["mi_closed"].pk]
    assert ids(follow_up_queue(actor, location_id=world["roma"].pk)) == []
    with pytest.raises(FollowUpNotFound):
        access_follow_up(actor, q["rm"].pk)
    with pytest.raises(FollowUpNotFound):
        access_follow_up(actor, q["hq"].pk)
    assert access_follow_up(actor, q["mi_new"].pk) == q["mi_new"]


def test_hq_sees_every_queue_including_its_own(world):
    q = world["queue"]
    actor = Actor.for_user(world["hq"])
    assert ids(follow_up_queue(actor)) == [q["rm"].pk, q["mi_old"].pk, q["hq"].pk, q["mi_new"].pk]
    assert access_follow_up(actor, q["hq"].pk) == q["hq"]
    superuser = UserFactory(username="fu-root", role="associate", is_superuser=True)
    assert follow_ups_for(Actor.for_user(superuser)).count() == 5


def test_associates_and_api_clients_see_no_follow_up(world):
    assert not follow_ups_for(Actor.for_user(world["associate"])).exists()
    assert not follow_ups_for(Actor.system()).exists()


def test_closing_records_the_outcome_once(world):
    follow_up = world["queue"]["mi_old"]
    closed = close_follow_up(
        follow_up=follow_up, outcome="resolved", note="  Called, voucher sent. ", user=world["manager"]
    )
    closed.refresh_from_db()
    assert (closed.outcome, closed.note, closed.closed_by) == (
        "resolved",
        "Called, voucher sent.",
        world["manager"],
    )
    assert closed.closed_at is not None
    with pytest.raises(FollowUpClosed) as caught:
        close_follow_up(follow_up=follow_up, outcome="no_answer", note="", user=world["hq"])
    assert caught.value.code == "invalid_transition" and caught.value.status == 409
    assert world["manager"].get_full_name() in caught.value.detail
    follow_up.refresh_from_db()
    assert follow_up.outcome == "resolved"  # unchanged


def test_closing_refuses_who_may_not_and_what_is_wrong(world):
    q = world["queue"]
    with pytest.raises(FollowUpForbidden):
        close_follow_up(follow_up=q["mi_old"], outcome="resolved", note="", user=world["associate"])
    with pytest.raises(FollowUpNotFound):
        close_follow_up(follow_up=q["mi_old"], outcome="resolved", note="", user=world["roma_manager"])
    with pytest.raises(FollowUpInvalid) as caught:
        close_follow_up(follow_up=q["mi_old"], outcome="maybe", note="", user=world["manager"])
    assert list(caught.value.errors or {}) == ["outcome"]
    with pytest.raises(FollowUpInvalid) as caught:
        close_follow_up(follow_up=q["mi_old"], outcome="resolved", note="x" * 2001, user=world["manager"])
    assert list(caught.value.errors or {}) == ["note"]
    assert FollowUp.objects.get(pk=q["mi_old"].pk).closed_at is None


def test_open_follow_ups_and_the_dashboard_panel(world):
    manager = world["manager"]
    got = open_follow_ups(Actor.for_user(manager), world["milano"])
    assert got.count == 2 and got.oldest_days == 3
    request = RequestFactory().get("/")
    request.user = manager
    panel = follow_ups_panel(request, world["milano"])
    assert panel is not None
    assert panel.figures[0].value == 2
    assert "3" in str(panel.figures[1].value) and panel.figures[1].tone == "bad"
    request.user = world["associate"]
    assert follow_ups_panel(request, world["milano"]) is None
    request.user = world["hq"]
    hq_panel = follow_ups_panel(request, None)
    assert hq_panel is not None and hq_panel.figures[0].value == 4  # every open one, HQ's included


# --- two managers at once ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_managers_closing_at_once_record_one_outcome():
    milano = LocationFactory(code="MI-FU-RACE")
    follow_up = FollowUpFactory(response__location=milano)
    first = UserFactory(username="fu-race-1", role="store_manager", locations=[milano])
    second = UserFactory(username="fu-race-2", role="hq_manager")

    def close(user, outcome):  # type: ignore[no-untyped-def]
        return lambda: (
            close_follow_up(
                follow_up=FollowUp.objects.get(pk=follow_up.pk), outcome=outcome, note="", user=user
            ).outcome
        )

    outcomes = run_together(
        [close(first, "resolved"), close(second, "no_answer"), close(first, "unresolved")]
    )
    done = [o for o in outcomes if o != "invalid_transition"]
    assert len(done) == 1 and outcomes.count("invalid_transition") == 2, outcomes
    follow_up.refresh_from_db()
    assert follow_up.outcome == done[0] and follow_up.closed_at is not None
