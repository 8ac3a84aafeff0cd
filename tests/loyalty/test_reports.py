"""The loyalty report (loyalty/reports.py) against a small ledger written by the real services: members
enrolled, active members, points issued / redeemed (net of redemptions given back) / expired / taken back
on returns / taken off by hand, month by month in Europe/Rome, the outstanding balance and the liability in
euros at each month end; a store manager's view; every filter and an empty database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from loyalty.models import LedgerEntry, Member
from loyalty.services import (
    adjust,
    earn_for_order,
    enroll_member,
    expire_points,
    redeem_for_order,
    restore_redeemed_for_order,
    reverse_for_return,
)
from omni.actors import Actor
from omni.reports.base import ReportFilters, get_report
from omni.reports.runner import iter_rows, run_page
from omni.services import create_api_client
from tests.inventory.factories import VariantFactory
from tests.loyalty.conftest import HQ
from tests.loyalty.factories import order_with_lines
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
JAN, FEB, MAR = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)
WINDOW = {"date_from": JAN, "date_to": dt.date(2025, 3, 31)}


def rome(y: int, m: int, d: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, tzinfo=ROME)


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def store_actor(location) -> Actor:  # type: ignore[no-untyped-def]
    client, _token = create_api_client(name=f"till-{location.code}", role="store", location_id=location.pk)
    return Actor.for_client(client)


@pytest.fixture
def ledger(clock):  # type: ignore[no-untyped-def]
    """A: enrolled March 2024, +300 by hand (lot L1, expires 10 March 2025), +500 by hand in December 2024:
    800 points outstanding before the window (1 January 2025).
    January: B enrolled; A earns 100 at Milano (10th); B earns 200 at Roma on the 31st at 23:30 local.
    February: A redeems 150 at Milano on the 1st at 00:30 local (23:30 UTC on 31 January), redeems 40 more
    (5th) that a cancellation gives back (6th), both at Milano; B returns the item: 200 taken back at Roma
    (15th); HQ takes 50 off A by hand (20th).
    March: C enrolled (5th); A's lot L1 expires on the 10th with 300 - 150 - 40 + 40 - 50 = 100 left."""
    milano, roma = LocationFactory(code="MI-L"), LocationFactory(code="RM-L")
    at_milano, at_roma = store_actor(milano), store_actor(roma)
    hundred = VariantFactory(price=Decimal("100.00"))
    two_hundred = VariantFactory(price=Decimal("200.00"))
    fifty = VariantFactory(price=Decimal("50.00"))
    with clock.at(rome(2024, 3, 10)):
        a = enroll_member(email="anna@example.it", actor=HQ)
        adjust(member=a, points=300, reason="welcome", actor=HQ)
    with clock.at(rome(2024, 12, 15)):
        adjust(member=a, points=500, reason="goodwill", actor=HQ)
    with clock.at(rome(2025, 1, 10)):
        b = enroll_member(email="bruno@example.it", actor=HQ)
        o1 = order_with_lines([(hundred, 1)], number="L-1", customer_email="anna@example.it")
        assert earn_for_order(order=o1, actor=at_milano) == 100
    with clock.at(rome(2025, 1, 31, 23, 30)):
        o2 = order_with_lines([(two_hundred, 1)], number="L-2", customer_email="bruno@example.it")
        assert earn_for_order(order=o2, actor=at_roma) == 200
    with clock.at(rome(2025, 2, 1, 0, 30)):
        o3 = order_with_lines([(fifty, 1)], number="L-3", customer_email="anna@example.it")
        redeem_for_order(order=o3, points=150, actor=at_milano)
    with clock.at(rome(2025, 2, 5)):
        o4 = order_with_lines([(fifty, 1)], number="L-4", customer_email="anna@example.it")
        redeem_for_order(order=o4, points=40, actor=at_milano)
    with clock.at(rome(2025, 2, 6)):
        assert restore_redeemed_for_order(order=o4, actor=at_milano) == 40
    with clock.at(rome(2025, 2, 15)):
        back = reverse_for_return(
            order=o2, returned_lines=[(o2.lines.get(), 1)], source_id="R-L2", actor=at_roma
        )
        assert back["points_reversed"] == 200
    with clock.at(rome(2025, 2, 20)):
        adjust(member=a, points=-50, reason="correction", actor=HQ)
    with clock.at(rome(2025, 3, 5)):
        enroll_member(email="carla@example.it", actor=HQ)
    with clock.at(rome(2025, 3, 10, 12, 1)):
        assert expire_points() == 100
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.points_balance, b.points_balance) == (600, 0)  # 800 + 100 - 150 - 40 + 40 - 50 - 100
    # the 00:30 redemption is on 31 January in UTC: only local months put it in February
    redeem = LedgerEntry.objects.get(kind="redeem", order_number="L-3")
    assert redeem.created_at.astimezone(dt.UTC).date() == dt.date(2025, 1, 31)
    return {"milano": milano, "roma": roma, "a": a, "b": b}


COLUMNS = (
    "month",
    "enrolled",
    "active_members",
    "issued",
    "redeemed",
    "expired",
    "reversed",
    "adjusted_out",
    "outstanding",
    "liability",
)


def table(page):  # type: ignore[no-untyped-def]
    return [tuple(row[c] for c in COLUMNS) for row in page.rows]


def test_monthly_points_outstanding_and_liability(ledger):
    page = run_page(get_report("loyalty"), ReportFilters(**WINDOW))
    assert table(page) == [
        # January: B enrolled; A and B earned (2 active); 100 + 200 issued; 800 + 300 = 1,100 -> 11.00 EUR
        (JAN, 1, 2, 300, 0, 0, 0, 0, 1100, Decimal("11.00")),
        # February: A redeemed 150 + 40 - 40 given back = 150; 200 taken back from B; 50 off by hand;
        # 1,100 - 150 - 200 - 50 = 700 -> 7.00 EUR; only A earned or redeemed
        (FEB, 0, 1, 0, 150, 0, 200, 50, 700, Decimal("7.00")),
        # March: C enrolled; 100 expired; 700 - 100 = 600 -> 6.00 EUR
        (MAR, 1, 0, 0, 0, 100, 0, 0, 600, Decimal("6.00")),
    ]
    assert page.totals == {
        "enrolled": 2,
        "issued": 300,
        "redeemed": 150,
        "expired": 100,
        "reversed": 200,
        "adjusted_out": 50,
    }
    # the chart: issued / redeemed / expired by month
    assert page.chart is not None and page.chart.labels == [JAN, FEB, MAR]
    assert page.chart.series["issued"] == [Decimal(300), Decimal(0), Decimal(0)]
    assert page.chart.series["redeemed"] == [Decimal(0), Decimal(150), Decimal(0)]
    # figures: 3 members; A and B active in the window; 600 points now = 6.00 EUR at 100 points a euro
    assert [f.value for f in page.figures] == [3, 2, 600, Decimal("6.00")]


def test_liability_follows_the_redemption_rate(ledger, settings):
    settings.LOYALTY_POINTS_PER_EURO_REDEEMED = 50
    page = run_page(get_report("loyalty"), ReportFilters(**WINDOW))
    assert [row["liability"] for row in page.rows] == [Decimal("22.00"), Decimal("14.00"), Decimal("12.00")]
    assert page.figures[-1].value == Decimal("12.00")  # 600 / 50


def test_a_window_starting_later_carries_the_balance_before_it(ledger):
    page = run_page(get_report("loyalty"), ReportFilters(date_from=dt.date(2025, 2, 10), date_to=MAR))
    # before 10 February: 800 + 300 - 150 - 40 + 40 = 950; from the 10th: -200 - 50 -> 700 at the end of
    # February; 1 March only (nothing happens that day) -> 700
    assert [(row["month"], row["redeemed"], row["outstanding"]) for row in page.rows] == [
        (FEB, 0, 700),
        (MAR, 0, 700),
    ]


def test_a_store_manager_sees_the_activity_at_their_store(ledger):
    mine = ReportFilters(**WINDOW, location_ids=(ledger["milano"].pk,))
    page = run_page(get_report("loyalty"), mine)
    assert table(page) == [
        # at Milano: A's earn of 100 (B's at Roma is not); network enrolments and balances
        (JAN, 1, 1, 100, 0, 0, 0, 0, 1100, Decimal("11.00")),
        # A's 150 (+40 -40) redeemed at Milano; B's return at Roma and HQ's adjustment are not Milano's
        (FEB, 0, 1, 0, 150, 0, 0, 0, 700, Decimal("7.00")),
        (MAR, 1, 0, 0, 0, 100, 0, 0, 600, Decimal("6.00")),
    ]
    assert [f.value for f in page.figures] == [3, 1, 600, Decimal("6.00")]
    roma = run_page(get_report("loyalty"), ReportFilters(**WINDOW, location_ids=(ledger["roma"].pk,)))
    assert [(r["issued"], r["reversed"]) for r in roma.rows] == [(200, 0), (0, 200), (0, 0)]


def test_every_filter_every_sort_and_an_empty_database(db):  # type: ignore[no-untyped-def]
    report = get_report("loyalty")
    assert report is not None and report.default_days == 365 and report.group == "channels"
    assert Member.objects.count() == 0
    for f in (
        ReportFilters(),
        ReportFilters(**WINDOW, location_ids=(1, 2), category_ids=(1,), brand_id=1, channel="web"),
    ):
        page = run_page(report, f)
        # one row per month, every figure 0
        assert page.count in (12, 13) if f.date_from is None else page.count == 3
        assert all(row["outstanding"] == 0 and row["liability"] == Decimal("0.00") for row in page.rows)
        assert [fig.value for fig in page.figures] == [0, 0, 0, Decimal("0.00")]
        assert len(list(iter_rows(report, f))) == page.count
        for column in report.columns:
            run_page(report, f, sort=f"-{column.key}")
