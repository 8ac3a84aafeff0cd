"""The stock summaries (inventory/summaries.py, inventory.services.stock_summary): after every kind of stock
change, before and after the fold, the summaries with their deltas equal the stock levels added up now, and
the three reports that read them give exactly the rows of their live queries. Their pages say how fresh the
figures are."""

from __future__ import annotations

import datetime as dt
import re
import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone, translation

from inventory import services
from inventory.models import (
    Product,
    StockAgeSummary,
    StockAgeSummaryDelta,
    StockLevel,
    StockSummary,
    StockSummaryDelta,
    Variant,
)
from inventory.services import ReceivedLineInput, StockLine, TransferLineInput
from inventory.services.stock_summary import (
    fold_stock_summaries,
    rebuild_stock_summaries,
    stock_summary_drift,
)
from omni.actors import Actor
from omni.reports import runner
from omni.reports.base import ReportFilters, get_report
from tests.inventory.factories import BrandFactory, CategoryFactory, VariantFactory
from tests.inventory.test_reports import local_noon, net, sales  # noqa: F401  (fixtures)
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

HQ = Actor(role="integration")
D = Decimal
SUMMARISED = ("stock-position", "stock-exceptions", "stock-ageing-summary")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def rows_of(sql_params, sort_keys) -> list[tuple]:
    sql, params = sql_params
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) r ORDER BY {', '.join(sort_keys)}", params)
        return cursor.fetchall()


def filter_sets(n) -> list[ReportFilters]:
    return [
        ReportFilters(),
        ReportFilters(location_ids=(n.mi.pk,)),
        ReportFilters(location_ids=(n.mi.pk, n.rm.pk), category_ids=(n.knit.pk, n.cardigans.pk)),
        ReportFilters(brand_id=n.b1.pk),
        ReportFilters(extra={"group_by": "brand"}),
        ReportFilters(category_ids=(n.shoes.pk,), brand_id=n.b1.pk, extra={"group_by": "brand"}),
    ]


def assert_summaries_true(n) -> None:
    """The summaries with their deltas = the levels now; every report = its live query, value by value
    and type by type (exports read the values as they come)."""
    assert stock_summary_drift() == 0
    for slug in SUMMARISED:
        report = get_report(slug)
        keys = [c.key for c in report.columns]
        for filters in filter_sets(n):
            assert report.uses_summary(filters)
            live = rows_of(report.live_query(filters), keys)
            kept = rows_of(report.summary_query(filters), keys)
            assert kept == live, (slug, filters)
            assert [tuple(map(type, row)) for row in kept] == [tuple(map(type, row)) for row in live]


def assert_true_before_and_after_the_fold(n) -> None:
    assert_summaries_true(n)  # deltas not folded yet
    assert fold_stock_summaries().folded
    assert not StockSummaryDelta.objects.exists() and not StockAgeSummaryDelta.objects.exists()
    assert_summaries_true(n)
    assert not StockSummary.objects.filter(levels=0).exists()
    assert not StockAgeSummary.objects.filter(skus=0).exists()


def test_the_summaries_follow_receipts_reservations_and_sales(net):  # noqa: F811
    assert StockSummaryDelta.objects.exists()  # the fixture's receipts, reservations and parameters
    assert_true_before_and_after_the_fold(net)
    # a sale at the till: reserved and consumed, last_sale_at moves to today
    services.reserve_stock(owner="order:S1", lines=[StockLine(net.rm.pk, net.v1.pk, 2)])
    services.consume_reservations(owner="order:S1", actor=HQ)
    services.consume_reservations(owner="order:A", actor=HQ)  # the fixture's reservation at MI
    services.record_movement(
        actor=HQ, location_id=net.rm.pk, variant_id=net.v3.pk, kind="receipt", quantity=5
    )
    assert_true_before_and_after_the_fold(net)
    position = runner.run_page(get_report("stock-position"), ReportFilters(location_ids=(net.rm.pk,)))
    assert {r["group_name"]: r["on_hand"] for r in position.rows} == {
        "Knitwear": 4,
        "Cardigans": 0,
        "Shoes": 5,
    }


def test_the_summaries_follow_transfers_and_counts(net):  # noqa: F811
    transfer = services.request_transfer(
        actor=HQ,
        from_location_id=net.mi.pk,
        to_location_id=net.rm.pk,
        lines=[TransferLineInput(variant_id=net.v1.pk, quantity=3)],
    )
    assert_summaries_true(net)
    services.ship_transfer(actor=HQ, transfer_id=transfer.pk)
    assert_true_before_and_after_the_fold(net)
    services.receive_transfer(
        actor=HQ,
        transfer_id=transfer.pk,
        lines=[ReceivedLineInput(variant_id=net.v1.pk, quantity=2, reason="one lost")],
    )
    assert_summaries_true(net)
    count = services.start_count(actor=HQ, location_id=net.rm.pk)
    services.record_count_entry(actor=HQ, count_id=count.pk, variant_id=net.v1.pk, counted=4)
    services.record_count_entry(actor=HQ, count_id=count.pk, variant_id=net.v3.pk, counted=1)
    services.post_count(actor=HQ, count_id=count.pk)
    assert_true_before_and_after_the_fold(net)


def test_the_summaries_follow_writes_around_the_services(sales):  # noqa: F811
    # direct updates (as the tests, the admin or SQL by hand write), a price, cost and category change, a
    # level deleted: the triggers see them all
    levels = StockLevel.objects.filter
    levels(location=sales.mi, variant=sales.v3).update(last_sale_at=local_noon(45), safety_stock=1)
    assert_true_before_and_after_the_fold(sales)
    Variant.objects.filter(pk=sales.v1.pk).update(price=D("21.99"), cost_price=None)
    Variant.objects.filter(pk=sales.v3.pk).update(cost_price=D("33.33"))
    assert_summaries_true(sales)
    Product.objects.filter(pk=sales.v2.product_id).update(category=sales.shoes, brand=sales.b1)
    assert_true_before_and_after_the_fold(sales)
    other = Product.objects.create(name="Other", category=sales.knit, brand=sales.b2, vat_rate=D("22.00"))
    Variant.objects.filter(pk=sales.v1.pk).update(product=other)
    levels(location=sales.rm, variant=sales.v2).delete()
    StockLevel.objects.create(location=sales.rm, variant=sales.v3, on_hand=7, reorder_point=9)
    assert_true_before_and_after_the_fold(sales)
    # an update that changes nothing the summaries hold appends nothing
    fold_stock_summaries()
    levels(location=sales.mi).update(last_movement_at=timezone.now())
    Variant.objects.filter(pk=sales.v1.pk).update(active=False)
    assert not StockSummaryDelta.objects.exists() and not StockAgeSummaryDelta.objects.exists()


def test_the_ageing_summary_turns_days_into_buckets_when_it_reads(sales):  # noqa: F811
    # a summary kept on Monday is still right on Tuesday: the day of the last sale is kept, the age is not
    fold_stock_summaries()
    report = get_report("stock-ageing-summary")
    three_weeks_on = timezone.now() + dt.timedelta(days=21)
    with mock.patch("django.utils.timezone.now", return_value=three_weeks_on):
        keys = [c.key for c in report.columns]
        assert rows_of(report.summary_query(ReportFilters()), keys) == rows_of(
            report.live_query(ReportFilters()), keys
        )
        buckets = {r["age_bucket"] for r in runner.run_page(report, ReportFilters()).rows}
    assert "31-90" in buckets  # MI v1's sale, 10 days ago today, is 31 days old three weeks on


def test_rebuild_and_check_command(net, capsys):  # noqa: F811
    fold_stock_summaries()
    StockSummary.objects.update(on_hand=999)  # drift, as after the triggers were disabled
    assert stock_summary_drift() > 0
    with pytest.raises(Exception, match="differ from the stock levels"):
        call_command("refresh_stock_summaries", check=True)
    assert rebuild_stock_summaries() > 0
    assert stock_summary_drift() == 0
    call_command("refresh_stock_summaries", rebuild=True, check=True)
    assert "match the stock levels" in capsys.readouterr().out
    assert_summaries_true(net)


def test_a_fold_that_finds_another_running_leaves_the_deltas_and_the_figures_stay_exact(net):  # noqa: F811
    got: dict[str, object] = {}

    def other_fold() -> None:
        try:
            got["outcome"] = fold_stock_summaries()
        finally:
            connections.close_all()

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(7402613)")  # a fold in progress elsewhere
        thread = threading.Thread(target=other_fold)
        thread.start()
        thread.join(timeout=30)
    assert got["outcome"].folded is False  # type: ignore[union-attr]
    assert StockSummaryDelta.objects.exists()
    assert_summaries_true(net)


def test_the_freshness_note_on_the_pages(client, net):  # noqa: F811
    client.force_login(UserFactory(username="hq.manager", role="hq_manager"))
    for slug in (*SUMMARISED, "sales-by-channel"):
        html = client.get(reverse("reports:report", args=[slug]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'data-testid="report-freshness"' in html, slug
        assert re.search(r"Figures as of \d\d:\d\d, from a summary refreshed every 5 minutes", html), slug
    html = client.get(reverse("reports:report", args=["stock-position"]), HTTP_ACCEPT_LANGUAGE="it").content
    assert "aggiornato ogni 5 minuti" in html.decode()
    # live reports say nothing of the kind
    html = client.get(reverse("reports:report", args=["shrinkage"]), HTTP_ACCEPT_LANGUAGE="en").content
    assert b'data-testid="report-freshness"' not in html


def test_a_summary_shows_new_categories_brands_and_locations_at_once():
    # nothing to set up: the first receipt of a new SKU at a new store is in the very next page
    category, brand = CategoryFactory(name="Hats"), BrandFactory(name="B9")
    variant = VariantFactory(sku="HAT", product__category=category, product__brand=brand, price=D("9.99"))
    store = LocationFactory(code="NEW")
    services.record_movement(
        actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=3
    )
    row = runner.run_page(get_report("stock-position"), ReportFilters()).rows[0]
    assert (row["location"], row["group_name"], row["on_hand"], row["value_retail"]) == (
        "NEW",
        "Hats",
        3,
        D("29.97"),
    )
    assert stock_summary_drift() == 0


@pytest.mark.django_db(transaction=True)
def test_a_price_change_racing_a_sale_leaves_no_drift():
    """The price trigger locks the stock levels (SHARE) before reading them: a sale committed meanwhile is
    either seen by it or waits for it, never counted at the old price by both."""
    store = LocationFactory(code="MI-PRICE")
    variant = VariantFactory(sku="PRICE-1", price=D("10.00"), cost_price=D("4.00"))
    services.record_movement(
        actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=50
    )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def reprice(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for k in range(n):
                with transaction.atomic():
                    Variant.objects.filter(pk=variant.pk).update(price=D("10.00") + k)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def sell(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for k in range(n):
                services.reserve_stock(owner=f"order:P{k}", lines=[StockLine(store.pk, variant.pk, 1)])
                services.consume_reservations(owner=f"order:P{k}", actor=HQ)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reprice, args=(15,)), threading.Thread(target=sell, args=(15,))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert stock_summary_drift() == 0
    fold_stock_summaries()
    assert stock_summary_drift() == 0
