"""The order's timeline in the reader's language (orders.timeline): {{ event|event_label }},
{{ event|event_sentence }}, {{ event|event_device }}, {{ event|event_actor }}."""

from __future__ import annotations

from django import template

from orders import timeline
from orders.models import OrderEvent

register = template.Library()


@register.filter
def event_label(event: OrderEvent) -> str:
    return timeline.event_label(event)


@register.filter
def event_sentence(event: OrderEvent) -> str:
    return timeline.event_sentence(event)


@register.filter
def event_device(event: OrderEvent) -> str:
    return timeline.event_device(event)


@register.filter
def event_actor(event: OrderEvent) -> str:
    return timeline.event_actor(event)


@register.filter
def cancel_reason_label(reason: str) -> str:
    """A cancelled order's reason as a person reads it (never its code)."""
    return timeline.cancel_reason_label(reason)
