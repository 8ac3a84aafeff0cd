"""The placement benchmark's own code runs against the current schema (make bench is not in CI): the
raw-SQL baseline writes orders the database accepts, the in-process profile places real orders, and a
failing client fails the run instead of vanishing."""

from decimal import Decimal

import pytest
from django.db import connection

from inventory.models import Reservation
from inventory.services import record_movement
from omni.actors import Actor
from omni.dburl import url_for
from orders import bench
from orders.models import Order
from tests.inventory.factories import VariantFactory
from tests.stores.factories import WarehouseFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def skus():
    hub = WarehouseFactory(code="WH-B")
    variants = [VariantFactory(sku=f"B-{i}", price=Decimal("10.00")) for i in range(6)]
    for variant in variants:
        record_movement(
            actor=Actor.system(), location_id=hub.pk, variant_id=variant.pk, kind="receipt", quantity=500
        )
    return [v.sku for v in variants]


def test_the_raw_sql_baseline_places_orders(skus):
    run = bench.raw_sql_run(url_for(connection.settings_dict), skus, concurrency=2, seconds=0.5)
    assert run.placed > 0
    assert Order.objects.filter(number__startswith="R-").count() == run.placed
    assert Reservation.objects.filter(owner__startswith="order:R-").count() == run.placed * bench.LINES


def test_the_profile_places_orders_through_the_service(skus):
    profile = bench.profile_service(skus, orders=3)
    assert profile.queries > 0 and profile.mean_ms > 0
    assert Order.objects.count() == 14  # 10 to warm up, 3 timed, 1 profiled


def test_a_failing_client_fails_the_run():
    def work(n, deadline):
        raise ValueError("broken")

    with pytest.raises(RuntimeError, match="2 of 2"):
        bench._run_threads(2, 0.1, work)
