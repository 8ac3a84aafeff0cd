"""The offline tests' small world: a store with two SKUs in stock, another store, an associate and a manager
of the first, a loyalty member, and a helper that builds an action's body as a tablet sends it."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest

from inventory.gtin import make_gtin
from inventory.services import record_movement
from loyalty import services as loyalty
from omni.actors import Actor
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

HQ = Actor.system()
EMAIL = "giulia.offline@example.it"
HAPPENED = "2026-12-05T10:15:00+01:00"
TEE_GTIN = make_gtin("800123456789")


def receive(location: Any, variant: Any, quantity: int) -> None:
    record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    milano = LocationFactory(code="MI-OFF", name="Milano Offline")
    torino = LocationFactory(code="TO-OFF", name="Torino Offline")
    tee = VariantFactory(
        product=ProductFactory(name="T-shirt"), sku="TEE-OFF", gtin=TEE_GTIN, price=Decimal("19.90")
    )
    jeans = VariantFactory(product=ProductFactory(name="Jeans"), sku="JNS-OFF", price=Decimal("59.90"))
    receive(milano, tee, 10)
    receive(milano, jeans, 10)
    receive(torino, tee, 10)
    anna = UserFactory(username="anna-off", role="associate", locations=[milano])
    marco = UserFactory(username="marco-off", role="store_manager", locations=[milano])
    tina = UserFactory(username="tina-off", role="store_manager", locations=[torino])
    return {
        "milano": milano,
        "torino": torino,
        "tee": tee,
        "jeans": jeans,
        "anna": anna,
        "marco": marco,
        "tina": tina,
        "device": uuid.uuid4(),
    }


@pytest.fixture
def member(db):  # type: ignore[no-untyped-def]
    m = loyalty.enroll_member(email=EMAIL, first_name="Giulia", last_name="Rossi", actor=HQ)
    m.refresh_from_db()
    return m


def sale_body(
    lines: list[tuple[str, int, str]],
    *,
    device: Any,
    location: str = "MI-OFF",
    key: str | None = None,
    card: str = "",
    method: str = "cash",
    happened_at: str = HAPPENED,
) -> dict[str, Any]:
    total = sum((Decimal(price) * qty for _sku, qty, price in lines), Decimal("0.00"))
    payload: dict[str, Any] = {
        "lines": [{"sku": sku, "quantity": qty, "unit_price": price} for sku, qty, price in lines],
        "payment": {"method": method},
        "total": str(total),
    }
    if card:
        payload["card_number"] = card
    return {
        "key": key or str(uuid.uuid4()),
        "kind": "sale",
        "device": str(device),
        "location": location,
        "happened_at": happened_at,
        "catalog_version": "v-test",
        "payload": payload,
    }


def action_body(
    kind: str, payload: dict[str, Any], *, device: Any, location: str = "MI-OFF"
) -> dict[str, Any]:
    return {
        "key": str(uuid.uuid4()),
        "kind": kind,
        "device": str(device),
        "location": location,
        "happened_at": HAPPENED,
        "catalog_version": "v-test",
        "payload": payload,
    }
