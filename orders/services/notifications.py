"""Emails to the customer: confirmation (placed; a till sale only when the customer gave an email), shipped,
cancelled, and for click and collect: ready (with the pickup code and its QR code as an inline image),
pickup_reminder (the hold ends within a day) and line_cancelled (units taken off after a short pick); the
receipt of a return ("return_receipt:<return number>").
Written to the outbox with the change by `queue_for` / `queue_email` (omni/outbox.py: kept until sent,
whatever the broker does), sent once by `send_order_email_task`.

Sent in OMNI_CUSTOMER_LANGUAGE (default Italian): the templates hold English source strings marked for
translation, so the Italian catalog translates them."""

from __future__ import annotations

import io
import logging
from decimal import Decimal
from email.mime.image import MIMEImage
from zoneinfo import ZoneInfo

import segno
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from omni import outbox
from omni.emails import render_email
from orders.locks import order_emails_for_update
from orders.models import Order, OrderEmail, OrderEvent, Return, ShipmentStatus
from orders.services.slots import arrival_token
from stores.selectors.slots import location_zone

logger = logging.getLogger(__name__)

# event type -> email kind
KIND_FOR_EVENT = {
    "order.placed": "confirmation",
    "order.completed": "confirmation",
    "order.shipped": "shipped",
    "order.cancelled": "cancelled",
    "order.ready_for_pickup": "ready",
}
# kinds with their own templates; "line_cancelled:<event id>" is one email per cancellation event
KINDS = frozenset({*KIND_FOR_EVENT.values(), "pickup_reminder", "line_cancelled", "return_receipt"})
QR_KINDS = frozenset({"ready", "pickup_reminder"})  # carry the pickup code and its QR code


def customer_language() -> str:
    return str(getattr(settings, "OMNI_CUSTOMER_LANGUAGE", "it"))


def queue_for(order: Order, event_type: str) -> None:
    """Queue the email this event calls for, after commit (never inside the transaction)."""
    kind = KIND_FOR_EVENT.get(event_type)
    if kind is not None:
        queue_email(order, kind)


def queue_email(order: Order, kind: str) -> None:
    """Queue this email with the change (the outbox), if the customer gave an address; sent after commit."""
    if not order.customer_email:
        return
    outbox.enqueue("orders.tasks.send_order_email_task", order.pk, kind)


def base_kind(kind: str) -> str:
    return kind.split(":", 1)[0]


def _zone(order: Order) -> ZoneInfo:
    return location_zone(order.location) if order.location is not None else ZoneInfo(settings.TIME_ZONE)


def arrival_url(order: Order) -> str:
    """The ready email's "I'm here" link: signed, public, good while the pickup is held."""
    return f"{settings.OMNI_BASE_URL}{reverse('orders:arrival', args=[arrival_token(order)])}"


def qr_cid(order: Order) -> str:
    """The Content-ID of the pickup QR image (the HTML shows it as <img src="cid:...">)."""
    return f"pickup-{order.number}@omni"


def qr_png(code: str) -> bytes:
    """The pickup code as a QR code (PNG), generated here: the desk scans it into the code field."""
    out = io.BytesIO()
    segno.make(code, error="m", micro=False).save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def _cancellation(order: Order, kind: str) -> OrderEvent | None:
    _, _, event_id = kind.partition(":")
    if not event_id.isdigit():
        return None
    return OrderEvent.objects.filter(order=order, pk=int(event_id), kind="line_cancelled").first()


def _context(order: Order, kind: str) -> dict[str, object]:
    shipments = [s for s in order.shipments.all() if s.status == ShipmentStatus.SHIPPED]
    lines = [line for line in order.lines.all() if line.quantity > 0]  # not the lines cancelled whole
    context: dict[str, object] = {
        "order": order,
        "lines": lines,
        "location": order.location,
        "address": order.delivery_address or {},
        "shipments": shipments,
        "site_name": "Omni",
    }
    if base_kind(kind) in QR_KINDS:
        context["pickup_code"] = order.pickup_code
        context["qr_cid"] = qr_cid(order)
        context["arrival_url"] = arrival_url(order)  # "I'm here" (orders.views.arrival)
    if base_kind(kind) == "line_cancelled":
        cancellation = _cancellation(order, kind)
        data = dict(cancellation.data) if cancellation is not None else {}
        for key in ("cost", "refund_due", "total"):  # amounts, so they are written the customer's way
            data[key] = Decimal(str(data.get(key) or "0"))
        context["cancellation"] = data
        context["refunded"] = data["refund_due"] > 0
    if base_kind(kind) == "return_receipt":
        ret = _return(order, kind)
        context["ret"] = ret
        context["return_lines"] = list(ret.lines.all()) if ret is not None else []
    return context


def _return(order: Order, kind: str) -> Return | None:
    """The return a "return_receipt:<number>" email is about."""
    _, _, number = kind.partition(":")
    return (
        Return.objects.select_related("location", "exchange_order")
        .prefetch_related("lines")
        .filter(order=order, number=number)
        .first()
    )


def render(order: Order, kind: str) -> tuple[str, str, str]:
    """(subject, text, html) of this email, in the customer language and the store's time zone."""
    base = base_kind(kind)
    if base not in KINDS:
        raise ValueError(f"Unknown order email {kind!r}.")
    return render_email(
        f"orders/email/{base}", _context(order, kind), language=customer_language(), zone=_zone(order)
    )


def build_message(order: Order, kind: str) -> EmailMultiAlternatives:
    """The email itself: text, HTML, and for the pickup emails the QR code as an inline (CID) image, so
    mail clients show it without loading anything remote."""
    subject, text, html = render(order, kind)
    message = EmailMultiAlternatives(subject, text, None, [order.customer_email])
    message.attach_alternative(html, "text/html")
    if base_kind(kind) in QR_KINDS and order.pickup_code:
        # the image belongs to the HTML part (Django's attribute; the stubs do not declare it)
        message.mixed_subtype = "related"  # type: ignore[attr-defined]
        image = MIMEImage(qr_png(order.pickup_code), "png")
        image.add_header("Content-ID", f"<{qr_cid(order)}>")
        image.add_header("Content-Disposition", "inline", filename="pickup-code.png")
        message.attach(image)
    return message


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
    if base_kind(kind) == "line_cancelled" and _cancellation(order, kind) is None:
        return False
    if base_kind(kind) == "return_receipt" and _return(order, kind) is None:
        return False
    if base_kind(kind) in QR_KINDS and order.status != "ready_for_pickup":
        return False  # collected or cancelled meanwhile: its code is no use any more
    OrderEmail.objects.get_or_create(order=order, kind=kind, defaults={"to": order.customer_email})
    message = build_message(order, kind)
    with transaction.atomic():
        log = order_emails_for_update().get(order=order, kind=kind)
        if log.sent_at is not None:
            return False
        message.send()
        log.to = order.customer_email
        log.sent_at = timezone.now()
        log.save(update_fields=["to", "sent_at"])
    return True
