"""The daily sales summary (orders.services.sales_summary) kept current by refresh: after placement, a
cancellation, units cancelled off a line and returns, on the Europe/Rome day boundary; a change to an order
of an older day; idempotence; a rebuild equal to the incremental result; the report read from it equal to
the same figures computed from the orders; two refreshes at once (each its own connection) never doubling
rows; the beat task and the operator command."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from omni.reports.base import ReportFilters, get_report
from omni.reports.runner import run_page
from orders.models import Order, OrderEvent, SalesDay, SalesSummaryState
from orders.services import cancel_order, sales_summary, short_pick
from orders.services.sales_summary import MARGIN, refresh_sales_summary
from orders.tasks import refresh_sales_summary_task
from tests.orders import test_reports as base
from tests.orders.test_reports import DAY, HQ, NEXT, delivery, give_back, pickup, rome, till

# the channel reports' fixtures: a network of stores and two products; the sales of 10 and 11 March
net = base.net
sales = base.sales
_english = base._english


@contextlib.contextmanager
def at(moment: dt.datetime) -> Iterator[dt.datetime]:
    """Every timezone.now() in the services answers `moment`, and so do the timeline's event times (their
    field's cached default calls the real timezone.now)."""
    field = OrderEvent._meta.get_field("created_at")
    with base.at(moment), mock.patch.object(field, "default", lambda: moment):
        field.__dict__.pop("_get_default", None)  # Field caches its default's callable
        try:
            yield moment
        finally:
            field.__dict__.pop("_get_default", None)


pytestmark = pytest.mark.django_db

Row = tuple[Any, ...]


def summary() -> set[Row]:
    return set(
        SalesDay.objects.values_list(
            "day",
            "channel",
            "location_id",
            "category_id",
            "brand_id",
            "orders",
            "units",
            "revenue",
            "vat",
            "returned_units",
            "refunds",
        )
    )


def everything(day: dt.date, **kw: Any) -> dict[tuple[str, int | None], Row]:
    """The all-products rows of `day`: (channel, location) -> (orders, units, revenue, returned, refunds)."""
    return {
        (s.channel, s.location_id): (s.orders, s.units, s.revenue, s.returned_units, s.refunds)
        for s in SalesDay.objects.filter(day=day, category_id__isnull=True, **kw)
    }


def rebuilt() -> set[Row]:
    refresh_sales_summary(rebuild=True)
    return summary()


def test_the_first_refresh_builds_everything_then_only_what_changed(net):  # type: ignore[no-untyped-def]
    with at(rome(DAY, 9, 58)):
        till(net["milano"], [("TEE-RP", 1)])
    assert not SalesSummaryState.objects.exists()
    with at(rome(DAY, 10)):
        first = refresh_sales_summary()
    assert first.rebuilt and first.days == 1
    assert everything(DAY) == {("store", net["milano"].pk): (1, 1, Decimal("20.00"), 0, Decimal("0.00"))}
    # nothing changed: a refresh within the margin rewrites the same day, one after it has nothing to do
    # (the sale at 09:58 is within the margin before the 10:00 refresh: the next one rewrites its day to the
    # same rows; only a refresh after one that ran MARGIN past the sale has nothing to do)
    with at(rome(DAY, 10, 5)):
        again = refresh_sales_summary()
    assert (again.rebuilt, again.days) == (False, 1)
    with at(rome(DAY, 9, 58) + MARGIN + dt.timedelta(minutes=1)):
        assert refresh_sales_summary().days == 1  # the one before ran at 10:05: it looks from 09:55
        idle = refresh_sales_summary()
    assert (idle.rebuilt, idle.days, idle.rows) == (False, 0, 0)
    assert everything(DAY) == {("store", net["milano"].pk): (1, 1, Decimal("20.00"), 0, Decimal("0.00"))}


def test_placement_cancellation_cancelled_units_and_returns_on_the_rome_day_boundary(net):  # type: ignore[no-untyped-def]
    milano, roma, hub = net["milano"], net["roma"], net["hub"]
    with at(rome(DAY, 8)):
        refresh_sales_summary()  # built, empty
    # 23:30 on the 10th in Rome (22:30 UTC) and 00:30 on the 11th (23:30 UTC on the 10th)
    with at(rome(DAY, 23, 30)):
        late = till(milano, [("TEE-RP", 2)])
        web = pickup(roma, [("JNS-RP", 1)])
        app = pickup(milano, [("TEE-RP", 3)], channel="app")
    with at(rome(NEXT, 0, 30)):
        early = till(roma, [("JNS-RP", 1)])
        refresh_sales_summary()
    assert late.created_at.astimezone(dt.UTC).date() == early.created_at.astimezone(dt.UTC).date() == DAY
    assert everything(DAY) == {
        ("store", milano.pk): (1, 2, Decimal("40.00"), 0, Decimal("0.00")),
        ("web", roma.pk): (1, 1, Decimal("50.00"), 0, Decimal("0.00")),
        ("app", milano.pk): (1, 3, Decimal("60.00"), 0, Decimal("0.00")),
    }
    assert everything(NEXT) == {("store", roma.pk): (1, 1, Decimal("50.00"), 0, Decimal("0.00"))}

    # an hour later: the web pickup cancelled, one of the app order's 3 tees missing and cancelled off
    with at(rome(NEXT, 1, 30)):
        cancel_order(actor=HQ, number=web.number)
        line = app.lines.get()
        short_pick(actor=HQ, number=app.number, line_id=line.pk, missing=1, resolution="cancel_line")
        refresh_sales_summary()
    assert everything(DAY) == {
        ("store", milano.pk): (1, 2, Decimal("40.00"), 0, Decimal("0.00")),
        ("app", milano.pk): (1, 2, Decimal("40.00"), 0, Decimal("0.00")),
    }
    # a delivery shipped from the hub, then a tee of the 23:30 sale back at Roma: the return counts on its
    # own day (the 11th) at Roma under the store-till channel; the 10th keeps the sale
    with at(rome(NEXT, 9)):
        shipped = delivery([("TEE-RP", 1)])
    with at(rome(NEXT, 10)):
        give_back(late, roma, ("TEE-RP", 1, "resellable", "changed_mind"))
        refresh_sales_summary()
    assert everything(NEXT) == {
        ("store", roma.pk): (1, 1, Decimal("50.00"), 1, Decimal("20.00")),
        ("web", hub.pk): (1, 1, Decimal("20.00"), 0, Decimal("0.00")),
    }
    assert everything(DAY)[("store", milano.pk)] == (1, 2, Decimal("40.00"), 0, Decimal("0.00"))
    assert shipped.shipments.get().location_id == hub.pk
    # the category x brand rows: the tees' group on the 10th (Milano: the till sale and the app order)
    tops = SalesDay.objects.filter(day=DAY, category_id=net["tops"].pk, brand_id=net["acme"].pk)
    assert sorted((s.channel, s.orders, s.units, s.revenue) for s in tops) == [
        ("app", 1, 2, Decimal("40.00")),
        ("store", 1, 2, Decimal("40.00")),
    ]
    incremental = summary()
    assert rebuilt() == incremental


def test_a_change_to_an_order_of_an_older_day_is_picked_up(net):  # type: ignore[no-untyped-def]
    with at(rome(DAY, 10)):
        old = pickup(net["roma"], [("JNS-RP", 1)])
        kept = till(net["milano"], [("TEE-RP", 1)])
    later = DAY + dt.timedelta(days=5)
    with at(rome(later, 9)):
        refresh_sales_summary()
    assert set(everything(DAY)) == {("web", net["roma"].pk), ("store", net["milano"].pk)}
    # five days on, the old pickup is cancelled; and a tee of the old till sale comes back
    with at(rome(later, 12)):
        cancel_order(actor=HQ, number=old.number)
        give_back(kept, net["roma"], ("TEE-RP", 1, "damaged", "damaged_on_arrival"))
    with at(rome(later, 12, 1)):
        done = refresh_sales_summary()
    assert not done.rebuilt and done.days == 2  # the old order's day and the return's
    assert everything(DAY) == {("store", net["milano"].pk): (1, 1, Decimal("20.00"), 0, Decimal("0.00"))}
    assert everything(later) == {("store", net["roma"].pk): (0, 0, Decimal("0.00"), 1, Decimal("20.00"))}
    assert Order.objects.get(pk=old.pk).status == "cancelled"
    incremental = summary()
    assert rebuilt() == incremental


def test_a_late_commit_within_the_margin_is_not_missed(net):  # type: ignore[no-untyped-def]
    """An order whose transaction began before a refresh and committed after it: its event time is before
    that refresh, but within the margin the next refresh looks back over."""
    with at(rome(DAY, 10)):
        refresh_sales_summary()
    with at(rome(DAY, 10, 5)):
        till(net["milano"], [("TEE-RP", 1)])
    SalesSummaryState.objects.filter(pk=1).update(refreshed_at=rome(DAY, 10, 6))  # a refresh that missed it
    SalesDay.objects.all().delete()
    with at(rome(DAY, 10, 8)):
        refresh_sales_summary()
    assert everything(DAY) == {("store", net["milano"].pk): (1, 1, Decimal("20.00"), 0, Decimal("0.00"))}


def live_rows(f: ReportFilters) -> set[Row]:
    report = get_report("sales-by-channel")
    sql, params = report.live_query(f)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return set(cursor.fetchall())


def summary_rows(f: ReportFilters) -> set[Row]:
    report = get_report("sales-by-channel")
    assert report is not None
    report.refresh(f)  # as the runner does before reading
    sql, params = report.query(f)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return set(cursor.fetchall())


def test_the_report_from_the_summary_equals_the_orders(net, sales):  # type: ignore[no-untyped-def]
    window = {"date_from": DAY, "date_to": NEXT}
    for f in (
        ReportFilters(**window),
        ReportFilters(date_from=NEXT, date_to=NEXT),
        ReportFilters(**window, channel="web"),
        ReportFilters(**window, location_ids=(net["milano"].pk,)),
        ReportFilters(**window, category_ids=(net["tops"].pk,)),
        ReportFilters(**window, brand_id=net["acme"].pk),
        ReportFilters(
            **window, category_ids=(net["tops"].pk,), channel="store", location_ids=(net["roma"].pk,)
        ),
    ):
        got = summary_rows(f)
        assert got == live_rows(f)
        assert got or f.channel == "store"
    # the summary's time zone only: other zones are computed from the orders
    utc = ReportFilters(**window, tz="UTC")
    assert summary_rows(utc) == live_rows(utc) != live_rows(ReportFilters(**window))


def test_an_order_in_two_chosen_categories_counts_in_each(net):  # type: ignore[no-untyped-def]
    with at(rome(DAY, 10)):
        till(net["milano"], [("TEE-RP", 1), ("JNS-RP", 1)])
    jeans_category = net["jeans"].product.category_id
    page = get_report("sales-by-channel")
    assert page is not None
    both = run_page(
        page, ReportFilters(date_from=DAY, date_to=DAY, category_ids=(net["tops"].pk, jeans_category))
    )
    assert (both.totals["orders"], both.totals["units"], both.totals["revenue"]) == (2, 2, Decimal("70.00"))
    every = run_page(page, ReportFilters(date_from=DAY, date_to=DAY))
    assert (every.totals["orders"], every.totals["units"]) == (1, 2)


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_take_turns(net):  # type: ignore[no-untyped-def]
    """Each thread its own connection and transaction; the advisory lock makes the second wait for the
    first, so the rows are never doubled (the unique constraint would fail the second otherwise)."""
    with at(rome(DAY, 10)):
        till(net["milano"], [("TEE-RP", 1)])
        pickup(net["roma"], [("JNS-RP", 2)])
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []
    real_insert = sales_summary._insert

    def slow_insert(days: Any) -> Any:  # holds the refresh between its DELETE and its INSERT
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.3)")
        return real_insert(days)

    def run(rebuild: bool) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(refresh_sales_summary(rebuild=rebuild))
        except BaseException as exc:  # reported to the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    def race(rebuild: bool) -> None:
        threads = [threading.Thread(target=run, args=(rebuild,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)

    with mock.patch.object(sales_summary, "_insert", slow_insert):
        race(rebuild=True)  # the first builds the summary, the second waits, then rebuilds it
        with at(timezone.now()):  # an order now (real time): both refreshes find its day changed
            pickup(net["roma"], [("JNS-RP", 1)])
        race(rebuild=False)
    assert errors == []
    assert len(results) == 4
    assert [r.days for r in results[2:]] == [1, 1]  # both rewrote today (the margin keeps it)
    today = timezone.localdate()
    assert everything(today) == {("web", net["roma"].pk): (1, 1, Decimal("50.00"), 0, Decimal("0.00"))}
    SalesDay.objects.filter(day=today).delete()
    assert SalesDay.objects.count() == len(summary())
    assert everything(DAY) == {
        ("store", net["milano"].pk): (1, 1, Decimal("20.00"), 0, Decimal("0.00")),
        ("web", net["roma"].pk): (1, 2, Decimal("100.00"), 0, Decimal("0.00")),
    }
    # all-products rows plus one tees and one jeans group row
    assert SalesDay.objects.count() == 4


def test_the_beat_task_and_the_operator_command(net):  # type: ignore[no-untyped-def]
    with at(rome(DAY, 10)):
        till(net["milano"], [("TEE-RP", 1)])
    assert refresh_sales_summary_task() == {"rebuilt": True, "days": 1, "rows": 2}
    out = StringIO()
    call_command("refresh_sales_summary", "--rebuild", stdout=out)
    assert "Rebuilt the sales summary: 1 day(s), 2 row(s)" in out.getvalue()
    out = StringIO()
    call_command("refresh_sales_summary", stdout=out)
    assert "Refreshed the sales summary" in out.getvalue()
    assert everything(DAY) == {("store", net["milano"].pk): (1, 1, Decimal("20.00"), 0, Decimal("0.00"))}
