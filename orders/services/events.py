"""The order's timeline. Every change writes its event in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from omni.actors import Actor
from orders.models import Order, OrderEvent


def event(order: Order, kind: str, message: str, *, actor: Actor | None, **data: Any) -> OrderEvent:
    """An unsaved timeline entry (write many with `write_events`)."""
    device = ""
    if actor is not None and actor.client is not None:
        device = f"{actor.client.get_role_display()}: {actor.client.name}"
    elif actor is not None and actor.user is not None:
        device = "back-office"
    return OrderEvent(
        order=order,
        kind=kind,
        message=message[:500],
        data=data,
        actor_label=(actor.label if actor is not None else "system")[:150],
        device=device[:150],
    )


def write_events(events: list[OrderEvent]) -> None:
    OrderEvent.objects.bulk_create(events)
