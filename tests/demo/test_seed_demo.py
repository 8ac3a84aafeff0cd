"""seed_demo (the demo network and --scale benchmark data) and demo_credentials."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from rest_framework.test import APIClient

from demo.seed.data import DEMO_API_CLIENTS, DEMO_PASSWORD, ITALY_LAT, ITALY_LON
from inventory.gtin import is_valid_gtin
from inventory.models import LowStockAlert, Product, StockLevel, StockMovement, Variant
from inventory.selectors import stock_drift
from omni.models import ApiClient, StaffRole, User
from stores.models import Location, OpeningHours, StaffMembership

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

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
            yield run("seed_demo", "--force")
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
        "seed_demo",
        "--force",
        "--scale",
        "--skus",
        "50",
        "--locations",
        "5",
        *NO_HISTORY,
        stdout=StringIO(),
        stderr=err,
    )
    assert "100.0%" in err.getvalue()
    assert Location.objects.filter(code__startswith="BENCH-").count() == 5
    assert Variant.objects.filter(sku__startswith="BENCH-").count() == 50
    assert StockLevel.objects.count() == 250
    assert StockMovement.objects.filter(kind="receipt").count() == 250
    assert not StockLevel.objects.filter(on_hand__lte=0).exists()
    assert all(is_valid_gtin(g) for g in Variant.objects.values_list("gtin", flat=True))
    assert stock_drift() == []
    assert "already loaded" in run(
        "seed_demo", "--force", "--scale", "--skus", "50", "--locations", "5", *NO_HISTORY
    )
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


@pytest.mark.parametrize("args", [(), ("--scale", "--skus", "5", "--locations", "1", *NO_HISTORY)])
def test_refused_with_debug_off_unless_forced(settings, args):
    """The demo network publishes admin/omni-demo and an integration token: never on a deployment."""
    settings.DEBUG = False
    before = [m.objects.count() for m in (Location, User, ApiClient, StockLevel)]
    with pytest.raises(CommandError, match="DJANGO_DEBUG") as refused:
        run("seed_demo", *args)
    assert "--force" in str(refused.value)
    assert [m.objects.count() for m in (Location, User, ApiClient, StockLevel)] == before


def test_debug_on_seeds_without_force(seeded, settings):
    settings.DEBUG = True
    assert "already seeded" in run("seed_demo")


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
    assert "already seeded" in run("seed_demo", "--force")
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
    run("seed_demo", "--force", "--scale", "--skus", "20", "--locations", "3", *NO_HISTORY)
    assert StockLevel.objects.count() == levels + 60
    assert stock_drift() == []


def test_the_demo_has_a_mornings_trading_for_the_desks_and_reports(seeded):
    from loyalty.models import Member
    from omni.reports.base import ReportFilters, get_report
    from omni.reports.runner import count_rows
    from orders.models import Order, Return

    orders = Order.objects.all()
    assert orders.count() > 40 and all(o.events.exists() for o in orders[:10])  # through the services
    assert set(orders.values_list("fulfilment_type", flat=True)) == {"carry_out", "pickup", "delivery"}
    assert {"ready_for_pickup", "collected", "completed"} <= set(orders.values_list("status", flat=True))
    assert Return.objects.exists() and Member.objects.filter(points_balance__gt=0).exists()
    assert stock_drift() == [] and "OK" in run("check_loyalty")
    for slug in ("sales-by-channel", "click-and-collect", "returns", "loyalty"):
        assert count_rows(get_report(slug), ReportFilters()) > 0, slug


def test_the_demo_has_customer_segments_sized_today(seeded):
    from django.utils import timezone

    from omni.reports.base import ReportFilters, get_report
    from omni.reports.runner import count_rows
    from orders.models import Segment, SegmentSize
    from orders.selectors.segments import member_counts

    segments = list(Segment.objects.order_by("code"))
    assert [s.code for s in segments] == ["app-users", "big-spenders", "gold", "lapsed"]
    sizes = dict(SegmentSize.objects.filter(day=timezone.localdate()).values_list("segment_id", "members"))
    assert sizes == member_counts(segments)  # today's, counted from the rules: no invented history
    assert not SegmentSize.objects.exclude(day=timezone.localdate()).exists()
    assert sizes[next(s.pk for s in segments if s.code == "app-users")] > 0
    assert count_rows(get_report("segment-sizes"), ReportFilters()) == 4
