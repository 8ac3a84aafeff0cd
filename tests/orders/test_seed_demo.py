"""seed_demo (the demo network and --scale benchmark data) and demo_credentials."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from rest_framework.test import APIClient

from inventory.gtin import is_valid_gtin
from inventory.models import LowStockAlert, Product, StockLevel, StockMovement, Variant
from inventory.selectors import stock_drift
from omni.models import ApiClient, StaffRole, User
from orders.demo.data import DEMO_API_CLIENTS, DEMO_PASSWORD, ITALY_LAT, ITALY_LON
from stores.models import Location, OpeningHours, StaffMembership

pytestmark = pytest.mark.django_db

NO_HISTORY = ("--orders", "0", "--movements", "0")


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Seed once for the module inside a transaction that is rolled back at its end; each test runs in
    a savepoint of it, as usual."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield run("seed_demo")
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def seeded(seeded_once, db) -> str:  # type: ignore[no-untyped-def]
    return seeded_once


# These two run first, before the module's seeded database exists.


def test_demo_credentials_on_an_empty_database():
    assert not Location.objects.exists()
    out = run("demo_credentials")
    assert "seed_demo" in out and "omni_demo" not in out


def test_scale_loads_every_sku_at_every_location_through_the_ledger():
    assert not Location.objects.exists()
    err = StringIO()
    call_command(
        "seed_demo", "--scale", "--skus", "50", "--locations", "5", *NO_HISTORY, stdout=StringIO(), stderr=err
    )
    assert "100.0%" in err.getvalue()
    assert Location.objects.filter(code__startswith="BENCH-").count() == 5
    assert Variant.objects.filter(sku__startswith="BENCH-").count() == 50
    assert StockLevel.objects.count() == 250
    assert StockMovement.objects.filter(kind="receipt").count() == 250
    assert not StockLevel.objects.filter(on_hand__lte=0).exists()
    assert all(is_valid_gtin(g) for g in Variant.objects.values_list("gtin", flat=True))
    assert stock_drift() == []
    assert "already loaded" in run("seed_demo", "--scale", "--skus", "50", "--locations", "5", *NO_HISTORY)
    assert StockLevel.objects.count() == 250


def test_network_of_warehouses_and_stores_in_italy(seeded):
    warehouses = Location.objects.filter(kind="warehouse")
    stores = Location.objects.filter(kind="store")
    assert warehouses.count() >= 2 and stores.count() >= 12
    assert {"Milano", "Roma", "Napoli", "Torino", "Palermo", "Cagliari"} <= set(
        stores.values_list("city", flat=True)
    )
    for loc in Location.objects.all():
        assert ITALY_LAT[0] < loc.latitude < ITALY_LAT[1] and ITALY_LON[0] < loc.longitude < ITALY_LON[1]
        assert loc.country == "IT" and loc.address and loc.postcode
        days = set(OpeningHours.objects.filter(location=loc).values_list("weekday", flat=True))
        assert set(range(5)) <= days
    assert all(s.click_and_collect and s.accepts_returns for s in stores)
    assert stores.filter(ships=True).exists() and stores.filter(ships=False).exists()
    assert all(w.ships for w in warehouses)
    assert OpeningHours.objects.filter(weekday=6).exists()  # some stores open on Sunday


def test_every_store_has_a_manager_and_two_associates(seeded):
    for store in Location.objects.filter(kind="store"):
        roles = sorted(StaffMembership.objects.filter(location=store).values_list("user__role", flat=True))
        assert roles == [StaffRole.ASSOCIATE, StaffRole.ASSOCIATE, StaffRole.STORE_MANAGER], store.code
    manager = User.objects.get(username="milano.duomo.manager")
    assert manager.role == StaffRole.STORE_MANAGER and manager.check_password(DEMO_PASSWORD)
    assert User.objects.get(username="milano.duomo.1").role == StaffRole.ASSOCIATE
    assert User.objects.get(username="hq.manager").role == StaffRole.HQ_MANAGER
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD in seeded


def test_catalog_has_valid_unique_gtins_and_euro_prices(seeded):
    assert Product.objects.count() >= 300
    variants = list(Variant.objects.values_list("sku", "gtin", "gtin14", "price", "cost_price"))
    assert len(variants) >= 1500
    gtins = [gtin for _, gtin, _, _, _ in variants]
    assert all(g and len(g) == 13 and is_valid_gtin(g) for g in gtins)
    assert len(set(gtins)) == len(gtins)
    assert all(gtin14 == gtin.zfill(14) for _, gtin, gtin14, _, _ in variants)
    assert all(re.fullmatch(r"[A-Z]{3}-\d{4}-[A-Z0-9]{1,3}-[A-Z]{3}", sku) for sku, *_ in variants)
    assert all(str(price).endswith(".90") and 0 < cost < price for _, _, _, price, cost in variants)
    assert set(Product.objects.values_list("vat_rate", flat=True)) == {Decimal("22.00")}


def test_stock_is_on_the_ledger_without_drift(seeded):
    assert stock_drift() == []
    assert "OK:" in run("check_stock")
    assert StockLevel.objects.count() > 10_000
    assert StockMovement.objects.filter(kind="receipt").count() == StockLevel.objects.count()
    assert StockMovement.objects.filter(kind="sale").exists()
    assert StockLevel.objects.filter(on_hand=0).exists()  # out of stock shows
    assert LowStockAlert.objects.filter(cleared_at__isnull=True).exists()  # low stock shows
    assert not StockLevel.objects.filter(on_hand__lt=0).exists()


def test_demo_tokens_authenticate(seeded):
    for name, role, token, code in DEMO_API_CLIENTS:
        client = ApiClient.objects.get(name=name)
        assert client.role == role and (client.location.code if client.location else None) == code
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = api.get("/api/v1/skus/")
        assert response.status_code == 200, (token, response.content[:300])


def test_second_run_changes_nothing(seeded):
    before = [m.objects.count() for m in (Location, Product, Variant, StockLevel, StockMovement, User)]
    assert "already seeded" in run("seed_demo")
    after = [m.objects.count() for m in (Location, Product, Variant, StockLevel, StockMovement, User)]
    assert before == after


def test_demo_credentials_prints_what_exists(seeded):
    out = run("demo_credentials")
    for _, _, token, _ in DEMO_API_CLIENTS:
        assert token in out
    assert "admin" in out and "hq.manager" in out and "milano.duomo.manager" in out
    assert DEMO_PASSWORD in out
    assert 'curl -H "Authorization: Bearer omni_demo_eshop_token"' in out and "/api/v1/skus/" in out

    ApiClient.objects.filter(name="demo-eshop").update(revoked_at="2026-01-01T00:00:00Z")
    assert "omni_demo_eshop_token" not in run("demo_credentials")


def test_scale_on_top_of_the_demo_network(seeded):
    levels = StockLevel.objects.count()
    run("seed_demo", "--scale", "--skus", "20", "--locations", "3", *NO_HISTORY)
    assert StockLevel.objects.count() == levels + 60
    assert stock_drift() == []


def test_scale_history_keeps_the_ledgers_true_and_feeds_every_report():
    from loyalty.selectors.reconciliation import check_loyalty
    from omni.reports.base import ReportFilters, all_reports
    from omni.reports.runner import count_rows
    from orders.models import Order, OrderLine, Payment, Return, ReturnLine

    err = StringIO()
    call_command(
        "seed_demo",
        "--scale",
        "--skus",
        "60",
        "--locations",
        "4",
        "--orders",
        "200",
        "--movements",
        "500",
        stdout=StringIO(),
        stderr=err,
    )
    assert "History: orders" in err.getvalue() and "History: stock movements" in err.getvalue()
    # the ledger: every level is the sum of its movements, nothing below zero
    assert stock_drift() == []
    assert "OK:" in run("check_stock")
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
    out = run(
        "seed_demo", "--scale", "--skus", "60", "--locations", "4", "--orders", "200", "--movements", "500"
    )
    assert "already loaded" in out
    assert before == [
        m.objects.count() for m in (Order, OrderLine, Return, StockMovement, StockLevel, Member)
    ]
