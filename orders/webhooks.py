"""Webhooks for the e-shop (being built: subscriptions, outbox, signed delivery)."""

from __future__ import annotations

from orders.models import Order


def record_event(order: Order, event_type: str) -> None:
    """Write the event to the outbox in the caller's transaction."""
