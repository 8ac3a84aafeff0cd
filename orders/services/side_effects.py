"""What an order change sets off beyond the database: webhook events for the e-shop (written to an outbox
in the same transaction, delivered by Celery) and emails to the customer (queued after commit)."""

from __future__ import annotations

from typing import Any

from orders.models import Order
from orders.services import notifications, webhooks


def after_commit(order: Order, event_type: str) -> None:
    """Call inside the transaction that changed the order."""
    webhooks.record_event(order, event_type)
    notifications.queue_for(order, event_type)


def record_webhook(order: Order, event_type: str, *, extra: dict[str, Any] | None = None) -> None:
    """The webhook event alone (the caller queues its own email); `extra` is added to the payload (a
    return's details on `order.returned`)."""
    webhooks.record_event(order, event_type, extra=extra)
