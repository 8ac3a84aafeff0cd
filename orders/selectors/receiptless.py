"""Reads of the returns desk beyond its search by receipt: a customer without a receipt, found by the product
they bring back (its SKU or barcode scanned), and the refunds left due at a location.

Without a receipt the desk still returns against an order (what was paid for the units is the refund): the
customer's orders with that SKU when they give their email or loyalty card, else this store's most recent
orders with that SKU, for the associate to pick the customer's among them."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet, Sum

from omni.actors import Actor
from orders.models import COMPLETED_STATUSES, Order, OrderLine, Return, ReturnLine, ReturnStatus
from orders.selectors.returns import returns_for

RECEIPTLESS_LIMIT = 10
REFUNDS_DUE_LIMIT = 25

__all__ = [
    "RECEIPTLESS_LIMIT",
    "customer_email_for",
    "orders_with_sku",
    "refunds_due_at",
    "settleable_return",
]


def customer_email_for(identifier: str) -> str | None:
    """The email an identifier leads to: an email as typed, or a loyalty card's member's email; None when it
    is neither (or the card is no member's)."""
    from loyalty.cards import is_valid_card_number
    from loyalty.selectors import matching_members

    value = "".join((identifier or "").split())
    if not value:
        return None
    if "@" in value:
        return value.lower()
    if value.isascii() and value.isdigit() and is_valid_card_number(value):
        member = matching_members(card_number=value).first()
        if member is not None and member.customer.email:
            return str(member.customer.email).lower()
    return None


def orders_with_sku(
    actor: Actor, *, sku: str, location_id: int, customer_email: str | None = None
) -> list[Order]:
    """Completed orders with a line of `sku` that still has units to return: the customer's (any channel,
    any location) when their email is known, else those sold or collected at `location_id`; newest first,
    at most RECEIPTLESS_LIMIT. Each order carries `sku_line` (its line of that SKU)."""
    if actor.role not in ("integration", "store") or not sku:
        return []
    qs = Order.objects.filter(status__in=list(COMPLETED_STATUSES), lines__sku=sku)
    if customer_email:
        qs = qs.filter(customer_email__iexact=customer_email)
    else:
        qs = qs.filter(location_id=location_id)
    orders = list(
        qs.distinct()
        .select_related("location")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.filter(sku=sku).order_by("id"), to_attr="sku_lines")
        )
        .order_by("-completed_at", "-created_at", "-id")[: RECEIPTLESS_LIMIT * 2]
    )
    returned = _returned_units([line.pk for o in orders for line in o.sku_lines])  # type: ignore[attr-defined]
    found: list[Order] = []
    for order in orders:
        lines = [x for x in order.sku_lines if x.quantity > returned.get(x.pk, 0)]  # type: ignore[attr-defined]
        if lines:
            order.sku_line = lines[0]  # type: ignore[attr-defined]
            order.sku_left = sum(x.quantity - returned.get(x.pk, 0) for x in lines)  # type: ignore[attr-defined]
            found.append(order)
    return found[:RECEIPTLESS_LIMIT]


def _returned_units(line_ids: list[int]) -> dict[int, int]:
    if not line_ids:
        return {}
    return dict(
        ReturnLine.objects.filter(order_line_id__in=line_ids)
        .values("order_line")
        .annotate(n=Sum("quantity"))
        .values_list("order_line", "n")
    )


def refunds_due_at(actor: Actor, location_id: int) -> QuerySet[Any]:
    """Returns received at `location_id` whose refund is still owed, oldest first (the desk settles them)."""
    return (
        returns_for(actor)
        .filter(location_id=location_id, status=ReturnStatus.REFUND_DUE)
        .select_related("order", "payment")
        .order_by("created_at", "id")[:REFUNDS_DUE_LIMIT]
    )


def settleable_return(actor: Actor, number: str) -> Return | None:
    """A return the actor sees, with what the settle page shows."""
    return (
        returns_for(actor)
        .select_related("order", "location", "payment")
        .filter(number=(number or "").strip())
        .first()
    )
