"""What an order change sets off beyond the database: webhook events for the e-shop (written to an outbox
in the same transaction, delivered by Celery) and emails to the customer (queued after commit)."""

from __future__ import annotations

from orders.models import Order


def after_commit(order: Order, event_type: str) -> None:
    """Call inside the transaction that changed the order."""
    from orders import notifications, webhooks

    webhooks.record_event(order, event_type)
    notifications.queue_for(order, event_type)
