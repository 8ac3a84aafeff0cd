"""GDPR erasure reaches the orders: loyalty erases the person, the orders' copy goes in the same
transaction; the figures stay and the ledgers still reconcile."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command

from inventory.selectors import stock_drift
from inventory.services import record_movement
from loyalty import services as loyalty
from omni.actors import Actor
from orders.models import Order, OrderEmail, WebhookEvent, WebhookSubscription
from orders.services import CustomerInput, FulfilmentInput, LineInput, place_order
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
ADDRESS = {"line1": "Via Toledo 1", "city": "Napoli", "postcode": "80134", "country": "IT"}


@pytest.fixture
def net():
    store = LocationFactory(code="MI-P")
    hub = WarehouseFactory(code="WH-P")
    tee = VariantFactory(sku="TEE-P", price=Decimal("19.90"))
    for loc in (store, hub):
        record_movement(actor=HQ, location_id=loc.pk, variant_id=tee.pk, kind="receipt", quantity=10)
    WebhookSubscription.objects.create(name="shop", url="https://shop.example/hook", secret="s", events=["*"])
    return {"store": store}


def order_for(email: str, fulfilment: FulfilmentInput, channel: str = "web") -> Order:
    return place_order(
        actor=HQ,
        channel=channel,
        customer=CustomerInput(email=email, first_name="Giulia", last_name="Rossi", phone="+39333"),
        lines=[LineInput("TEE-P", 1)],
        fulfilment=fulfilment,
    )


def test_erasing_a_customer_anonymises_their_orders_and_keeps_the_figures(net):
    member = loyalty.enroll_member(
        email="giulia@example.it", first_name="Giulia", last_name="Rossi", actor=HQ
    )
    with mock.patch("orders.services.webhooks.enqueue"):
        delivery = order_for("Giulia@Example.it", FulfilmentInput(type="delivery", address=ADDRESS))
        sale = order_for("giulia@example.it", FulfilmentInput(type="carry_out", location="MI-P"), "store")
        other = order_for("marco@example.it", FulfilmentInput(type="delivery", address=ADDRESS))
    OrderEmail.objects.create(order=delivery, kind="confirmation", to="giulia@example.it")
    total_before = sale.total

    loyalty.erase_customer(customer=member.customer, actor=HQ, reason="GDPR request 42")

    for order in (delivery, sale):
        order.refresh_from_db()
        assert (order.customer_email, order.customer_first_name, order.customer_last_name) == ("", "", "")
        assert order.customer_phone == "" and order.delivery_address is None
        assert order.events.filter(kind="erased").count() == 1
        for event in WebhookEvent.objects.filter(order=order):
            assert "giulia" not in str(event.payload).lower()
    assert OrderEmail.objects.get(order=delivery).to == ""
    sale.refresh_from_db()
    assert sale.total == total_before and sale.lines.count() == 1
    other.refresh_from_db()
    assert other.customer_email == "marco@example.it" and other.delivery_address == ADDRESS
    assert stock_drift() == []
    call_command("check_loyalty")


def test_an_erased_order_still_reads_through_the_api(net, make_api_client):
    member = loyalty.enroll_member(email="giulia@example.it", actor=HQ)
    with mock.patch("orders.services.webhooks.enqueue"):
        order = order_for("giulia@example.it", FulfilmentInput(type="delivery", address=ADDRESS))
    loyalty.erase_customer(customer=member.customer, actor=HQ, reason="GDPR request 43")
    body = make_api_client("integration").get(f"/api/v1/orders/{order.number}/").json()
    assert body["customer"]["email"] == "" and body["fulfilment"]["address"] is None
