"""Webhooks: the outbox is written with the order change, deliveries are signed, retried with backoff,
claimed by one worker at a time, scoped to the e-shop's own orders, and survive a broker outage."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
import requests
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from inventory.exceptions import InsufficientStock
from inventory.services import record_movement
from omni.actors import Actor
from omni.services import create_api_client
from orders.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookSubscription
from orders.services import CustomerInput, FulfilmentInput, LineInput, cancel_order, place_order, webhooks
from orders.tasks import retry_webhooks_task
from tests.inventory.factories import VariantFactory
from tests.stores.factories import WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
SECRET = "s3cret-for-tests"
ADDRESS = {"line1": "Via Toledo 1", "city": "Napoli", "postcode": "80134", "country": "IT"}


@pytest.fixture
def tee():
    hub = WarehouseFactory(code="PC-WH", latitude=Decimal("45.05"), longitude=Decimal("9.69"))
    variant = VariantFactory(sku="TEE-M", price=Decimal("19.90"))
    record_movement(actor=HQ, location_id=hub.pk, variant_id=variant.pk, kind="receipt", quantity=10)
    return variant


@pytest.fixture
def subscription():
    return WebhookSubscription.objects.create(
        name="E-shop", url="https://shop.example/hooks", secret=SECRET, events=["*"]
    )


def place(actor=HQ, channel="web", quantity=1):
    return place_order(
        actor=actor,
        channel=channel,
        customer=CustomerInput(email="giulia@example.it", first_name="Giulia"),
        lines=[LineInput("TEE-M", quantity)],
        fulfilment=FulfilmentInput(type="delivery", address=ADDRESS),
    )


def response(status: int) -> mock.Mock:
    return mock.Mock(status_code=status)


def test_the_signature_is_the_hmac_of_the_raw_body(tee, subscription, django_capture_on_commit_callbacks):
    with mock.patch("orders.services.webhooks.requests.post", return_value=response(200)) as post:
        with django_capture_on_commit_callbacks(execute=True):
            order = place()
    assert post.call_count == 1
    (url,), kwargs = post.call_args
    body, headers = kwargs["data"], kwargs["headers"]
    assert url == subscription.url and kwargs["timeout"] == 5
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["Omni-Signature"] == f"sha256={expected}"
    assert webhooks.verify_signature(body, headers["Omni-Signature"], SECRET)
    assert not webhooks.verify_signature(body + b" ", headers["Omni-Signature"], SECRET)
    assert not webhooks.verify_signature(body, headers["Omni-Signature"], "another secret")
    assert headers["Omni-Event"] == "order.placed"
    delivery = WebhookDelivery.objects.get()
    assert headers["Omni-Delivery"] == str(delivery.pk)
    assert abs(int(headers["Omni-Timestamp"]) - timezone.now().timestamp()) < 60
    sent = json.loads(body)
    assert sent["type"] == "order.placed"
    assert sent["order"]["number"] == order.number and sent["order"]["total"] == "19.90"
    assert sent["order"]["lines"] == [
        {"sku": "TEE-M", "name": mock.ANY, "quantity": 1, "line_total": "19.90"}
    ]
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_the_outbox_row_rolls_back_with_a_failed_placement(tee, subscription):
    with pytest.raises(InsufficientStock):
        place(quantity=11)
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()


def test_each_order_change_writes_one_event_per_matching_subscription(tee, subscription):
    WebhookSubscription.objects.create(
        name="Only cancellations", url="https://erp.example/", secret="x", events=["order.cancelled"]
    )
    WebhookSubscription.objects.create(
        name="Off", url="https://off.example/", secret="x", events=["*"], active=False
    )
    with mock.patch("orders.services.webhooks.requests.post", return_value=response(204)):
        order = place()
        cancel_order(actor=HQ, number=order.number)
    assert list(WebhookEvent.objects.order_by("id").values_list("event_type", flat=True)) == [
        "order.placed",
        "order.cancelled",
    ]
    assert WebhookDelivery.objects.filter(event__event_type="order.placed").count() == 1
    assert WebhookDelivery.objects.filter(event__event_type="order.cancelled").count() == 2


def test_a_500_and_a_connection_error_are_retried_with_growing_backoff_then_failed(
    tee, subscription, settings
):
    settings.OMNI_WEBHOOK_MAX_ATTEMPTS = 4
    failures = [response(500), requests.ConnectionError("refused"), response(502), response(500)]
    with mock.patch("orders.services.webhooks.requests.post", side_effect=failures) as post:
        place()  # not committed under the test transaction: only the retry task sends
        delivery = WebhookDelivery.objects.get()
        waits = []
        for attempt in range(1, 5):
            before = timezone.now()
            assert retry_webhooks_task.delay().get()
            delivery.refresh_from_db()
            assert delivery.attempts == attempt
            if attempt < 4:
                assert delivery.status == DeliveryStatus.PENDING
                waits.append(delivery.next_attempt_at - before)
                # not due yet: the beat task leaves it alone
                assert retry_webhooks_task.delay().get() == {"delivered": 0, "pending": 0, "failed": 0}
                WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert post.call_count == 4
    assert [round(w / timedelta(minutes=1)) for w in waits] == [1, 2, 4]
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert delivery.last_response_code == 500 and delivery.last_error == "HTTP 500"
    with mock.patch("orders.services.webhooks.requests.post") as post:
        assert webhooks.deliver(delivery.pk) == "skipped"
    post.assert_not_called()


def test_a_connection_error_is_recorded(tee, subscription):
    with mock.patch("orders.services.webhooks.requests.post", side_effect=requests.Timeout("slow")):
        place()
        retry_webhooks_task.delay()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_response_code is None and "Timeout" in delivery.last_error


def test_nothing_is_lost_when_the_broker_is_down(tee, subscription, django_capture_on_commit_callbacks):
    with (
        mock.patch("orders.tasks.deliver_webhook_task.delay", side_effect=BrokerError("no broker")),
        mock.patch("orders.services.webhooks.requests.post") as post,
        django_capture_on_commit_callbacks(execute=True),
    ):
        order = place()
    post.assert_not_called()
    assert order.pk and WebhookDelivery.objects.get().status == "pending"
    with mock.patch("orders.services.webhooks.requests.post", return_value=response(200)) as post:
        assert retry_webhooks_task.delay().get() == {"delivered": 1, "pending": 0, "failed": 0}
        assert retry_webhooks_task.delay().get() == {"delivered": 0, "pending": 0, "failed": 0}
    assert post.call_count == 1
    assert WebhookDelivery.objects.get().status == "delivered"


def test_a_delivery_locked_by_another_worker_is_skipped(tee, subscription):
    place()
    delivery = WebhookDelivery.objects.get()
    with mock.patch("orders.services.webhooks.requests.post", return_value=response(200)) as post:
        # another worker has claimed it: its lease pushed the next attempt into the future
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() + webhooks.LEASE)
        assert webhooks.deliver(delivery.pk) == "skipped"
        assert retry_webhooks_task.delay().get()["delivered"] == 0
    post.assert_not_called()


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_claim_the_same_delivery(tee, subscription):
    import threading

    from django.db import connection

    with mock.patch("orders.services.webhooks.enqueue"):
        place()
    delivery = WebhookDelivery.objects.get()
    claimed: list[object] = []
    inside = threading.Event()
    release = threading.Event()

    def slow_post(*args, **kwargs):
        inside.set()
        release.wait(5)
        return response(200)

    def worker():
        try:
            claimed.append(len(webhooks._claim(webhooks.Q(pk=delivery.pk))))
        finally:
            connection.close()

    # worker 1 holds the row lock while worker 2 tries: skip_locked gives worker 2 nothing
    from django.db import transaction

    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(10)
        assert locked.pk and claimed == [0]
    # after the claim commits, its lease keeps the delivery from a second worker while the first sends
    with mock.patch("orders.services.webhooks.requests.post", side_effect=slow_post):

        def first_worker():
            try:
                claimed.append(webhooks.deliver(delivery.pk) == "delivered")
            finally:
                connection.close()

        first = threading.Thread(target=first_worker)
        first.start()
        assert inside.wait(5)
        assert webhooks.deliver(delivery.pk) == "skipped"
        release.set()
        first.join(10)
    assert claimed == [0, True]
    assert WebhookDelivery.objects.get().attempts == 1


def test_an_eshop_subscription_receives_only_its_own_orders(tee, subscription):
    shop, _ = create_api_client(name="shop-a", role="eshop")
    other, _ = create_api_client(name="shop-b", role="eshop")
    own = WebhookSubscription.objects.create(
        name="Shop A", url="https://a.example/", secret="a", events=["order.placed"], api_client=shop
    )
    mine = place(actor=Actor.for_client(shop))
    theirs = place(actor=Actor.for_client(other))
    place()
    assert set(own.deliveries.values_list("event__payload__number", flat=True)) == {mine.number}
    assert theirs.number not in set(own.deliveries.values_list("event__payload__number", flat=True))
    # the unscoped subscription receives every order
    assert subscription.deliveries.count() == 3
