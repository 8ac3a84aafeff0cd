"""Reads of the follow-up queue, with who may see what (the one way pages reach a follow-up):

- HQ managers, administrators and superusers: every follow-up, HQ's own queue (no store) included;
- a store manager: the follow-ups of the stores they are a member of;
- store associates (and API clients): none. A follow-up carries an unhappy customer's comment and asks for a
  call back: that is the manager's job, as the reports are (omni.reports.base.Report.visible_to)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Min, Q, QuerySet
from django.utils import timezone

from feedback.exceptions import FollowUpNotFound
from feedback.models import FollowUp
from omni.actors import Actor

OPEN, CLOSED, ALL = "open", "closed", "all"
STATES = (OPEN, CLOSED, ALL)


def may_follow_up(actor: Actor) -> bool:
    """Staff managers (store or HQ); never associates or API clients."""
    return actor.is_staff_user and actor.is_manager


def follow_ups_for(actor: Actor) -> QuerySet[FollowUp]:
    """Every follow-up the actor may see (unordered, nothing joined)."""
    qs = FollowUp.objects.all()
    if not may_follow_up(actor):
        return qs.none()
    if actor.location_ids is None:
        return qs
    return qs.filter(location_id__in=actor.location_ids)


def follow_up_queue(actor: Actor, *, state: str = OPEN, location_id: int | None = None) -> QuerySet[FollowUp]:
    """The queue as listed: open ones first, oldest first (then closed ones, oldest first); `state` keeps
    open, closed or all; `location_id` one store's (HQ's picks)."""
    qs = follow_ups_for(actor).select_related("response", "location")
    if state == OPEN:
        qs = qs.filter(closed_at__isnull=True)
    elif state == CLOSED:
        qs = qs.filter(closed_at__isnull=False)
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    is_open = ExpressionWrapper(Q(closed_at__isnull=True), output_field=BooleanField())
    return qs.annotate(is_open=is_open).order_by("-is_open", "created_at", "id")


def access_follow_up(actor: Actor, pk: int) -> FollowUp:
    """The follow-up `pk` with its response and store, if the actor may see it; else FollowUpNotFound (404:
    another store's follow-up is not there for this user)."""
    found = (
        follow_ups_for(actor)
        .select_related("response", "response__order", "location", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise FollowUpNotFound()
    return found


@dataclass(frozen=True)
class OpenFollowUps:
    count: int
    oldest: dt.datetime | None

    @property
    def oldest_days(self) -> int | None:
        if self.oldest is None:
            return None
        return max(0, (timezone.now() - self.oldest).days)


def open_follow_ups(actor: Actor, location: Any | None = None) -> OpenFollowUps:
    """How many follow-ups wait (at `location`, or every one the actor sees) and since when (one query)."""
    qs = follow_ups_for(actor).filter(closed_at__isnull=True)
    if location is not None:
        qs = qs.filter(location=location)
    got = qs.aggregate(count=Count("pk"), oldest=Min("created_at"))
    return OpenFollowUps(count=int(got["count"] or 0), oldest=got["oldest"])
