"""Webhooks for the e-shop: subscriptions, an outbox written with the order change, signed delivery.

`record_event` runs inside the transaction that changed the order: it writes one `WebhookEvent` and one
pending `WebhookDelivery` per matching subscription, so they exist exactly when the change does. After
commit each delivery is queued (`deliver_webhook_task`); the beat task `retry_webhooks_task` sends
whatever is still pending and due, so nothing is lost when the broker or the receiver is down.

A delivery is a POST of JSON with the headers
    Omni-Event: order.placed
    Omni-Delivery: <delivery id>
    Omni-Timestamp: <unix seconds of this attempt>
    Omni-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the subscription's secret>
A 2xx answer delivers it; anything else (or no answer in 5 s) schedules another attempt after
1, 2, 4, 8 ... minutes (capped at an hour); after OMNI_WEBHOOK_MAX_ATTEMPTS (8) it is failed."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from omni import outbox
from omni.cache_versions import VersionedValue
from orders.locks import webhook_deliveries_skip_locked
from orders.models import (
    DeliveryStatus,
    Order,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
MAX_BACKOFF_MINUTES = 60
# A claimed delivery is not due again for this long: a worker that dies mid-request leaves it to be retried.
LEASE = timedelta(minutes=2)
BATCH = 100
SIGNATURE_PREFIX = "sha256="


def max_attempts() -> int:
    return int(getattr(settings, "OMNI_WEBHOOK_MAX_ATTEMPTS", 8))


# --- Writing the outbox (inside the order's transaction) ---


def _load_active() -> list[WebhookSubscription]:
    return list(WebhookSubscription.objects.filter(active=True).order_by("pk"))


# Every active subscription, in this process's memory; rebuilt when any changes (omni.cache_versions:
# orders' migration 0006 bumps "webhooks"). Every order change asks, most of them of none.
_active: VersionedValue[list[WebhookSubscription]] = VersionedValue(("webhooks",), _load_active)


def subscriptions_for(order: Order, event_type: str) -> list[WebhookSubscription]:
    """Active subscriptions that want this event for this order: global ones, and the order's client's own."""
    return [
        s
        for s in _active.get()
        if (s.api_client_id is None or s.api_client_id == order.api_client_id)
        and (event_type in s.events or "*" in s.events)
    ]


def order_payload(order: Order) -> dict[str, Any]:
    """What a receiver learns about the order: plain JSON (amounts as strings, times in ISO 8601)."""

    def when(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "number": order.number,
        "status": order.status,
        "channel": order.channel,
        "fulfilment_type": order.fulfilment_type,
        "currency": order.currency,
        "subtotal": str(order.subtotal),
        "discount": str(order.discount),
        "total": str(order.total),
        "vat_total": str(order.vat_total),
        "customer_email": order.customer_email,
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "line_total": str(line.line_total),
            }
            for line in order.lines.all()
        ],
        "shipments": [
            {
                "status": s.status,
                "carrier": s.carrier,
                "tracking": s.tracking,
                "shipped_at": when(s.shipped_at),
            }
            for s in order.shipments.all()
        ],
        "created_at": when(order.created_at),
        # click and collect (never the pickup code: it is the customer's, shown by the API to its e-shop)
        "promised_ready_at": when(order.promised_ready_at),
        "ready_at": when(order.ready_at),
        "expires_at": when(order.expires_at),
        "completed_at": when(order.completed_at),
        "shipped_at": when(order.shipped_at),
        "cancelled_at": when(order.cancelled_at),
        "cancel_reason": order.cancel_reason,
    }


def record_event(order: Order, event_type: str, *, extra: dict[str, Any] | None = None) -> None:
    """Write the event to the outbox in the caller's transaction; queue its deliveries after commit.
    `extra` is merged into the payload (e.g. `return` on order.returned)."""
    subscriptions = subscriptions_for(order, event_type)
    if not subscriptions:
        return
    payload = {**order_payload(order), **(extra or {})}
    event = WebhookEvent.objects.create(event_type=event_type, order=order, payload=payload)
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=s, event=event, next_attempt_at=now) for s in subscriptions]
    )
    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: enqueue(ids), robust=True)


def enqueue(delivery_ids: list[int]) -> None:
    """Hand the deliveries to a worker, without blocking or raising: the deliveries are their own outbox,
    so one the broker did not take (or lost) is sent by retry_webhooks_task when it is due."""
    for delivery_id in delivery_ids:
        if not outbox.publish_task("orders.tasks.deliver_webhook_task", delivery_id):
            logger.warning("Broker unreachable: webhook delivery %s waits for the retry task.", delivery_id)
            return


# --- Signing ---


def sign(body: bytes, secret: str) -> str:
    """The Omni-Signature header value for this body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_PREFIX}{digest}"


def verify_signature(body: bytes, header: str, secret: str) -> bool:
    """For receivers (and tests): is `header` the Omni-Signature of this raw body? Constant-time."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(sign(body, secret), header.strip())


def body_for(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    envelope = {
        "id": event.pk,
        "type": event.event_type,
        "created_at": event.created_at.isoformat(),
        "order": event.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()


# --- Delivering ---


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: int | None
    error: str


def backoff(attempts: int) -> timedelta:
    """After the n-th failed attempt: 1, 2, 4, 8 ... minutes, capped."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def _due() -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())


def _claim(filters: Q) -> list[WebhookDelivery]:
    """Lock the due deliveries no other worker holds, count the attempt and lease them, then commit: the
    request itself is made outside any transaction, and no two workers send the same delivery at once."""
    with transaction.atomic():
        claimed = list(
            webhook_deliveries_skip_locked()
            .filter(filters & _due())
            .order_by("next_attempt_at", "id")[:BATCH]
        )
        if claimed:
            lease_until = timezone.now() + LEASE
            WebhookDelivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
                next_attempt_at=lease_until, updated_at=timezone.now()
            )
    return claimed


def _post(delivery: WebhookDelivery, attempt: int) -> Outcome:
    body = body_for(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Omni-Webhooks/1",
        "Omni-Event": delivery.event.event_type,
        "Omni-Delivery": str(delivery.pk),
        "Omni-Timestamp": str(int(time.time())),
        "Omni-Attempt": str(attempt),
        "Omni-Signature": sign(body, delivery.subscription.secret),
    }
    try:
        response = requests.post(
            delivery.subscription.url, data=body, headers=headers, timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as exc:
        return Outcome(ok=False, code=None, error=f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= response.status_code < 300:
        return Outcome(ok=True, code=response.status_code, error="")
    return Outcome(ok=False, code=response.status_code, error=f"HTTP {response.status_code}")


def _attempt(delivery: WebhookDelivery) -> str:
    if not delivery.subscription.active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, last_error="Subscription inactive.", next_attempt_at=None
        )
        return DeliveryStatus.FAILED
    attempts = delivery.attempts + 1
    outcome = _post(delivery, attempts)
    now = timezone.now()
    fields: dict[str, Any] = {
        "attempts": attempts,
        "last_response_code": outcome.code,
        "last_error": outcome.error,
        "updated_at": now,
    }
    if outcome.ok:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif attempts >= max_attempts():
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        logger.warning(
            "Webhook delivery %s failed after %s attempts: %s", delivery.pk, attempts, outcome.error
        )
    else:
        fields.update(next_attempt_at=now + backoff(attempts))
    # Only the claimant writes: the row is still pending, under our lease.
    WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(**fields)
    return str(fields.get("status", DeliveryStatus.PENDING))


def deliver(delivery_id: int) -> str:
    """Try one delivery now if it is pending and due (idempotent: delivered, failed, leased or locked
    deliveries are left alone). Returns its status, or "skipped"."""
    claimed = _claim(Q(pk=delivery_id))
    if not claimed:
        return "skipped"
    return _attempt(claimed[0])


def deliver_due() -> dict[str, int]:
    """Every pending delivery whose next attempt is due, a batch at a time (the beat task, every minute)."""
    counts = {"delivered": 0, "pending": 0, "failed": 0}
    for delivery in _claim(Q()):
        counts[_attempt(delivery)] += 1
    return counts


def resend(delivery_id: int) -> None:
    """Staff: put a failed (or pending) delivery back in the queue, due now, with a fresh attempt count."""
    WebhookDelivery.objects.filter(pk=delivery_id).exclude(status=DeliveryStatus.DELIVERED).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), updated_at=timezone.now()
    )
