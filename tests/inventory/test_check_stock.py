from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inventory import services
from inventory.models import StockCheckRun, StockLevel
from inventory.services import StockLine
from inventory.tasks import check_stock_task
from omni.actors import Actor
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked():
    location, variant = LocationFactory(code="MI-CS"), VariantFactory(sku="CS-1")
    services.record_movement(
        actor=Actor.system(), location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=9
    )
    services.reserve_stock(owner="order:cs", lines=[StockLine(location.pk, variant.pk, 2)])
    return location, variant


def test_clean_stock_passes(stocked):
    out = StringIO()
    call_command("check_stock", stdout=out)
    assert "OK: 1 stock levels match" in out.getvalue()
    assert StockCheckRun.objects.get().drift_count == 0


@pytest.mark.parametrize("field", ["on_hand", "reserved"])
def test_drift_is_listed_and_exits_non_zero(stocked, field):
    StockLevel.objects.update(**{field: 8 if field == "on_hand" else 3})
    out = StringIO()
    with pytest.raises(CommandError, match="Stock drift: 1 of 1"):
        call_command("check_stock", stdout=out)
    assert "MI-CS" in out.getvalue() and "CS-1" in out.getvalue()
    run = StockCheckRun.objects.get()
    assert run.drift_count == 1 and run.drift[0]["ledger_sum"] == 9


def test_nightly_task_keeps_the_result(stocked):
    result = check_stock_task.delay().get()
    assert result["drift"] == 0 and StockCheckRun.objects.filter(pk=result["run"]).exists()
