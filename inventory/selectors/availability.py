"""Availability of one SKU across the network: the staff pages' `availability()` and the API's
`sku_availability()`, both from one statement on inventory's own tables (the SKU and its stock levels,
`available` worked out by PostgreSQL) and stores' in-memory copy of the active locations (their public
fields, rebuilt when a location changes). Nothing per location is built but a tuple and the answer itself:
at 200 locations a model instance and a serializer per row were most of the endpoint's Python time.

The rules, in one place: the active locations holding the SKU (on hand > 0, unless `include_empty`), each
with max(on_hand - reserved - safety_stock, 0) available; by location code, or nearest first with `near`
(ties by code); the network figure sums `available` over the locations listed that ship or do
click-and-collect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from inventory.models import StockLevel, Variant
from stores.selectors import NetworkLocation, Origin, active_network_locations

_LEVELS_SQL = f"""
    SELECT v.sku, s.location_id, s.on_hand, s.reserved, GREATEST(s.on_hand - s.reserved - s.safety_stock, 0)
    FROM {Variant._meta.db_table} v
    LEFT JOIN {StockLevel._meta.db_table} s ON s.variant_id = v.id {{held}}
    WHERE v.sku = %s
"""  # noqa: S608 - table names are ours
HELD_SQL = _LEVELS_SQL.format(held="AND s.on_hand > 0")
ANY_SQL = _LEVELS_SQL.format(held="")

# (location, on_hand, reserved, available, distance_km or None)
Held = tuple[NetworkLocation, int, int, int, float | None]


@dataclass
class LocationAvailability:
    location: str
    name: str
    kind: str
    city: str
    on_hand: int
    reserved: int
    available: int
    click_and_collect: bool
    ships: bool
    distance_km: float | None


@dataclass
class Availability:
    sku: str
    available: int
    locations: list[LocationAvailability]


def _held(
    sku: str,
    *,
    near: tuple[float, float] | None,
    click_and_collect: bool | None,
    ships: bool | None = None,
    kind: str | None = None,
    include_empty: bool = False,
) -> tuple[str, list[Held]] | None:
    """The SKU as stored and its figures at each location the rules list, in their order; None if no
    such SKU. One statement (and the read of the cache versions, once per request)."""
    network = active_network_locations()
    with connection.cursor() as cursor:
        cursor.execute(ANY_SQL if include_empty else HELD_SQL, [sku])
        rows = cursor.fetchall()
    if not rows:
        return None
    origin = None if near is None else Origin(*near)
    held: list[Held] = []
    for _sku, location_id, on_hand, reserved, available in rows:
        location = network.get(location_id)  # None: no stock anywhere, or an inactive location
        if (
            location is None
            or (click_and_collect is not None and location.click_and_collect != click_and_collect)
            or (ships is not None and location.ships != ships)
            or (kind is not None and location.kind != kind)
        ):
            continue
        distance = None if origin is None else origin.km_to(location)
        held.append((location, on_hand, reserved, available, distance))
    if origin is None:
        held.sort(key=lambda h: h[0].rank)
    else:
        held.sort(key=lambda h: (h[4], h[0].rank))
    return rows[0][0], held


def _network_figure(held: list[Held]) -> int:
    return sum(h[3] for h in held if h[0].ships or h[0].click_and_collect)


def sku_availability(
    sku: str, *, near: tuple[float, float] | None = None, click_and_collect: bool | None = None
) -> dict[str, Any] | None:
    """`GET /api/v1/skus/{sku}/availability/`'s answer as plain data (AvailabilityOut's shape, key for key),
    or None if there is no such SKU."""
    found = _held(sku, near=near, click_and_collect=click_and_collect)
    if found is None:
        return None
    stored_sku, held = found
    return {
        "sku": stored_sku,
        "available": _network_figure(held),
        "locations": [
            {
                "location": location.code,
                "name": location.name,
                "kind": location.kind,
                "city": location.city,
                "on_hand": on_hand,
                "reserved": reserved,
                "available": available,
                "click_and_collect": location.click_and_collect,
                "ships": location.ships,
                "distance_km": distance,
            }
            for location, on_hand, reserved, available, distance in held
        ],
    }


def _pinned_first(held: list[Held], location_id: int, near: tuple[float, float] | None) -> list[Held]:
    """`held` with this location first: as listed, or with zeros when it holds none of the SKU (an
    inactive location is left out, as everywhere else)."""
    mine = [h for h in held if h[0].id == location_id]
    others = [h for h in held if h[0].id != location_id]
    if not mine:
        location = active_network_locations().get(location_id)
        if location is None:
            return held
        distance = None if near is None else Origin(*near).km_to(location)
        mine = [(location, 0, 0, 0, distance)]
    return mine + others


def availability(
    *,
    variant: Variant,
    near: tuple[float, float] | None = None,
    click_and_collect: bool | None = None,
    ships: bool | None = None,
    kind: str | None = None,
    include_empty: bool = False,
    first_location_id: int | None = None,
) -> Availability:
    """One SKU across every active location (the staff pages' stock lookup): each location's figures,
    nearest first with `near`, and the network figure the e-shop sells from. With `first_location_id`
    (the user's own store) that location is listed first, with 0 when it holds none."""
    found = _held(
        variant.sku,
        near=near,
        click_and_collect=click_and_collect,
        ships=ships,
        kind=kind,
        include_empty=include_empty,
    )
    held = found[1] if found is not None else []
    if first_location_id is not None:
        held = _pinned_first(held, first_location_id, near)
    locations = [
        LocationAvailability(
            location.code,
            location.name,
            location.kind,
            location.city,
            on_hand,
            reserved,
            available,
            location.click_and_collect,
            location.ships,
            distance,
        )
        for location, on_hand, reserved, available, distance in held
    ]
    return Availability(sku=variant.sku, available=_network_figure(held), locations=locations)
