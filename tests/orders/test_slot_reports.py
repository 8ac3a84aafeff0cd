"""The time-in-store reports: pickup slot utilisation per store and hour, arrival to handover per store and
week (hand-computed on a small fixture)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from inventory.services import record_movement
from omni.actors import Actor
from omni.reports.base import ReportFilters, get_report
from omni.reports.runner import iter_rows, run_page
from orders import services
from orders.models import Order
from stores.models import Closure, OpeningHours, SlotUsage
from stores.selectors.slots import PICKUP
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
HQ = Actor.system()
MONDAY = dt.date(2026, 12, 14)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ROME)


@pytest.fixture
def stores():  # type: ignore[no-untyped-def]
    milano = LocationFactory(code="MI-REP", name="Milano", pickup_slot_minutes=60, pickup_slot_capacity=2)
    roma = LocationFactory(code="RM-REP", name="Roma", pickup_slot_minutes=30, pickup_slot_capacity=1)
    LocationFactory(code="NO-CC", click_and_collect=False)
    for weekday in range(7):
        OpeningHours.objects.create(location=milano, weekday=weekday, opens=dt.time(9), closes=dt.time(11))
    OpeningHours.objects.create(location=roma, weekday=0, opens=dt.time(10), closes=dt.time(11))
    # Tuesday at Milano: special hours 10:00-11:00 only
    Closure.objects.create(
        location=milano, date=MONDAY + dt.timedelta(days=1), opens=dt.time(10), closes=dt.time(11)
    )
    SlotUsage.objects.create(location=milano, resource=PICKUP, start=at(MONDAY, 9), taken=2)
    SlotUsage.objects.create(location=milano, resource=PICKUP, start=at(MONDAY, 10), taken=1)
    SlotUsage.objects.create(
        location=milano, resource="service:fit", start=at(MONDAY, 10), taken=1
    )  # not pickup
    SlotUsage.objects.create(location=roma, resource=PICKUP, start=at(MONDAY, 10, 30), taken=1)
    SlotUsage.objects.create(
        location=milano, resource=PICKUP, start=at(MONDAY + dt.timedelta(days=3), 9), taken=2
    )
    return {"milano": milano, "roma": roma}


def test_slot_utilisation_per_store_and_hour(stores):
    report = get_report("pickup-slot-utilisation")
    assert report is not None
    # Monday and Tuesday: Milano 09 (Mon), 10 (Mon, Tue); Roma 10:00 and 10:30 on Monday
    f = ReportFilters(date_from=MONDAY, date_to=MONDAY + dt.timedelta(days=1))
    page = run_page(report, f, sort="location", per_page=50)
    rows = sorted(
        (r["location"], r["hour"], r["windows"], r["places"], r["booked"], r["used_share"]) for r in page.rows
    )
    assert rows == [
        ("MI-REP", 9, 1, 2, 2, Decimal("1.0000")),
        ("MI-REP", 10, 2, 4, 1, Decimal("0.2500")),
        ("RM-REP", 10, 2, 2, 1, Decimal("0.5000")),
    ]
    with translation.override("en"):
        figures = {str(fig.label): fig.value for fig in page.figures}
    assert figures["Places offered"] == 8 and figures["Orders booked"] == 4
    # a store manager's filter: Roma only; Thursday's bookings are outside the window
    only_roma = run_page(
        report, ReportFilters(date_from=MONDAY, date_to=MONDAY, location_ids=(stores["roma"].pk,))
    )
    assert [(r["location"], r["windows"]) for r in only_roma.rows] == [("RM-REP", 2)]
    assert len(list(iter_rows(report, f))) == 3


def test_arrival_to_handover_median_and_p90_per_week(stores):
    variant = VariantFactory(sku="TEE-REP", price=Decimal("10.00"))
    record_movement(
        actor=HQ, location_id=stores["milano"].pk, variant_id=variant.pk, kind="receipt", quantity=20
    )
    waits = [2, 4, 6, 8, 30]  # minutes, handed over in the week of 14 December
    numbers = []
    for minutes in [*waits, 5]:
        order = services.place_order(
            actor=HQ,
            channel="web",
            lines=[services.LineInput(sku="TEE-REP", quantity=1)],
            fulfilment=services.FulfilmentInput(type="pickup", location="MI-REP"),
            customer=services.CustomerInput(email="c@example.it"),
        )
        numbers.append(order.number)
        done = at(MONDAY, 15)
        Order.objects.filter(pk=order.pk).update(
            status="collected", completed_at=done, arrived_at=done - dt.timedelta(minutes=minutes)
        )
    # the last one: collected the next week
    later = at(MONDAY + dt.timedelta(days=7), 12)
    Order.objects.filter(number=numbers[-1]).update(
        completed_at=later, arrived_at=later - dt.timedelta(minutes=5)
    )
    report = get_report("arrival-to-handover")
    assert report is not None
    page = run_page(
        report, ReportFilters(date_from=MONDAY, date_to=MONDAY + dt.timedelta(days=13)), per_page=50
    )
    rows = sorted((r["week"], r["handovers"], r["median_minutes"], r["p90_minutes"]) for r in page.rows)
    # median of 2,4,6,8,30 = 6; p90 = 8 + 0.6 * (30 - 8) = 21.2 (linear, as percentile_cont)
    assert rows == [
        (MONDAY, 5, Decimal("6.0"), Decimal("21.2")),
        (MONDAY + dt.timedelta(days=7), 1, Decimal("5.0"), Decimal("5.0")),
    ]


@pytest.mark.parametrize("slug", ["pickup-slot-utilisation", "arrival-to-handover"])
def test_each_report_runs_on_an_empty_database_with_every_sort(slug):
    report = get_report(slug)
    assert report is not None and report.group == "channels"
    for f in (
        ReportFilters(),
        ReportFilters(date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 31), location_ids=(1, 2)),
    ):
        page = run_page(report, f)
        assert page.count == 0 and page.rows == []
        for column in report.columns:
            run_page(report, f, sort=f"-{column.key}")
