"""The orders' copy of a person, erased with them (GDPR Art. 17). Loyalty erases the profile and sends
`customer_erased`; this anonymises, in the same transaction, every order carrying one of the person's
emails: name, email, phone and delivery address on the order, the addresses of its sent emails and the
customer fields of its webhook events. Figures (lines, totals, stock movements) stay: the books still add
up, and nothing left names the person."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from orders.models import Order, OrderEmail, OrderEvent, WebhookEvent
from orders.privacy_extras import erase_with_orders


def anonymise_orders(*, emails: Sequence[str], phones: Sequence[str] = ()) -> int:
    """Anonymise the orders of these emails (case-insensitive) or phones; returns how many."""
    wanted = {e.strip().lower() for e in emails if e and e.strip()}
    phones = [p for p in phones if p and p.strip()]
    if not wanted and not phones:
        return 0
    match = Q()
    if wanted:
        match |= Q(email_lower__in=wanted)
    if phones:
        match |= Q(customer_phone__in=phones)
    orders = Order.objects.annotate(email_lower=Lower("customer_email")).filter(match)
    ids = list(orders.values_list("pk", flat=True))
    if not ids:
        return 0
    erase_with_orders(ids)  # the apps above: while the orders still name the person
    Order.objects.filter(pk__in=ids).update(
        customer_email="",
        customer_first_name="",
        customer_last_name="",
        customer_phone="",
        delivery_address=None,
    )
    OrderEmail.objects.filter(order_id__in=ids).update(to="")
    for webhook_event in WebhookEvent.objects.filter(order_id__in=ids).only("pk", "payload"):
        webhook_event.payload = _scrub(webhook_event.payload)
        webhook_event.save(update_fields=["payload"])
    OrderEvent.objects.filter(order_id__in=ids, kind="erased").delete()  # one marker, however often asked
    OrderEvent.objects.bulk_create(
        [
            OrderEvent(
                order_id=pk,
                kind="erased",
                message="The customer's personal data was erased at their request.",
                actor_label="system",
            )
            for pk in ids
        ]
    )
    return len(ids)


def _scrub(value: Any) -> Any:
    personal = {"customer_email", "email", "first_name", "last_name", "phone", "customer", "address"}
    if isinstance(value, dict):
        return {k: ("" if k in personal else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def on_customer_erased(
    sender: Any, *, emails: Sequence[str] = (), phones: Sequence[str] = (), **_: Any
) -> None:
    anonymise_orders(emails=emails, phones=phones)
