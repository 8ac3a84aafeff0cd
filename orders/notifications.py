"""Emails to the customer: confirmation (placed; a till sale only when the customer gave an email), shipped
and cancelled. Queued after commit by `queue_for`, sent once by `send_order_email_task`.

Sent in OMNI_CUSTOMER_LANGUAGE (default Italian): the templates hold English source strings marked for
translation, so the Italian catalog translates them."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from kombu.exceptions import OperationalError as BrokerError

from orders.models import Order, OrderEmail, ShipmentStatus

logger = logging.getLogger(__name__)

# event type -> email kind
KIND_FOR_EVENT = {
    "order.placed": "confirmation",
    "order.completed": "confirmation",
    "order.shipped": "shipped",
    "order.cancelled": "cancelled",
}
KINDS = frozenset(KIND_FOR_EVENT.values())


def customer_language() -> str:
    return str(getattr(settings, "OMNI_CUSTOMER_LANGUAGE", "it"))


def queue_for(order: Order, event_type: str) -> None:
    """Queue the email this event calls for, after commit (never inside the transaction)."""
    kind = KIND_FOR_EVENT.get(event_type)
    if kind is None or not order.customer_email:
        return
    order_id = order.pk
    transaction.on_commit(lambda: _enqueue(order_id, kind), robust=True)


def _enqueue(order_id: int, kind: str) -> None:
    from orders.tasks import send_order_email_task

    try:
        send_order_email_task.delay(order_id, kind)
    except BrokerError:
        logger.warning("Broker unreachable: the %s email for order %s is not sent.", kind, order_id)


def _context(order: Order) -> dict[str, object]:
    shipments = [s for s in order.shipments.all() if s.status == ShipmentStatus.SHIPPED]
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "location": order.location,
        "address": order.delivery_address or {},
        "shipments": shipments,
        "site_name": "Omni",
    }


def render(order: Order, kind: str) -> tuple[str, str, str]:
    """(subject, text, html) of this email, in the customer language."""
    if kind not in KINDS:
        raise ValueError(f"Unknown order email {kind!r}.")
    context = _context(order)
    with translation.override(customer_language()):
        context["LANGUAGE_CODE"] = translation.get_language()
        subject = render_to_string(f"orders/email/{kind}_subject.txt", context)
        text = render_to_string(f"orders/email/{kind}.txt", context)
        html = render_to_string(f"orders/email/{kind}.html", context)
    return " ".join(subject.split()), text, html


def send_order_email(*, order_id: int, kind: str) -> bool:
    """Send this order's email of this kind unless it went already. Returns whether it was sent now.

    The (order, kind) row is locked while sending, so two runs of the task never both send it."""
    order = (
        Order.objects.select_related("location")
        .prefetch_related("lines", "shipments")
        .filter(pk=order_id)
        .first()
    )
    if order is None or not order.customer_email:
        return False
    OrderEmail.objects.get_or_create(order=order, kind=kind, defaults={"to": order.customer_email})
    subject, text, html = render(order, kind)
    with transaction.atomic():
        log = OrderEmail.objects.select_for_update().get(order=order, kind=kind)
        if log.sent_at is not None:
            return False
        message = EmailMultiAlternatives(subject, text, None, [order.customer_email])
        message.attach_alternative(html, "text/html")
        message.send()
        log.to = order.customer_email
        log.sent_at = timezone.now()
        log.save(update_fields=["to", "sent_at"])
    return True
