"""What a manager sees of the store tablets: per store they manage (HQ: every store), the tablets with their
queues, the synced actions that need attention (rejected), and the shortfalls waiting for review."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from offline.models import ActionStatus, Device, OfflineAction, Shortfall
from omni.actors import Actor
from stores.models import Location

STALE_QUEUE = timedelta(minutes=15)  # a queue waiting longer than this shows on the dashboard
MAX_SHOWN = 50


@dataclass
class StoreTablets:
    location: Location
    devices: list[Device] = field(default_factory=list)
    attention: list[OfflineAction] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)


def managed_locations(actor: Actor) -> list[Location]:
    """The locations whose tablets this manager sees: every active one for HQ, else their own."""
    if not actor.is_manager:
        return []
    qs = Location.objects.filter(active=True).order_by("code")
    if actor.location_ids is not None:
        qs = qs.filter(pk__in=actor.location_ids)
    return list(qs)


def reason_text(action: OfflineAction) -> str:
    """Why a rejected action was not applied, in the reader's language (from its reason code; an error of
    another kind as the server wrote it)."""
    result = action.result if isinstance(action.result, dict) else {}
    params = result.get("params") or {}
    try:
        if result.get("reason") == "unknown_codes":
            return _("Not in the catalog: %(codes)s.") % {"codes": params["codes"]}
        if result.get("reason") == "not_a_store":
            return _("%(location)s is not a store: nothing is sold at its counter.") % {
                "location": params["location"]
            }
        if result.get("reason") == "no_count":
            return _("No stock count %(count)s at %(location)s.") % params
    except (KeyError, TypeError, ValueError):
        return action.error_detail
    if action.kind == "count" and action.error_code == "invalid_transition":
        return _("The count was posted or cancelled before these scans synced: they were not added.")
    return action.error_detail


def tablets_by_store(actor: Actor, locations: list[Location]) -> list[StoreTablets]:
    """Per location (in order): its tablets (most behind first), the rejected actions (newest first) and the
    shortfalls not reviewed (oldest first); locations with none of them are left out."""
    by_id = {loc.pk: StoreTablets(location=loc) for loc in locations}
    ids = list(by_id)
    for device in (
        Device.objects.filter(location_id__in=ids)
        .select_related("user")
        .order_by("location_id", "-pending_actions", "oldest_pending_at", "label")
    ):
        by_id[device.location_id].devices.append(device)
    rejected = (
        OfflineAction.objects.filter(location_id__in=ids, status=ActionStatus.REJECTED)
        .select_related("device", "user")
        .order_by("-received_at", "-pk")[:MAX_SHOWN]
    )
    for action in rejected:
        action.reason_text = reason_text(action)  # type: ignore[attr-defined]
        by_id[action.location_id].attention.append(action)
    open_shortfalls = (
        Shortfall.objects.filter(location_id__in=ids, reviewed_at__isnull=True)
        .select_related("variant", "action", "action__order", "action__device")
        .order_by("created_at", "pk")[:MAX_SHOWN]
    )
    for shortfall in open_shortfalls:
        by_id[shortfall.location_id].shortfalls.append(shortfall)
    return [s for s in by_id.values() if s.devices or s.attention or s.shortfalls]


def waiting_figures(location_ids: list[int] | None, *, now: datetime | None = None) -> dict[str, Any]:
    """For the dashboard: tablets whose queue has waited longer than STALE_QUEUE, the oldest wait, the
    shortfalls to review and the actions rejected (all locations when None)."""
    now = now or timezone.now()
    devices = Device.objects.all()
    shortfalls = Shortfall.objects.filter(reviewed_at__isnull=True)
    if location_ids is not None:
        devices = devices.filter(location_id__in=location_ids)
        shortfalls = shortfalls.filter(location_id__in=location_ids)
    stale = devices.filter(pending_actions__gt=0, oldest_pending_at__lt=now - STALE_QUEUE).aggregate(
        n=Count("pk"), oldest=Min("oldest_pending_at")
    )
    return {
        "stale_tablets": stale["n"],
        "oldest": stale["oldest"],
        "shortfalls": shortfalls.count(),
    }
