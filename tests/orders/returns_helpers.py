"""Shared set-up of the return tests: a small network (two stores that accept returns, one that does not, a
warehouse that takes returns by post and one that does not) and completed orders of every channel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from inventory.models import StockLevel
from inventory.services import record_movement
from omni.actors import Actor
from orders.models import Order, OrderLine
from orders.services import CustomerInput, FulfilmentInput, LineInput, PaymentInput, place_order, ship_order
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

HQ = Actor.system()
EMAIL = "giulia@example.it"


def receive(location: Any, variant: Any, quantity: int) -> None:
    record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def make_net() -> dict[str, Any]:
    milano = LocationFactory(code="MI-RET", name="Milano Returns", accepts_returns=True, ships=True)
    roma = LocationFactory(code="RM-RET", name="Roma", accepts_returns=True)
    outlet = LocationFactory(code="NO-RET", name="Outlet", accepts_returns=False)
    post = WarehouseFactory(code="WH-POST", accepts_returns=True)
    hub = WarehouseFactory(code="WH-HUB", accepts_returns=False)
    tee = VariantFactory(sku="TEE-R", price=Decimal("19.90"))
    jeans = VariantFactory(sku="JNS-R", price=Decimal("59.90"))
    cap = VariantFactory(sku="CAP-R", price=Decimal("9.90"))
    for location in (milano, roma, outlet, hub):
        for variant in (tee, jeans, cap):
            receive(location, variant, 10)
    return {
        "milano": milano,
        "roma": roma,
        "outlet": outlet,
        "post": post,
        "hub": hub,
        "tee": tee,
        "jeans": jeans,
        "cap": cap,
    }


def till_sale(
    location: Any, lines: tuple[tuple[str, int], ...], *, email: str = EMAIL, method: str = "card"
) -> Order:
    """A carry_out sale at the till: completed at once."""
    return place_order(
        actor=HQ,
        channel="store",
        lines=[LineInput(sku, q) for sku, q in lines],
        fulfilment=FulfilmentInput(type="carry_out", location=location.code),
        customer=CustomerInput(email=email, first_name="Giulia"),
        payment=PaymentInput(method=method, status="captured"),
    )


def shipped_web_order(lines: tuple[tuple[str, int], ...], *, actor: Actor = HQ, email: str = EMAIL) -> Order:
    order = place_order(
        actor=actor,
        channel="web",
        lines=[LineInput(sku, q) for sku, q in lines],
        fulfilment=FulfilmentInput(
            type="delivery",
            address={"line1": "Via Toledo 1", "city": "Napoli", "postcode": "80134", "country": "IT"},
        ),
        customer=CustomerInput(email=email, first_name="Giulia"),
        payment=PaymentInput(method="card", status="authorised"),
    )
    ship_order(actor=HQ, number=order.number)
    return Order.objects.get(pk=order.pk)


def completed_days_ago(order: Order, days: int) -> Order:
    Order.objects.filter(pk=order.pk).update(completed_at=timezone.now() - timedelta(days=days))
    return Order.objects.get(pk=order.pk)


def set_line(order: Order, sku: str, **fields: Any) -> None:
    """Pretend a line was priced with these stored figures (points redeemed shared onto it, say)."""
    OrderLine.objects.filter(order=order, sku=sku).update(**fields)


def on_hand(location: Any, variant: Any) -> int:
    return StockLevel.objects.get(location=location, variant=variant).on_hand


def available(location: Any, variant: Any) -> int:
    return int(StockLevel.objects.get(location=location, variant=variant).available)
