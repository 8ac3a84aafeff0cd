"""When a pickup will be ready: the store's preparation time counted only while it is open (its
OpeningHours, in its own time zone), after a ship-to-store transfer's lead time when units come from
elsewhere. A location without opening hours works around the clock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from stores.models import Location, OpeningHours
from stores.selectors.slots import location_zone

# Preparation is at most a week of minutes; even a store open one hour a week gets there within this.
MAX_DAYS = 7 * 7 * 24 + 7


def lead_hours() -> float:
    """How long a ship-to-store transfer takes to arrive (settings.OMNI_TRANSFER_LEAD_HOURS, default 48)."""
    return float(getattr(settings, "OMNI_TRANSFER_LEAD_HOURS", 48))


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def promised_ready_time(
    location: Location,
    placed_at: datetime,
    *,
    lead_hours: float = 0,
    hours: Iterable[OpeningHours] | None = None,
) -> datetime:
    """placed_at (+ lead_hours) + location.preparation_minutes, counting only the minutes the location is
    open. Closed when the clock starts: preparation starts at the next opening (so even 0 minutes of
    preparation promise a time the customer can come). `hours` saves the query when already loaded."""
    start = placed_at + timedelta(hours=lead_hours)
    if timezone.is_naive(start):
        start = timezone.make_aware(start)
    left = timedelta(minutes=location.preparation_minutes)
    intervals = list(hours) if hours is not None else list(location.opening_hours.all())
    if not intervals:
        return start + left
    zone = location_zone(location)
    by_weekday: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for interval in intervals:
        by_weekday[interval.weekday].append((interval.opens, interval.closes))
    for spans in by_weekday.values():
        spans.sort()
    cursor = start.astimezone(UTC)
    day = start.astimezone(zone).date()
    for _ in range(MAX_DAYS):
        for opens, closes in by_weekday.get(day.weekday(), []):
            begin = max(_at(day, opens, zone), cursor)
            end = _at(day, closes, zone)
            if begin >= end:
                continue
            if left <= end - begin:  # absolute (UTC) arithmetic: right across daylight-saving changes
                return begin + left
            left -= end - begin
            cursor = end
        day += timedelta(days=1)
    return start + timedelta(minutes=location.preparation_minutes)
