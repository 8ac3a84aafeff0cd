"""The orders tests' small network (two stores, a warehouse, two SKUs) and API clients of every role."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory import services as stock_services
from omni.actors import Actor
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory, WarehouseFactory


def stock(location, variant, quantity: int) -> None:
    stock_services.record_movement(
        actor=Actor.system(),
        location_id=location.pk,
        variant_id=variant.pk,
        kind="receipt",
        quantity=quantity,
    )


@pytest.fixture
def milano():
    return LocationFactory(code="MI-1", latitude="45.464200", longitude="9.190000", click_and_collect=True)


@pytest.fixture
def roma():
    return LocationFactory(
        code="RM-1", latitude="41.902800", longitude="12.496400", click_and_collect=False, ships=True
    )


@pytest.fixture
def hub():
    return WarehouseFactory(code="WH-1", latitude="45.052000", longitude="9.693000")


@pytest.fixture
def tee():
    return VariantFactory(sku="TEE-1", price=Decimal("19.90"))


@pytest.fixture
def jeans():
    return VariantFactory(sku="JNS-1", price=Decimal("59.90"))


@pytest.fixture
def net(milano, roma, hub, tee, jeans):
    stock(hub, tee, 10)
    stock(hub, jeans, 10)
    stock(milano, tee, 5)
    return {"milano": milano, "roma": roma, "hub": hub, "tee": tee, "jeans": jeans}


@pytest.fixture
def api(make_api_client, milano):
    """api("store") -> a client of that role; kiosk and store are bound to MI-1 unless told otherwise."""

    def make(role: str = "integration", location=None) -> APIClient:
        if role in ("kiosk", "store") and location is None:
            location = milano
        return make_api_client(role, location=location)

    return make
