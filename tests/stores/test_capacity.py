"""The capacity engine (stores.selectors.slots, stores.services.capacity): slots laid out from opening hours
and closures on the store's wall clock (Europe/Rome, across both clock changes of 2026), what it refuses,
and taking places under real concurrency (threads, each with its own connection)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from stores.exceptions import SlotFull, SlotUnavailable
from stores.models import Closure, OpeningHours, SlotUsage
from stores.selectors.slots import PICKUP, day_slots, find_slot, pickup_slots, slot_times
from stores.services.capacity import check_slot, release_slot, take_slot
from tests.races import run_together
from tests.stores.factories import LocationFactory

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def utc(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def hours(location, weekday: int, opens: str, closes: str) -> None:  # type: ignore[no-untyped-def]
    OpeningHours.objects.create(
        location=location, weekday=weekday, opens=time.fromisoformat(opens), closes=time.fromisoformat(closes)
    )


def every_day(location, opens: str, closes: str) -> None:  # type: ignore[no-untyped-def]
    for weekday in range(7):
        hours(location, weekday, opens, closes)


@pytest.fixture
def store(db):  # type: ignore[no-untyped-def]
    return LocationFactory(
        code="MI-SLOT", timezone="Europe/Rome", pickup_slot_minutes=60, pickup_slot_capacity=3
    )


# --- Generation ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_ordinary_day_is_cut_into_back_to_back_slots_within_each_span(store):
    # Monday 2026-12-14 (winter, UTC+1): 09:00-12:30 and 15:00-17:00; 60-minute slots
    hours(store, 0, "09:00", "12:30")
    hours(store, 0, "15:00", "17:00")
    got = slot_times(store, date(2026, 12, 14), 60)
    assert got == [
        (utc(2026, 12, 14, 8), utc(2026, 12, 14, 9)),
        (utc(2026, 12, 14, 9), utc(2026, 12, 14, 10)),
        (utc(2026, 12, 14, 10), utc(2026, 12, 14, 11)),  # 11:00-12:00; 12:00-13:00 would pass 12:30
        (utc(2026, 12, 14, 14), utc(2026, 12, 14, 15)),
        (utc(2026, 12, 14, 15), utc(2026, 12, 14, 16)),
    ]
    # 30-minute windows: 7 in the morning, 4 in the afternoon
    assert len(slot_times(store, date(2026, 12, 14), 30)) == 11
    # a summer day: 09:00 in Rome is 07:00 UTC
    assert slot_times(store, date(2026, 7, 6), 60)[0][0] == utc(2026, 7, 6, 7)


@pytest.mark.django_db
def test_the_nine_o_clock_slot_moves_by_an_hour_in_utc_on_both_clock_changes(store):
    every_day(store, "09:00", "11:00")
    first = {day: slot_times(store, day, 60)[0][0] for day in (date(2026, 3, 28), date(2026, 3, 29))}
    assert first[date(2026, 3, 28)] == utc(2026, 3, 28, 8)  # CET, UTC+1
    assert first[date(2026, 3, 29)] == utc(2026, 3, 29, 7)  # CEST, UTC+2 from 02:00 that night
    first = {day: slot_times(store, day, 60)[0][0] for day in (date(2026, 10, 24), date(2026, 10, 25))}
    assert first[date(2026, 10, 24)] == utc(2026, 10, 24, 7)  # CEST
    assert first[date(2026, 10, 25)] == utc(2026, 10, 25, 8)  # CET again from 03:00 that night
    # both days keep two slots of exactly one hour each
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        slots = slot_times(store, day, 60)
        assert [end - start for start, end in slots] == [timedelta(hours=1)] * 2


@pytest.mark.django_db
def test_a_night_store_loses_the_skipped_hour_in_march(store):
    # Sunday 2026-03-29: 02:00 CET jumps to 03:00 CEST. Open 01:00-04:00, 30-minute slots on the wall
    # clock: 01:00, 01:30 | 02:00, 02:30 do not exist | 03:00, 03:30. A slot starting in the skipped hour
    # is left out; 01:30-02:00 ends when the clock jumps (02:00 CET = 03:00 CEST).
    hours(store, 6, "01:00", "04:00")
    got = slot_times(store, date(2026, 3, 29), 30)
    assert got == [
        (utc(2026, 3, 29, 0), utc(2026, 3, 29, 0, 30)),  # 01:00-01:30 CET
        (utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1)),  # 01:30 CET until the jump
        (utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 30)),  # 03:00-03:30 CEST
        (utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2)),  # 03:30-04:00 CEST
    ]
    starts = [start for start, _ in got]
    assert len(starts) == len(set(starts))


@pytest.mark.django_db
def test_a_night_store_does_not_get_the_repeated_hour_twice_in_october(store):
    # Sunday 2026-10-25: 03:00 CEST goes back to 02:00 CET, 02:00-03:00 is lived twice. The wall clock's
    # slots are offered once each (the first 02:00 and 02:30 meant): six slots, as on any other night.
    hours(store, 6, "01:00", "04:00")
    got = slot_times(store, date(2026, 10, 25), 30)
    starts = [start for start, _ in got]
    assert starts == [
        utc(2026, 10, 24, 23),  # 01:00 CEST
        utc(2026, 10, 24, 23, 30),  # 01:30 CEST
        utc(2026, 10, 25, 0),  # 02:00, the first one (CEST)
        utc(2026, 10, 25, 0, 30),  # 02:30, the first one (CEST)
        utc(2026, 10, 25, 2),  # 03:00 CET
        utc(2026, 10, 25, 2, 30),  # 03:30 CET
    ]
    assert len(set(starts)) == 6
    assert all(end > start for start, end in got)
    # the Sunday before, an ordinary night: also six
    assert len(slot_times(store, date(2026, 10, 18), 30)) == 6


@pytest.mark.django_db
def test_closures_and_special_hours_win_over_the_weekly_hours(store):
    every_day(store, "09:00", "19:00")
    Closure.objects.create(location=store, date=date(2026, 12, 25), reason="Natale")
    Closure.objects.create(
        location=store, date=date(2026, 12, 24), opens=time(9), closes=time(13), reason="Vigilia"
    )
    assert slot_times(store, date(2026, 12, 25), 60) == []
    assert [s for s, _ in slot_times(store, date(2026, 12, 24), 60)] == [
        utc(2026, 12, 24, 8),
        utc(2026, 12, 24, 9),
        utc(2026, 12, 24, 10),
        utc(2026, 12, 24, 11),
    ]
    assert len(slot_times(store, date(2026, 12, 23), 60)) == 10  # an ordinary day: 09:00-19:00


@pytest.mark.django_db
def test_no_opening_hours_means_no_slots(store):
    assert slot_times(store, date(2026, 12, 14), 60) == []
    assert pickup_slots(store, date(2026, 12, 14), not_before=LONG_AGO) == []


@pytest.mark.django_db
def test_slots_already_started_are_left_out_and_remaining_counts_what_is_taken(store):
    every_day(store, "09:00", "12:00")
    day = date(2026, 12, 14)
    # at 10:15 Rome (09:15 UTC): 09:00 and 10:00 have started, 11:00 is left
    later = day_slots(
        store, resource=PICKUP, day=day, minutes=60, capacity=3, not_before=utc(2026, 12, 14, 9, 15)
    )
    assert [s.start for s in later] == [utc(2026, 12, 14, 10)]
    SlotUsage.objects.create(location=store, resource=PICKUP, start=utc(2026, 12, 14, 9), taken=3)
    SlotUsage.objects.create(location=store, resource=PICKUP, start=utc(2026, 12, 14, 10), taken=1)
    SlotUsage.objects.create(location=store, resource="service:fit", start=utc(2026, 12, 14, 8), taken=2)
    got = pickup_slots(store, day, not_before=LONG_AGO)
    assert [(s.start, s.remaining) for s in got] == [
        (utc(2026, 12, 14, 8), 3),  # another resource's places do not count
        (utc(2026, 12, 14, 9), 0),  # full, still listed
        (utc(2026, 12, 14, 10), 2),
    ]
    # with no `not_before`, now: every slot of a day in the past has started
    assert pickup_slots(store, date(2020, 1, 6)) == []


@pytest.mark.django_db
def test_check_slot_refuses_off_grid_outside_hours_past_and_naive(store):
    every_day(store, "09:00", "12:00")
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(10), tzinfo=timezone.get_current_timezone())
    assert check_slot(store, minutes=60, start=start) == (start, start + timedelta(hours=1))
    # the same instant given in UTC is the same slot
    assert check_slot(store, minutes=60, start=start.astimezone(UTC))[0] == start
    for bad in (
        start + timedelta(minutes=15),  # off the grid
        start.replace(hour=8),  # before opening
        start.replace(hour=12),  # 12:00-13:00 ends after closing
    ):
        with pytest.raises(SlotUnavailable) as refused:
            check_slot(store, minutes=60, start=bad)
        assert "start" in refused.value.errors
    with pytest.raises(SlotUnavailable):
        check_slot(store, minutes=60, start=start - timedelta(days=2))  # the past
    with pytest.raises(SlotUnavailable):
        check_slot(store, minutes=60, start=start, not_before=start + timedelta(minutes=1))
    with pytest.raises(SlotUnavailable):
        check_slot(store, minutes=60, start=start.replace(tzinfo=None))  # naive
    Closure.objects.create(location=store, date=tomorrow)
    with pytest.raises(SlotUnavailable):
        check_slot(store, minutes=60, start=start)
    assert find_slot(store, minutes=60, start=start) is None


@pytest.mark.django_db
def test_take_until_full_and_release_never_below_zero(store):
    start = utc(2026, 12, 14, 9)
    assert [take_slot(location=store, resource=PICKUP, start=start, capacity=2) for _ in range(2)] == [1, 2]
    with pytest.raises(SlotFull):
        take_slot(location=store, resource=PICKUP, start=start, capacity=2)
    assert SlotUsage.objects.get(location=store, resource=PICKUP, start=start).taken == 2
    for _ in range(4):
        release_slot(location=store, resource=PICKUP, start=start)
    assert SlotUsage.objects.get(location=store, resource=PICKUP, start=start).taken == 0
    release_slot(location=store, resource=PICKUP, start=utc(2026, 12, 14, 10))  # nothing taken: no row
    assert not SlotUsage.objects.filter(start=utc(2026, 12, 14, 10)).exists()
    with pytest.raises(SlotFull):
        take_slot(location=store, resource=PICKUP, start=start, capacity=0)


# --- Real concurrency ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_r_remaining_and_r_plus_five_bookers_exactly_r_succeed():
    store = LocationFactory(code="MI-RACE-SLOT")
    start = utc(2026, 12, 14, 9)
    capacity = 8
    SlotUsage.objects.create(location=store, resource=PICKUP, start=start, taken=3)
    remaining = capacity - 3  # R = 5

    def book() -> str:
        take_slot(location=store, resource=PICKUP, start=start, capacity=capacity)
        return "taken"

    outcomes = run_together([book for _ in range(remaining + 5)])

    assert sorted(outcomes) == ["slot_full"] * 5 + ["taken"] * remaining, outcomes
    assert SlotUsage.objects.get(location=store, resource=PICKUP, start=start).taken == capacity


@pytest.mark.django_db(transaction=True)
def test_first_bookers_of_an_empty_slot_race_on_the_insert():
    store = LocationFactory(code="MI-RACE-NEW")
    start = utc(2026, 12, 14, 10)

    def book() -> str:
        take_slot(location=store, resource="service:fit", start=start, capacity=2)
        return "taken"

    outcomes = run_together([book for _ in range(7)])

    assert sorted(outcomes) == ["slot_full"] * 5 + ["taken"] * 2, outcomes
    assert SlotUsage.objects.get(location=store, resource="service:fit", start=start).taken == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_releases_never_go_below_zero():
    store = LocationFactory(code="MI-RACE-REL")
    start = utc(2026, 12, 14, 11)
    SlotUsage.objects.create(location=store, resource=PICKUP, start=start, taken=2)

    def release() -> str:
        release_slot(location=store, resource=PICKUP, start=start)
        return "released"

    outcomes = run_together([release for _ in range(6)])

    assert outcomes == ["released"] * 6
    assert SlotUsage.objects.get(location=store, resource=PICKUP, start=start).taken == 0
