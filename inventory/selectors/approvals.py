"""Adjustment requests waiting for a manager's approval (inventory.services.adjustments): the queue of the
locations an actor may act at, and how many wait (the dashboard's figure)."""

from __future__ import annotations

from django.db.models import QuerySet

from inventory.models import AdjustmentRequest, AdjustmentRequestStatus
from inventory.selectors.locations import scoped_to_actor
from omni.actors import Actor


def _requests(actor: Actor, location_id: int | None) -> QuerySet[AdjustmentRequest]:
    qs = scoped_to_actor(AdjustmentRequest.objects.all(), actor, "location_id")
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    return qs


def pending_adjustments(actor: Actor, *, location_id: int | None = None) -> QuerySet[AdjustmentRequest]:
    """Pending requests at the actor's locations (one location when given), oldest first: the queue."""
    return (
        _requests(actor, location_id)
        .filter(status=AdjustmentRequestStatus.PENDING)
        .select_related("location", "variant", "variant__product", "requested_by")
        .order_by("requested_at", "id")
    )


def decided_adjustments(actor: Actor, *, location_id: int | None = None) -> QuerySet[AdjustmentRequest]:
    """Approved and rejected requests at the actor's locations, most recently decided first."""
    return (
        _requests(actor, location_id)
        .exclude(status=AdjustmentRequestStatus.PENDING)
        .select_related("location", "variant", "requested_by", "decided_by")
        .order_by("-decided_at", "-id")
    )


def pending_adjustment_count(actor: Actor, *, location_id: int | None = None) -> int:
    return _requests(actor, location_id).filter(status=AdjustmentRequestStatus.PENDING).count()
