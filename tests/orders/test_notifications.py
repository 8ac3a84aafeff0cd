"""Customer emails: queued after commit, sent once, text and HTML, with the lines, total and fulfilment."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail

from inventory.exceptions import InsufficientStock
from inventory.services import record_movement
from omni.actors import Actor
from orders.models import OrderEmail
from orders.services import (
    CustomerInput,
    FulfilmentInput,
    LineInput,
    cancel_order,
    place_order,
    ship_order,
)
from orders.services.notifications import send_order_email
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
CUSTOMER = CustomerInput(email="giulia@example.it", first_name="Giulia", last_name="Rossi")
ADDRESS = {"line1": "Via Toledo 1", "city": "Napoli", "postcode": "80134", "country": "IT"}


@pytest.fixture
def net():
    hub = WarehouseFactory(code="PC-WH", latitude=Decimal("45.05"), longitude=Decimal("9.69"))
    store = LocationFactory(code="MI-A", name="Milano Duomo", address="Piazza Duomo 1", postcode="20121")
    tee = VariantFactory(sku="TEE-M", price=Decimal("19.90"))
    for location in (hub, store):
        record_movement(actor=HQ, location_id=location.pk, variant_id=tee.pk, kind="receipt", quantity=10)
    return {"hub": hub, "store": store, "tee": tee}


def deliver(quantity=2):
    return place_order(
        actor=HQ,
        channel="web",
        customer=CUSTOMER,
        lines=[LineInput("TEE-M", quantity)],
        fulfilment=FulfilmentInput(type="delivery", address=ADDRESS),
    )


def html_of(message) -> str:
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return html


def test_placing_an_order_sends_the_confirmation_after_commit(
    net, django_capture_on_commit_callbacks, settings
):
    settings.OMNI_CUSTOMER_LANGUAGE = "en"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = deliver()
    assert mail.outbox == []  # nothing is sent inside the transaction
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == ["giulia@example.it"]
    assert order.number in message.subject and "confirmed" in message.subject
    for body in (message.body, html_of(message)):
        assert order.number in body
        assert "TEE-M" in body and "39.80 EUR" in body
        assert "Via Toledo 1" in body and "Napoli" in body
    assert "Giulia" in message.body
    assert "<table" in html_of(message)


def test_a_pickup_confirmation_names_the_store_and_its_address(
    net, django_capture_on_commit_callbacks, settings
):
    settings.OMNI_CUSTOMER_LANGUAGE = "en"
    with django_capture_on_commit_callbacks(execute=True):
        place_order(
            actor=HQ,
            channel="web",
            customer=CUSTOMER,
            lines=[LineInput("TEE-M", 1)],
            fulfilment=FulfilmentInput(type="pickup", location="MI-A"),
        )
    [message] = mail.outbox
    assert "Milano Duomo" in message.body and "Piazza Duomo 1" in message.body
    assert "Milano Duomo" in html_of(message)


def test_shipping_sends_the_shipped_email_with_carrier_and_tracking(
    net, django_capture_on_commit_callbacks, settings
):
    settings.OMNI_CUSTOMER_LANGUAGE = "en"
    order = deliver()
    with django_capture_on_commit_callbacks(execute=True):
        ship_order(actor=HQ, number=order.number, carrier="BRT", tracking="TRK-123")
    [message] = mail.outbox
    assert "shipped" in message.subject and order.number in message.subject
    for body in (message.body, html_of(message)):
        assert "BRT" in body and "TRK-123" in body


def test_cancelling_sends_the_cancelled_email(net, django_capture_on_commit_callbacks):
    order = deliver()
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(actor=HQ, number=order.number)
    [message] = mail.outbox
    assert order.number in message.subject and message.alternatives
    assert OrderEmail.objects.get(order=order, kind="cancelled").sent_at is not None


def test_a_till_sale_sends_a_receipt_only_when_the_customer_gave_an_email(
    net, django_capture_on_commit_callbacks
):
    def sell(customer):
        return place_order(
            actor=HQ,
            channel="store",
            customer=customer,
            lines=[LineInput("TEE-M", 1)],
            fulfilment=FulfilmentInput(type="carry_out", location="MI-A"),
        )

    with django_capture_on_commit_callbacks(execute=True):
        sell(None)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        order = sell(CUSTOMER)
    [message] = mail.outbox
    assert order.status == "completed" and order.number in message.body


def test_a_failed_placement_queues_no_email(net, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InsufficientStock):
        deliver(quantity=50)
    assert mail.outbox == [] and not OrderEmail.objects.exists()


def test_the_email_task_is_idempotent(net):
    order = deliver()  # under the test transaction nothing is queued: send it by hand, twice
    assert send_order_email(order_id=order.pk, kind="confirmation") is True
    assert send_order_email(order_id=order.pk, kind="confirmation") is False
    assert len(mail.outbox) == 1


def test_italian_is_the_default_language(net):
    order = deliver()
    with mock.patch("omni.emails.translation.override") as override:
        override.return_value.__enter__ = mock.Mock(return_value=None)
        override.return_value.__exit__ = mock.Mock(return_value=False)
        send_order_email(order_id=order.pk, kind="confirmation")
    override.assert_called_once_with("it")
