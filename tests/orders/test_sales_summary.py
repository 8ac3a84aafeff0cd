"""The daily sales summary (orders.services.sales_summary) kept current by refresh: after placement, a
cancellation, units cancelled off a line and returns, on the Europe/Rome day boundary; a change to an order
of an older day; idempotence; a rebuild equal to the incremental result; new orders and returns added to
their day (statements independent of their number, no day rewritten), each exactly once, also when ids
commit out of order or roll back; the first refresh after the state was added; the report read from it equal
to the same figures computed from the orders; two refreshes at once (each its own connection) never doubling
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
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.services import record_movement
from omni.reports.base import ReportFilters, get_report
from omni.reports.runner import run_page
from orders.models import Order, OrderEvent, SalesDay, SalesSummaryState
from orders.services import (
    CustomerInput,
    FulfilmentInput,
    LineInput,
    PaymentInput,
    cancel_order,
    collect,
    mark_ready,
    place_order,
    sales_summary,
    ship_order,
    short_pick,
)
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


def from_orders() -> set[Row]:
    """What a rebuild would make of the orders and returns now, leaving the summary and its state alone."""
    sql, params = sales_summary._rows(("TRUE", []), ("TRUE", []))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {tuple(row) for row in cursor.fetchall()}


def missing_orders() -> list[tuple[int, int]]:
    return [(lo, hi) for lo, hi, _at in SalesSummaryState.objects.get().seen["orders"]["missing"]]


def test_the_first_refresh_builds_everything_then_only_what_changed(net):  # type: ignore[no-untyped-def]
    with at(rome(DAY, 9, 58)):
        till(net["milano"], [("TEE-RP", 1)])
    assert not SalesSummaryState.objects.exists()
    with at(rome(DAY, 10)):
        first = refresh_sales_summary()
    assert first.rebuilt and first.days == 1
    assert everything(DAY) == {("store", net["milano"].pk): (1, 1, Decimal("20.00"), 0, Decimal("0.00"))}
    # nothing changed: nothing to do, even within the margin after the sale
    with at(rome(DAY, 10, 5)):
        idle = refresh_sales_summary()
    assert idle == sales_summary.Refreshed(rebuilt=False, days=0, rows=0, new=0)
    # a new sale is added to its day's rows (the store's and its tees'), the day is not rewritten
    with at(rome(DAY, 10, 6)):
        till(net["milano"], [("TEE-RP", 2)])
    with at(rome(DAY, 10, 7)):
        added = refresh_sales_summary()
    assert added == sales_summary.Refreshed(rebuilt=False, days=0, rows=2, new=1)
    assert everything(DAY) == {("store", net["milano"].pk): (2, 3, Decimal("60.00"), 0, Decimal("0.00"))}
    assert summary() == from_orders()


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
    # the old order's day rewritten; the return added to its own day
    assert (done.rebuilt, done.days, done.new) == (False, 1, 1)
    assert everything(DAY) == {("store", net["milano"].pk): (1, 1, Decimal("20.00"), 0, Decimal("0.00"))}
    assert everything(later) == {("store", net["roma"].pk): (0, 0, Decimal("0.00"), 1, Decimal("20.00"))}
    assert Order.objects.get(pk=old.pk).status == "cancelled"
    incremental = summary()
    assert rebuilt() == incremental


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
    first, so the rows are never doubled (the unique constraint would fail a second rebuild otherwise, and a
    second add would count the order twice)."""
    with at(rome(DAY, 10)):
        till(net["milano"], [("TEE-RP", 1)])
        pickup(net["roma"], [("JNS-RP", 2)])
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []
    real_write = sales_summary._write

    def slow_write(*args: Any, **kw: Any) -> Any:  # holds the refresh before it writes the rows
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.3)")
        return real_write(*args, **kw)

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

    with mock.patch.object(sales_summary, "_write", slow_write):
        race(rebuild=True)  # the first builds the summary, the second waits, then rebuilds it
        with at(timezone.now()):  # an order now (real time)
            pickup(net["roma"], [("JNS-RP", 1)])
        race(rebuild=False)
    assert errors == []
    assert len(results) == 4
    # the first takes the new order in (added, its day not rewritten), the second finds nothing new
    assert [(r.days, r.new) for r in results[2:]] == [(0, 1), (0, 0)]
    today = timezone.localdate()
    assert everything(today) == {("web", net["roma"].pk): (1, 1, Decimal("50.00"), 0, Decimal("0.00"))}
    assert summary() == from_orders()
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


# --- taking in new orders and returns without rewriting their day ---------------------------------------


def test_placements_and_changes_refreshed_as_they_come_equal_a_rebuild(net, sales):  # type: ignore[no-untyped-def]
    """The fixture's sales built, then rounds of new orders of every kind (some across midnight) and changes
    to orders already taken in, a refresh after each: the summary equals a rebuild every time."""
    milano, roma = net["milano"], net["roma"]
    with at(rome(NEXT, 12)):
        refresh_sales_summary()
    assert summary() == from_orders()
    placed = []
    for i, (day, hour) in enumerate([(NEXT, 13), (NEXT, 23), (NEXT + dt.timedelta(days=1), 0), (NEXT, 14)]):
        with at(rome(day, hour, 5 * i)):
            placed += [
                till(milano if i % 2 else roma, [("TEE-RP", 1 + i % 2)]),
                pickup(roma, [("JNS-RP", 1)], channel="app" if i % 2 else "web"),
                delivery([("TEE-RP", 1), ("JNS-RP", 1)]),
                till(milano, [("JNS-RP", 1), ("TEE-RP", 1)]),
            ]
        with at(rome(day, hour, 5 * i + 1)):
            done = refresh_sales_summary()
        assert (done.days, done.new) == (0, 4)
        assert summary() == from_orders()
    # changes to orders taken in (and to the fixture's, of an older day), each followed by a refresh
    web_pickup, delivered, till_sale = placed[1], placed[2], placed[3]
    with at(rome(NEXT + dt.timedelta(days=1), 9)):
        cancel_order(actor=HQ, number=placed[5].number)
        ready = mark_ready(actor=HQ, number=web_pickup.number)
        collect(actor=HQ, number=web_pickup.number, code=ready.pickup_code)
        refresh_sales_summary()
    assert summary() == from_orders()
    with at(rome(NEXT + dt.timedelta(days=1), 10)):
        ship_order(actor=HQ, number=delivered.number)
        give_back(till_sale, roma, ("TEE-RP", 1, "resellable", "changed_mind"))
        give_back(sales["s2"], milano, ("JNS-RP", 1, "resellable", "changed_mind"))
        refresh_sales_summary()
    assert summary() == from_orders()
    incremental = summary()
    assert rebuilt() == incremental


def test_an_order_taken_in_then_cancelled_collected_or_returned_is_exact(net):  # type: ignore[no-untyped-def]
    milano, roma = net["milano"], net["roma"]
    with at(rome(DAY, 8)):
        refresh_sales_summary()
    with at(rome(DAY, 9)):
        web = pickup(roma, [("JNS-RP", 1)])
        app = pickup(milano, [("TEE-RP", 2)], channel="app")
        sale = till(milano, [("TEE-RP", 3)])
    with at(rome(DAY, 9, 1)):
        taken = refresh_sales_summary()
    assert (taken.days, taken.new) == (0, 3)
    assert everything(DAY) == {
        ("web", roma.pk): (1, 1, Decimal("50.00"), 0, Decimal("0.00")),
        ("app", milano.pk): (1, 2, Decimal("40.00"), 0, Decimal("0.00")),
        ("store", milano.pk): (1, 3, Decimal("60.00"), 0, Decimal("0.00")),
    }
    # a minute later, within the margin: the web pickup collected, the app order cancelled, a tee back
    with at(rome(DAY, 9, 2)):
        ready = mark_ready(actor=HQ, number=web.number)
        collect(actor=HQ, number=web.number, code=ready.pickup_code)
        cancel_order(actor=HQ, number=app.number)
        give_back(sale, milano, ("TEE-RP", 1, "resellable", "changed_mind"))
    with at(rome(DAY, 9, 3)):
        changed = refresh_sales_summary()
    assert (changed.days, changed.new) == (1, 1)  # the day rewritten (it counts the new return)
    assert everything(DAY) == {
        ("web", roma.pk): (1, 1, Decimal("50.00"), 0, Decimal("0.00")),
        ("store", milano.pk): (1, 3, Decimal("60.00"), 1, Decimal("20.00")),
    }
    with at(rome(DAY, 9, 4)):
        assert refresh_sales_summary().days == 0
    assert summary() == from_orders()


def test_an_order_within_the_margin_counts_once_over_many_refreshes(net):  # type: ignore[no-untyped-def]
    with at(rome(DAY, 10)):
        refresh_sales_summary()
        till(net["milano"], [("TEE-RP", 1)])
    news = []
    for minutes in (0, 1, 4, 9, 10, 11, 25):
        with at(rome(DAY, 10) + dt.timedelta(minutes=minutes, seconds=30)):
            news.append(refresh_sales_summary().new)
        assert everything(DAY) == {("store", net["milano"].pk): (1, 1, Decimal("20.00"), 0, Decimal("0.00"))}
    assert news == [1, 0, 0, 0, 0, 0, 0]
    assert summary() == from_orders()


def test_new_orders_cost_the_same_statements_whatever_their_number(net):  # type: ignore[no-untyped-def]
    """The refresh after 1 new order and after 6 runs the same statements, and neither deletes a day: the
    orders are added into the day's rows (the online rows too, whose location is NULL)."""
    with at(rome(DAY, 9)):
        till(net["milano"], [("TEE-RP", 1)])
        refresh_sales_summary()
    statements = []
    for count, minute in ((1, 10), (6, 20)):
        with at(rome(DAY, 10, minute)):
            for i in range(count):
                if i % 2:
                    delivery([("JNS-RP", 1)])
                else:
                    till(net["milano"], [("TEE-RP", 1)])
            with CaptureQueriesContext(connection) as queries:
                done = refresh_sales_summary()
        assert (done.rebuilt, done.days, done.new) == (False, 0, count)
        assert not [q for q in queries if "DELETE" in q["sql"].upper()]
        statements.append(len(queries))
    assert statements[0] == statements[1]
    assert summary() == from_orders()
    assert everything(DAY)[("store", net["milano"].pk)][:2] == (5, 5)


def test_a_delivery_from_several_locations_adds_into_the_online_row(net):  # type: ignore[no-untyped-def]
    """Location NULL and category NULL: the unique key treats NULLs as equal, so the second order is added
    into the first one's rows instead of making new ones."""
    milano = net["milano"]
    milano.ships = True
    milano.save(update_fields=["ships"])
    with at(rome(DAY, 8)):
        refresh_sales_summary()
    for hour in (9, 10):
        with at(rome(DAY, hour)):
            for location, free in ((milano, 3), (net["hub"], 2), (net["roma"], 0)):
                level = location.stock_levels.get(variant=net["tee"])
                if level.on_hand - level.reserved != free:  # Milano holds 3 free and the hub 2: both ship
                    record_movement(
                        actor=HQ,
                        location_id=location.pk,
                        variant_id=net["tee"].pk,
                        kind="adjustment",
                        quantity=free - (level.on_hand - level.reserved),
                        reason="correction",
                    )
            order = delivery([("TEE-RP", 5)])
            assert order.shipments.count() == 2
        with at(rome(DAY, hour, 1)):
            assert refresh_sales_summary().days == 0
    assert everything(DAY) == {("web", None): (2, 10, Decimal("200.00"), 0, Decimal("0.00"))}
    assert SalesDay.objects.filter(day=DAY, location_id=None).count() == 2  # all products, tees x Acme
    assert summary() == from_orders()


def test_an_id_rolled_back_is_waited_for_then_forgotten(net):  # type: ignore[no-untyped-def]
    class RolledBack(Exception):
        pass

    with at(rome(DAY, 10)):
        refresh_sales_summary()
        rolled: list[Any] = []
        with contextlib.suppress(RolledBack), transaction.atomic():
            rolled.append(till(net["milano"], [("TEE-RP", 1)]))
            raise RolledBack
        till(net["milano"], [("TEE-RP", 2)])
        refresh_sales_summary()
    assert any(lo <= rolled[0].pk <= hi for lo, hi in missing_orders())
    with at(rome(DAY, 10) + MARGIN - dt.timedelta(seconds=1)):
        refresh_sales_summary()
    assert any(lo <= rolled[0].pk <= hi for lo, hi in missing_orders())  # still waited for
    with at(rome(DAY, 10) + MARGIN + dt.timedelta(seconds=1)):
        refresh_sales_summary()
    assert missing_orders() == []
    assert everything(DAY) == {("store", net["milano"].pk): (1, 2, Decimal("40.00"), 0, Decimal("0.00"))}


@pytest.mark.django_db(transaction=True)
def test_an_order_committed_after_a_newer_one_counts_once(net):  # type: ignore[no-untyped-def]
    """A placement draws its ids and stays open while a later one commits: the refresh between sees the later
    order only (the earlier one's id is missing); once it commits, the next refresh takes it in, once."""
    drawn, release = threading.Event(), threading.Event()
    slow: list[Any] = []
    errors: list[BaseException] = []

    def place_slowly() -> None:
        try:
            with transaction.atomic():
                slow.append(till(net["milano"], [("TEE-RP", 1)]))
                drawn.set()
                assert release.wait(10)
        except BaseException as exc:  # reported to the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    with at(rome(DAY, 10)):
        refresh_sales_summary()
        thread = threading.Thread(target=place_slowly)
        thread.start()
        assert drawn.wait(10)
        quick = place_order(
            actor=HQ,
            channel="web",
            lines=[LineInput("JNS-RP", 1)],
            fulfilment=FulfilmentInput(type="pickup", location=net["roma"].code),
            customer=CustomerInput(email="marco@example.it", first_name="Marco"),
            payment=PaymentInput(method="card", status="captured"),
        )
        before = refresh_sales_summary()
        gap = missing_orders()
        release.set()
        thread.join(timeout=10)
        after = refresh_sales_summary()
        idle = refresh_sales_summary()
    assert errors == []
    assert slow[0].pk < quick.pk and any(lo <= slow[0].pk <= hi for lo, hi in gap)
    assert [(r.days, r.new) for r in (before, after, idle)] == [(0, 1), (0, 1), (0, 0)]
    assert everything(DAY) == {
        ("store", net["milano"].pk): (1, 1, Decimal("20.00"), 0, Decimal("0.00")),
        ("web", net["roma"].pk): (1, 1, Decimal("50.00"), 0, Decimal("0.00")),
    }
    assert summary() == from_orders()


def test_the_first_refresh_after_the_state_was_added(net):  # type: ignore[no-untyped-def]
    """A summary kept before SalesSummaryState.seen existed: the first refresh rewrites the days changed
    since the last one, as refreshes used to, and starts the state; the next ones add."""
    with at(rome(DAY, 10)):
        till(net["milano"], [("TEE-RP", 1)])
        refresh_sales_summary()
    SalesSummaryState.objects.update(seen={})
    with at(rome(DAY, 10, 5)):
        till(net["milano"], [("TEE-RP", 1)])
    with at(rome(DAY, 10, 6)):
        first = refresh_sales_summary()
    assert (first.days, SalesSummaryState.objects.get().seen != {}) == (1, True)
    with at(rome(DAY, 10, 7)):
        till(net["milano"], [("TEE-RP", 1)])
    with at(rome(DAY, 10, 8)):
        second = refresh_sales_summary()
    assert (second.days, second.new) == (0, 1)
    assert everything(DAY) == {("store", net["milano"].pk): (3, 3, Decimal("60.00"), 0, Decimal("0.00"))}
    assert summary() == from_orders()
