"""Locations as inventory sees them: which ones an actor may act at, and the location codes a client sends.
`scoped_to_actor` is the one rule of who sees which location's stock, ledger, counts and transfers (OWASP
API1: never another location's data through a filter or an id)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput
from stores.models import Location


def scoped_to_actor(qs: QuerySet[Any], actor: Actor, *fields: str) -> QuerySet[Any]:
    """Keep the rows where one of `fields` (location foreign keys) is a location the actor may act at."""
    if actor.location_ids is None:
        return qs
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__in": actor.location_ids})
    return qs.filter(condition)


def visible_locations(actor: Actor) -> QuerySet[Location]:
    """The active locations an actor may act at (every one for HQ), by code."""
    qs = Location.objects.filter(active=True).order_by("code")
    if actor.location_ids is not None:
        qs = qs.filter(pk__in=actor.location_ids)
    return qs


def network_locations() -> QuerySet[Location]:
    """Every active location (a transfer may be requested from any of them)."""
    return Location.objects.filter(active=True).order_by("code")


def any_location_exists(location_ids: Iterable[int]) -> bool:
    return Location.objects.filter(pk__in=list(location_ids)).exists()


# --- Codes sent by a client ---------------------------------------------------------------------------


def location_by_code(code: str, *, field: str = "location") -> Location:
    """The location with this code (any case), or a 400 naming `field`."""
    location = Location.objects.filter(code=code.strip().upper()).first()
    if location is None:
        raise InvalidInput(f"No location with code {code}.", errors={field: [f"Unknown location {code}."]})
    return location


def location_for_stock_write(actor: Actor, code: str, *, field: str = "location") -> Location:
    """A location the actor may change stock at: 400 if unknown, 403 if it is another location's."""
    location = location_by_code(code, field=field)
    if not actor.can_act_at(location.pk):
        raise Forbidden(f"You may only change stock at your own location, not at {location.code}.")
    return location


def location_filter(actor: Actor, code: str | None) -> Location | bool | None:
    """A list's `?location=`: None when absent, False when unknown (an empty list), 403 when it is a
    location the actor may not see."""
    if not code:
        return None
    location = Location.objects.filter(code=code.strip().upper()).first()
    if location is None:
        return False
    if not actor.can_act_at(location.pk):
        raise Forbidden(f"You may only see the stock of your own location, not {location.code}'s.")
    return location


def filter_by_location(qs: QuerySet[Any], actor: Actor, code: str | None) -> QuerySet[Any]:
    """`qs` narrowed to the location a list's `?location=` names (see location_filter)."""
    chosen = location_filter(actor, code)
    if chosen is False:
        return qs.none()
    if chosen is not None:
        qs = qs.filter(location=chosen)
    return qs
