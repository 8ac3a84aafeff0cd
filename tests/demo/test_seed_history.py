"""`seed_demo --scale`'s year of history, on an empty database (the demo network of test_seed_demo.py has
orders of its own, placed through the services, which these counts would take in)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from inventory.models import StockLevel, StockMovement
from inventory.selectors import stock_drift

pytestmark = pytest.mark.django_db


# A year of history at a size a test can afford (the real --scale is 20,000 SKUs x 200 locations).
SMALL_HISTORY = [
    "--force",
    "--scale",
    "--skus",
    "60",
    "--locations",
    "4",
    "--orders",
    "200",
    "--movements",
    "500",
]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_scale_history_keeps_the_ledgers_true_and_feeds_every_report():
    from loyalty.selectors.reconciliation import check_loyalty
    from omni.reports.base import ReportFilters, all_reports
    from omni.reports.runner import count_rows
    from orders.models import Order, OrderLine, Payment, Return, ReturnLine

    err = StringIO()
    call_command(
        "seed_demo",
        *SMALL_HISTORY,
        stdout=StringIO(),
        stderr=err,
    )
    assert "History: orders" in err.getvalue() and "History: stock movements" in err.getvalue()
    # the ledger: every level is the sum of its movements, nothing below zero
    assert stock_drift() == []
    assert "OK:" in run("check_stock")
    # the stock summaries followed the bulk SQL (their triggers), and the seed folded them
    assert "Stock summaries folded" in err.getvalue()
    assert "match the stock levels" in run("refresh_stock_summaries", "--check")
    assert not StockMovement.objects.filter(on_hand_after__lt=0).exists()
    history = StockMovement.objects.filter(reference__startswith="BH-") | StockMovement.objects.filter(
        reference__regex=r"^B[TC][0-9]{8}$"
    )
    assert history.exclude(reference__in=["BH-RESTOCK", "BH-POS-OUT"]).count() == 500
    kinds = set(history.values_list("kind", flat=True))
    assert {
        "sale",
        "receipt",
        "return",
        "adjustment",
        "damage",
        "transfer_out",
        "transfer_in",
        "count",
    } <= kinds
    assert set(history.filter(kind__in=["adjustment", "damage"]).values_list("reason", flat=True)) <= {
        "shrinkage",
        "found",
        "correction",
        "supplier_error",
        "damaged_in_store",
        "damaged_in_transit",
        "expired",
    }
    sold = StockLevel.objects.filter(last_sale_at__isnull=False)
    assert sold.exists() and StockLevel.objects.filter(last_sale_at__isnull=True).exists()
    for level in sold[:20]:
        last = StockMovement.objects.filter(
            location_id=level.location_id, variant_id=level.variant_id, kind="sale"
        ).latest("created_at")
        assert level.last_sale_at == last.created_at
    # orders: numbers apart from the services', lines priced consistently, totals the sum of the lines
    orders = Order.objects.all()
    assert orders.count() == 200 and all(
        re.fullmatch(r"B\d{9}", n) for n in orders.values_list("number", flat=True)
    )
    assert set(orders.values_list("channel", flat=True)) >= {"web", "app", "store"}
    assert set(orders.values_list("fulfilment_type", flat=True)) == {"delivery", "pickup", "carry_out"}
    assert orders.filter(status="cancelled").exists()
    assert orders.filter(fulfilment_type="pickup", status="collected", ready_at__isnull=False).exists()
    assert not orders.exclude(fulfilment_type="pickup").filter(ready_at__isnull=False).exists()
    for line in OrderLine.objects.all():
        assert (
            line.line_total == line.unit_price * line.quantity - line.promotion_discount - line.order_discount
        )
        assert 1 <= line.quantity <= 3
    for order in orders.filter(pk__in=orders.values("pk")[:30]):
        lines = list(order.lines.all())
        assert 1 <= len(lines) <= 4
        assert order.total == sum(ln.line_total for ln in lines)
        assert order.vat_total == sum(ln.vat_amount for ln in lines)
    assert Payment.objects.count() == orders.exclude(status="cancelled").count()
    for ret in Return.objects.all():
        assert ret.number.startswith("BR") and ret.order.status in ("completed", "collected")
        assert ret.location.accepts_returns
        assert ret.created_at > ret.order.completed_at
        assert (ret.created_at - ret.order.completed_at).days <= 30
        assert ret.refund_amount == sum(rl.refund_amount for rl in ret.lines.all())
    assert ReturnLine.objects.count() >= Return.objects.count()
    # documents behind the movements; loyalty reconciled
    from inventory.models import StockCount, StockCountLine, Transfer

    assert Transfer.objects.filter(number__startswith="BT").exists()
    assert StockCount.objects.filter(status="posted").exists()
    for line in StockCountLine.objects.all():
        assert line.variance == line.counted - line.on_hand_at_count != 0
    check = check_loyalty()
    assert check.members_checked == 8 and check.ok, check.problems
    from loyalty.cards import is_valid_card_number
    from loyalty.models import Member

    assert all(is_valid_card_number(c) for c in Member.objects.values_list("card_number", flat=True))
    # every registered report has rows for HQ over a year
    import datetime as dt

    today = dt.date.today()
    for report in all_reports():
        filters = ReportFilters(date_from=today - dt.timedelta(days=365), date_to=today)
        assert count_rows(report, filters) > 0, report.slug

    # the sales summary was rebuilt from the seeded orders (which have no timeline events to be found by)
    from django.db.models import Sum

    from orders.models import SalesDay

    summary = SalesDay.objects.filter(category_id__isnull=True).aggregate(r=Sum("revenue"), u=Sum("units"))
    sold = OrderLine.objects.exclude(order__status="cancelled").aggregate(
        r=Sum("line_total"), u=Sum("quantity")
    )
    assert summary["r"] == sold["r"] and summary["u"] == sold["u"] and sold["u"] > 0

    # idempotent: a second run adds nothing
    before = [m.objects.count() for m in (Order, OrderLine, Return, StockMovement, StockLevel, Member)]
    out = run("seed_demo", *SMALL_HISTORY)
    assert "already loaded" in out
    assert before == [
        m.objects.count() for m in (Order, OrderLine, Return, StockMovement, StockLevel, Member)
    ]

    # the demo segments, defined through the service, sized today only (their rules read the present)
    from django.utils import timezone

    from orders.models import Segment, SegmentSize
    from orders.selectors.segments import member_counts

    segments = list(Segment.objects.order_by("code"))
    assert [s.code for s in segments] == ["app-users", "big-spenders", "gold", "lapsed"]
    assert set(SegmentSize.objects.values_list("day", flat=True)) == {timezone.localdate()}
    sizes = dict(SegmentSize.objects.values_list("segment_id", "members"))
    assert sizes == member_counts(segments)
