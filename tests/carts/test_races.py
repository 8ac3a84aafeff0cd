"""Concurrent checkouts of one cart (two devices, the till and the app), each thread on its own database
connection against committed data: exactly one order, the other gets 409 invalid_transition, the cart is
converted once."""

from __future__ import annotations

import pytest

from carts import services
from carts.models import Cart, CartStatus
from carts.services.carts import CartLineInput
from inventory.models import StockLevel
from omni.actors import Actor
from orders import services as orders
from orders.models import Order
from tests.inventory.factories import VariantFactory
from tests.orders.conftest import stock
from tests.races import run_together
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db(transaction=True)

HQ = Actor.system()


def test_four_concurrent_checkouts_of_one_cart_place_one_order():
    store = LocationFactory(code="MI-RACE-C")
    tee = VariantFactory(sku="TEE-RACE")
    stock(store, tee, 20)
    cart = services.create_cart(
        actor=HQ, channel="kiosk", email="race@example.it", lines=[CartLineInput("TEE-RACE", 2)]
    )

    def checkout() -> str:
        _, order = services.checkout_cart(
            actor=HQ,
            cart_id=cart.pk,
            channel="store",
            fulfilment=orders.FulfilmentInput(type="carry_out", location="MI-RACE-C"),
        )
        return order.number

    outcomes = run_together([checkout] * 4)
    numbers = [o for o in outcomes if o not in ("invalid_transition",)]
    assert len(numbers) == 1 and outcomes.count("invalid_transition") == 3, outcomes
    assert Order.objects.count() == 1
    order = Order.objects.get()
    assert order.number == numbers[0] and order.started_channel == "kiosk"
    converted = Cart.objects.get(pk=cart.pk)
    assert converted.status == CartStatus.CONVERTED and converted.order_id == order.pk
    assert StockLevel.objects.get(location=store, variant=tee).on_hand == 18  # sold once
