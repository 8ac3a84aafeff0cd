"""The active locations as clients see them in a SKU's availability (code, name, kind, city, what they offer,
where they are), kept in this process's memory in code order and rebuilt when any location changes
(omni.cache_versions: stores' migration 0003 bumps "locations" on every write). `clear()` drops the copy.

Distances to them are computed here, in Python, to the very figure distance_km_expression gives in SQL
(stores.geo's formula, its sines and cosines of each location worked out once, and PostgreSQL's rounding),
so a client sees one distance for a location whether it asked for locations or for availability."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from omni.cache_versions import VersionedValue
from stores.geo import EARTH_RADIUS_KM
from stores.models import Location

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class NetworkLocation:
    id: int
    code: str
    name: str
    kind: str
    city: str
    click_and_collect: bool
    ships: bool
    rank: int  # its place in code order, as PostgreSQL sorts the codes
    sin_latitude: float
    cos_latitude: float
    longitude_radians: float


class Origin:
    """A point distances are measured from (a client's `near`)."""

    __slots__ = ("cos_latitude", "longitude_radians", "sin_latitude")

    def __init__(self, latitude: float, longitude: float) -> None:
        self.sin_latitude = math.sin(math.radians(latitude))
        self.cos_latitude = math.cos(math.radians(latitude))
        self.longitude_radians = math.radians(longitude)

    def km_to(self, to: NetworkLocation) -> float:
        """Kilometres to a location, as distance_km_expression gives them (the same operations in the same
        order as stores.geo.distance_km and the SQL, so the same float)."""
        cosine = self.sin_latitude * to.sin_latitude + self.cos_latitude * to.cos_latitude * math.cos(
            to.longitude_radians - self.longitude_radians
        )
        return rounded_km(EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, cosine))))


def rounded_km(km: float) -> float:
    """Two decimals as `ROUND(km::numeric, 2)` gives them: PostgreSQL keeps the float's 15 significant digits
    and rounds halves away from zero; Python's round() would round the binary value half to even. They can
    only differ next to a half, where the exact (slower) way is taken."""
    cents = km * 100
    if abs(cents - math.floor(cents) - 0.5) > 1e-6:
        return round(km, 2)
    return float(Decimal(f"{km:.15g}").quantize(CENT, rounding=ROUND_HALF_UP))


def _load() -> dict[int, NetworkLocation]:
    rows = (
        Location.objects.filter(active=True)
        .order_by("code")
        .values_list(
            "pk", "code", "name", "kind", "city", "click_and_collect", "ships", "latitude", "longitude"
        )
    )
    located: dict[int, NetworkLocation] = {}
    for rank, (pk, code, name, kind, city, cc, ships, latitude, longitude) in enumerate(rows):
        lat = math.radians(float(latitude))
        located[pk] = NetworkLocation(
            pk,
            code,
            name,
            kind,
            city,
            cc,
            ships,
            rank,
            math.sin(lat),
            math.cos(lat),
            math.radians(float(longitude)),
        )
    return located


_active: VersionedValue[dict[int, NetworkLocation]] = VersionedValue(("locations",), _load)


def active_network_locations() -> dict[int, NetworkLocation]:
    """Every active location by id, in code order, from memory. Shared: read it, never change it."""
    return _active.get()


def clear() -> None:
    """Forget the copy: the next read loads the locations again."""
    _active.clear()
