"""Emails to the customer (being built: confirmation and shipped, Italian and English)."""

from __future__ import annotations

from orders.models import Order


def queue_for(order: Order, event_type: str) -> None:
    """Queue the email this event calls for, after commit."""
