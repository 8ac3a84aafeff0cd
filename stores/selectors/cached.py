"""Locations as every request needs them (by code, by id, with their opening hours), kept in this
process's memory and rebuilt when any location or opening hours change (omni.cache_versions: the triggers
of stores' migration 0003 bump "locations"). The instances are shared: read them, never save them."""

from __future__ import annotations

from omni.cache_versions import VersionedValue
from stores.models import Location, OpeningHours


class _Directory:
    def __init__(self) -> None:
        locations = list(Location.objects.order_by("pk"))
        hours: dict[int, list[OpeningHours]] = {loc.pk: [] for loc in locations}
        for interval in OpeningHours.objects.order_by("location_id", "weekday", "opens"):
            hours.setdefault(interval.location_id, []).append(interval)
        self.by_id = {loc.pk: loc for loc in locations}
        self.by_code = {loc.code: loc for loc in locations}
        self.hours = hours


_directory: VersionedValue[_Directory] = VersionedValue(("locations",), _Directory)


def cached_location(code: str) -> Location | None:
    """The location with this code (active or not), from memory."""
    return _directory.get().by_code.get(code)


def cached_locations(ids: set[int]) -> dict[int, Location]:
    """Locations by id, from memory (ids that do not exist are left out)."""
    by_id = _directory.get().by_id
    return {pk: by_id[pk] for pk in ids if pk in by_id}


def cached_opening_hours(location_id: int) -> list[OpeningHours]:
    """A location's opening hours (weekday, then opening time), from memory."""
    return list(_directory.get().hours.get(location_id, []))
