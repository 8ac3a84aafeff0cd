"""The capacity engine's reads: the slots of a day at a location, generated from its opening hours (or that
day's closure or special hours), and what remains of each. One engine serves pickup windows (resource
"pickup", the location's pickup_slot_minutes and pickup_slot_capacity) and appointment services (resource
"service:<code>", the service's duration and capacity); writes are in stores.services.capacity.

Slots are laid out on the store's wall clock (its `timezone`, Europe/Rome by default): a store opening at
09:00 has a 09:00 slot in winter and in summer. On the day the clocks change, a slot whose start does not
exist on the wall clock (the hour skipped in March) is left out, one ending at the skipped hour ends when
the clock jumps, and in the hour lived twice in October
the first one is meant; a store open through the night on those days is the only one it touches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone

from stores.models import Closure, Location, OpeningHours, Service, SlotUsage

PICKUP = "pickup"
MAX_SLOTS_PER_DAY = 24 * 60 // 5  # the shortest slot is 5 minutes (Service.duration_minutes)


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, UTC
    end: datetime
    remaining: int


def service_resource(service: Service) -> str:
    return f"service:{service.code}"


def location_zone(location: Location) -> ZoneInfo:
    try:
        return ZoneInfo(location.timezone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _wall(day: date, clock: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of this wall-clock time, or None when the clock skips it (spring forward)."""
    local = datetime.combine(day, clock, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant


def open_hours(location: Location, day: date) -> list[tuple[time, time]]:
    """The location's opening spans on that day, on its wall clock: a Closure row for the day wins (closed,
    or its special hours), else the weekly OpeningHours of that weekday. No weekly hours at all: closed
    (slots are only offered where the store says it is open)."""
    closure = Closure.objects.filter(location=location, date=day).first()
    if closure is not None:
        if closure.opens is None or closure.closes is None:
            return []
        return [(closure.opens, closure.closes)]
    spans = OpeningHours.objects.filter(location=location, weekday=day.weekday()).order_by("opens")
    return [(span.opens, span.closes) for span in spans]


def slot_times(location: Location, day: date, minutes: int) -> list[tuple[datetime, datetime]]:
    """Every slot of `minutes` on that day, back to back from each opening, ending by its closing."""
    if minutes < 5:
        raise ValueError("a slot lasts at least 5 minutes")
    zone = location_zone(location)
    step = timedelta(minutes=minutes)
    found: list[tuple[datetime, datetime]] = []
    for opens, closes in open_hours(location, day):
        cursor = datetime.combine(day, opens)
        last = datetime.combine(day, closes)
        while cursor + step <= last and len(found) < MAX_SLOTS_PER_DAY:
            start = _wall(day, cursor.time(), zone)
            end_wall = cursor + step
            # an end the clock skips (02:00 on the March change) is the instant the clock jumps from
            end = datetime.combine(end_wall.date(), end_wall.time(), tzinfo=zone).astimezone(UTC)
            if start is not None and end > start:
                found.append((start, end))
            cursor = end_wall
    return found


def taken_counts(location: Location, resource: str, starts: Iterable[datetime]) -> dict[datetime, int]:
    rows = SlotUsage.objects.filter(location=location, resource=resource, start__in=list(starts))
    return {row.start: row.taken for row in rows}


def day_slots(
    location: Location,
    *,
    resource: str,
    day: date,
    minutes: int,
    capacity: int,
    not_before: datetime | None = None,
) -> list[Slot]:
    """The day's slots with what remains of each, those starting before `not_before` (default: now) left
    out. Full slots are listed with remaining 0."""
    earliest = not_before or timezone.now()
    times = [(start, end) for start, end in slot_times(location, day, minutes) if start >= earliest]
    taken = taken_counts(location, resource, (start for start, _ in times))
    return [Slot(start, end, max(capacity - taken.get(start, 0), 0)) for start, end in times]


def pickup_slots(location: Location, day: date, *, not_before: datetime | None = None) -> list[Slot]:
    return day_slots(
        location,
        resource=PICKUP,
        day=day,
        minutes=location.pickup_slot_minutes,
        capacity=location.pickup_slot_capacity,
        not_before=not_before,
    )


def service_slots(service: Service, day: date, *, not_before: datetime | None = None) -> list[Slot]:
    return day_slots(
        service.location,
        resource=service_resource(service),
        day=day,
        minutes=service.duration_minutes,
        capacity=service.capacity,
        not_before=not_before,
    )


def find_slot(location: Location, *, minutes: int, start: datetime) -> tuple[datetime, datetime] | None:
    """The slot starting exactly at `start` (any offset) on the location's calendar, or None when there is
    no such slot (outside hours, a closure, not on the slot grid)."""
    local_day = start.astimezone(location_zone(location)).date()
    for slot_start, slot_end in slot_times(location, local_day, minutes):
        if slot_start == start:
            return slot_start, slot_end
    return None
