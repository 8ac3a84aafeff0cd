"""The tablets' heartbeat, and a manager's review of a shortfall."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from offline import locks
from offline.models import Device, Shortfall
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidTransition, NotFound
from stores.models import Location


@transaction.atomic
def record_heartbeat(
    *,
    actor: Actor,
    device_id: uuid.UUID,
    location: Location,
    label: str,
    pending: int,
    oldest_pending_at: datetime | None,
    catalog_version: str,
) -> Device:
    """The tablet as it reports itself: where it is, its name, how many actions wait in its queue and since
    when (none: no time), the catalog version it holds; seen now."""
    if not actor.can_act_at(location.pk):
        raise Forbidden(f"You may not act at {location.code}.")
    now = timezone.now()
    device, _created = Device.objects.update_or_create(
        id=device_id,
        defaults={
            "location": location,
            "label": label[:80],
            "user": actor.user,
            "last_seen_at": now,
            "pending_actions": pending,
            "oldest_pending_at": oldest_pending_at if pending else None,
            "catalog_version": catalog_version[:64],
        },
    )
    return device


@transaction.atomic
def review_shortfall(*, actor: Actor, shortfall_id: int, note: str = "") -> Shortfall:
    """A manager of the shortfall's store (or HQ) marks it reviewed, once: under the row's lock, so a second
    review (another manager at the same moment) finds it reviewed."""
    shortfall = locks.shortfall(shortfall_id)
    if shortfall is None or not actor.can_act_at(shortfall.location_id):
        raise NotFound(_("No such shortfall."))
    if not actor.is_manager:
        raise Forbidden(_("Only a manager reviews shortfalls."))
    if shortfall.reviewed_at is not None:
        raise InvalidTransition(_("This shortfall has already been reviewed."))
    shortfall.reviewed_at = timezone.now()
    shortfall.reviewed_by = actor.user
    shortfall.review_note = note.strip()[:500]
    shortfall.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    return shortfall
