"""Reads of returns: who sees which, what is left to return, the desk's search, the figures."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from omni.actors import Actor
from orders.models import Channel, Order, OrderLine, Return, ReturnCondition, ReturnLine
from stores.models import Location, LocationKind


def returns_of_order() -> QuerySet[Return]:
    """An order's returns, oldest first, as its detail pages show them."""
    return Return.objects.select_related("location", "exchange_order").order_by("created_at", "id")


def returns_for(actor: Actor) -> QuerySet[Any]:
    """HQ every return; the e-shop the returns of its own orders; a store (client or staff) those received
    at its locations; a kiosk none."""
    qs = Return.objects.all()
    if actor.location_ids is None:
        if actor.role == "eshop":
            return qs.filter(order__api_client=actor.client)
        return qs
    if actor.role == "kiosk":
        return qs.none()
    return qs.filter(location_id__in=actor.location_ids)


def return_list(actor: Actor, *, order: str | None = None, location: str | None = None) -> QuerySet[Any]:
    qs = returns_for(actor).select_related("order", "location", "exchange_order").prefetch_related("lines")
    if order:
        qs = qs.filter(order__number=order.strip())
    if location:
        qs = qs.filter(location__code=location.strip())
    return qs.order_by("-created_at", "-id")


def return_detail(actor: Actor, number: str) -> Any:
    return (
        returns_for(actor)
        .select_related("order", "location", "exchange_order", "send_to", "transfer")
        .prefetch_related("lines")
        .filter(number=number)
        .first()
    )


def returned_quantities(order: Order) -> dict[int, int]:
    """Units of each of the order's lines returned so far: {order line id: units}."""
    return dict(
        ReturnLine.objects.filter(order_line__order=order)
        .values("order_line")
        .annotate(n=Sum("quantity"))
        .values_list("order_line", "n")
    )


RETURN_SEARCH_LIMIT = 25


def normalize_receipt_code(query: str) -> str:
    """What a scanner types for the barcode on a receipt (the order number, e.g. S-100023), tidied: spaces
    gone, capitals, and whatever the keyboard layout made of the dash put back ("s'100023" -> "S-100023")."""
    q = "".join(query.split()).upper()
    match = re.fullmatch(r"([A-Z])[^A-Z0-9]?([0-9]+)", q)
    return f"{match.group(1)}-{match.group(2)}" if match else q


def returnable_orders(actor: Actor, query: str) -> list[Order]:
    """The returns desk's search: an order number (typed or its receipt barcode scanned, or just its digits),
    the customer's email, or a loyalty card number (the member's email, then their orders). Completed orders
    of any channel and location (any location that accepts returns takes them back), newest first."""
    from loyalty.cards import is_valid_card_number
    from loyalty.selectors import matching_members
    from orders.models import COMPLETED_STATUSES as COMPLETED

    q = " ".join((query or "").split())
    if not q or actor.role not in ("integration", "store", "eshop"):
        return []
    code = normalize_receipt_code(q)
    match = Q(number__iexact=code)
    digits = q.replace(" ", "")
    if digits.isascii() and digits.isdigit():
        match |= Q(number__iendswith=f"-{digits}")
        if is_valid_card_number(digits):
            member = matching_members(card_number=digits).first()
            if member is not None and member.customer.email:
                match |= Q(customer_email__iexact=member.customer.email)
    elif "@" in q:
        match |= Q(customer_email__iexact=q)
    qs = Order.objects.filter(match, status__in=list(COMPLETED))
    if actor.role == "eshop":
        qs = qs.filter(api_client=actor.client)
    return list(
        qs.select_related("location")
        .prefetch_related("lines")
        .order_by("-created_at", "-id")[:RETURN_SEARCH_LIMIT]
    )


def returns_figures(
    *,
    location_ids: Any = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Returns received between the dates (inclusive, by the day received), per receiving location, reason and
    the original order's channel: how many returns, units (resellable, damaged), the refunds; and
    `online_in_store` (a web or app order brought back to a store). One SQL query."""
    qs = ReturnLine.objects.all()
    if location_ids is not None:
        qs = qs.filter(return_doc__location_id__in=list(location_ids))
    if date_from is not None:
        qs = qs.filter(return_doc__created_at__date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(return_doc__created_at__date__lte=date_to)
    online_in_store = ExpressionWrapper(
        Q(
            return_doc__order__channel__in=[Channel.WEB, Channel.APP],
            return_doc__location__kind=LocationKind.STORE,
        ),
        output_field=BooleanField(),
    )
    rows = (
        qs.annotate(online_in_store=online_in_store)
        .values(
            "return_doc__location_id",
            "return_doc__location__code",
            "reason",
            "return_doc__order__channel",
            "online_in_store",
        )
        .annotate(
            returns=models.Count("return_doc", distinct=True),
            units=Coalesce(Sum("quantity"), 0),
            resellable=Coalesce(Sum("quantity", filter=Q(condition=ReturnCondition.RESELLABLE)), 0),
            damaged=Coalesce(Sum("quantity", filter=Q(condition=ReturnCondition.DAMAGED)), 0),
            refund=Coalesce(Sum("refund_amount"), Value(0), output_field=models.DecimalField()),
        )
        .order_by("return_doc__location__code", "reason", "return_doc__order__channel")
    )
    return [
        {
            "location_id": row["return_doc__location_id"],
            "location": row["return_doc__location__code"],
            "reason": row["reason"],
            "channel": row["return_doc__order__channel"],
            "online_in_store": row["online_in_store"],
            "returns": row["returns"],
            "units": row["units"],
            "resellable": row["resellable"],
            "damaged": row["damaged"],
            "refund": row["refund"],
        }
        for row in rows
    ]


def returnable_order(actor: Actor, number: str) -> Order | None:
    """A completed order the returns desk may take back (any channel, any location; the e-shop its own),
    with its lines and payments."""
    from orders.models import COMPLETED_STATUSES as COMPLETED

    if actor.role not in ("integration", "store", "eshop"):
        return None
    qs = Order.objects.filter(number=number, status__in=list(COMPLETED))
    if actor.role == "eshop":
        qs = qs.filter(api_client=actor.client)
    return (
        qs.select_related("location")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
            "payments",
            Prefetch("returns", queryset=returns_of_order()),
        )
        .first()
    )


def return_warehouses() -> list[Any]:
    """Where a desk may send returned units back to: the active warehouses."""
    return list(Location.objects.filter(kind=LocationKind.WAREHOUSE, active=True).order_by("code"))
