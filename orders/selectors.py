"""Reads of orders, with who may see what: HQ every order; the e-shop its own orders; a kiosk the orders
it took; a store (client or staff) the orders taken at, picked up at or shipped from its locations, and those
it took a return of."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import TransferStatus
from omni.actors import Actor
from orders.models import (
    Allocation,
    FulfilmentType,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Shipment,
    ShipmentStatus,
)


def orders_for(actor: Actor) -> QuerySet[Order]:
    qs = Order.objects.all()
    if actor.location_ids is None:
        if actor.role == "eshop":
            return qs.filter(api_client=actor.client)
        return qs
    ids = actor.location_ids
    if actor.role == "kiosk":
        return qs.filter(api_client=actor.client) if actor.client is not None else qs.none()
    allocated_here = Allocation.objects.filter(line__order=OuterRef("pk"), location_id__in=ids)
    from orders.models import Return

    returned_here = Return.objects.filter(order=OuterRef("pk"), location_id__in=ids)
    mine: Q = Q(location_id__in=ids) | Q(taken_at_id__in=ids) | Exists(allocated_here) | Exists(returned_here)
    if actor.user is not None:
        mine |= Q(user=actor.user)  # what a person took themselves, wherever it ships from
    elif actor.client is not None:
        mine |= Q(api_client=actor.client)
    return qs.filter(mine)


def order_list(
    actor: Actor,
    *,
    status: str | None = None,
    channel: str | None = None,
    location: str | None = None,
    customer_email: str | None = None,
    query: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Order]:
    qs = orders_for(actor).select_related("location")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if location:
        qs = qs.filter(Q(location__code=location) | Q(lines__allocations__location__code=location)).distinct()
    if customer_email:
        qs = qs.filter(customer_email=customer_email.strip().lower())
    if query:
        q = query.strip()
        qs = qs.filter(Q(number__iexact=q) | Q(customer_email__iexact=q) | Q(customer_last_name__icontains=q))
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs.order_by("-created_at", "-id")


def _returns_of_order() -> QuerySet[Any]:
    from orders.models import Return

    return Return.objects.select_related("location", "exchange_order").order_by("created_at", "id")


def order_detail(actor: Actor, number: str) -> Order | None:
    return (
        orders_for(actor)
        .select_related("location", "taken_at", "api_client", "user")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.prefetch_related(
                    Prefetch("allocations", queryset=Allocation.objects.select_related("location"))
                ).order_by("id"),
            ),
            "shipments__location",
            "payments",
            Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id")),
            Prefetch("returns", queryset=_returns_of_order()),
        )
        .filter(number=number)
        .first()
    )


def pending_shipments(actor: Actor, location: Any) -> list[Shipment]:
    """The delivery orders' shipments waiting to leave `location`, oldest first, with their allocations."""
    return list(
        Shipment.objects.filter(
            location=location,
            status=ShipmentStatus.PENDING,
            order__in=orders_for(actor).filter(
                fulfilment_type=FulfilmentType.DELIVERY, status=OrderStatus.PLACED
            ),
        )
        .select_related("order")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related("line__variant__product").order_by("line__sku"),
            )
        )
        .order_by("created_at", "id")
    )


# --- Click-and-collect pages: the pickup queue, the pick lists, the desk's search ---------------------------

PICKUP_OPEN_STATUSES = (OrderStatus.PLACED, OrderStatus.READY_FOR_PICKUP)
PICKUP_SEARCH_LIMIT = 25
PICKUP_CODE_LENGTH = 6  # the digits in the customer's email and its QR code


def _pickups_at(actor: Actor, location: Any) -> QuerySet[Order]:
    """The pickup orders of `location`, if the actor may act there (its staff, or HQ)."""
    if location is None or not actor.can_act_at(location.pk):
        return Order.objects.none()
    return orders_for(actor).filter(location=location, fulfilment_type=FulfilmentType.PICKUP)


def _pick_lines() -> Prefetch[Any]:
    """The lines with their SKU and where their units are: held here, or arriving by transfer."""
    return Prefetch(
        "lines",
        queryset=OrderLine.objects.select_related("variant")
        .prefetch_related(
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related("location", "transfer").order_by("id"),
            )
        )
        .order_by("sku", "id"),
    )


def pickup_queue(actor: Actor, location: Any, *, now: dt.datetime | None = None) -> QuerySet[Order]:
    """The pickup orders placed or ready at `location`, due soonest first, in one query: each with its
    `units`, `is_late` (promised time passed, not ready), `is_expired` (ready, hold passed, not yet
    cancelled by the expiry job) and `awaiting_transfer` (units still on their way from a warehouse)."""
    now = now or timezone.now()
    units = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(n=Sum("quantity"))
        .values("n")
    )
    in_transit = Allocation.objects.filter(
        line__order=OuterRef("pk"), transfer__status__in=[TransferStatus.REQUESTED, TransferStatus.SHIPPED]
    )
    return (
        _pickups_at(actor, location)
        .filter(status__in=PICKUP_OPEN_STATUSES)
        .annotate(
            units=Coalesce(Subquery(units, output_field=IntegerField()), 0),
            is_late=ExpressionWrapper(
                Q(status=OrderStatus.PLACED, promised_ready_at__lt=now), output_field=BooleanField()
            ),
            is_expired=ExpressionWrapper(
                Q(status=OrderStatus.READY_FOR_PICKUP, expires_at__lt=now), output_field=BooleanField()
            ),
            awaiting_transfer=Exists(in_transit),
        )
        .order_by(F("promised_ready_at").asc(nulls_last=True), "created_at", "id")
    )


def pickups_to_pick(actor: Actor, location: Any) -> list[Order]:
    """The pickup orders still to prepare at `location` with their lines, for the combined pick list."""
    return list(
        _pickups_at(actor, location)
        .filter(status=OrderStatus.PLACED)
        .prefetch_related(_pick_lines())
        .order_by(F("promised_ready_at").asc(nulls_last=True), "created_at", "id")
    )


def pickup_order(actor: Actor, number: str) -> Order | None:
    """A pickup order the actor may see, with what its pick list and handover show."""
    return (
        orders_for(actor)
        .filter(number=number, fulfilment_type=FulfilmentType.PICKUP)
        .select_related("location")
        .prefetch_related(_pick_lines(), "payments")
        .first()
    )


def looks_like_pickup_code(query: str) -> bool:
    """A desk query that pickup_search also tries as a pickup code (orders.services.desk_search throttles
    those)."""
    q = " ".join(query.split())
    return q.isascii() and q.isdigit() and len(q) == PICKUP_CODE_LENGTH


def pickup_search(actor: Actor, location: Any, query: str, *, codes: bool = True) -> QuerySet[Order]:
    """The pickup desk's search at `location`: an order number (or its digits), a customer's name or email,
    or a pickup code (unless `codes` is False). A code finds only an order ready and not locked; `by_code`
    says which results the code matched (the code itself is never returned to a page). Ready first, then to
    prepare, then the rest."""
    q = " ".join(query.split())
    if not q:
        return Order.objects.none()
    match = Q(number__iexact=q) | Q(customer_email__iexact=q)
    by_code: Any = Value(False, output_field=BooleanField())
    if q.isascii() and q.isdigit():
        match |= Q(number__iendswith=f"-{q}")
        if codes and len(q) == PICKUP_CODE_LENGTH:
            code = Q(pickup_code=q, status=OrderStatus.READY_FOR_PICKUP, pickup_locked_at__isnull=True)
            match |= code
            by_code = ExpressionWrapper(code, output_field=BooleanField())
    else:
        by_name = Q()
        for term in q.split(" ")[:4]:
            by_name &= (
                Q(customer_first_name__icontains=term)
                | Q(customer_last_name__icontains=term)
                | Q(customer_email__icontains=term)
            )
        match |= by_name
    rank = Case(
        When(status=OrderStatus.READY_FOR_PICKUP, then=Value(0)),
        When(status=OrderStatus.PLACED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        _pickups_at(actor, location)
        .filter(match)
        .annotate(by_code=by_code, rank=rank)
        .order_by("rank", "-created_at", "-id")[:PICKUP_SEARCH_LIMIT]
    )


# --- Click-and-collect figures for the reports (one aggregate query) ------------------------------------


def pickup_figures(
    *,
    location_ids: Any = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Per pickup location, the pickup orders placed between the dates (inclusive, local days): how many,
    how many were made ready, collected, expired (no-shows), otherwise cancelled, still waiting;
    pickup_rate = collected / ready and no_show_rate = expired / ready (None with nothing ready); average
    and median minutes from placed to ready. One SQL query, grouped by location."""
    from django.db import models

    class Median(models.Aggregate):
        function = "PERCENTILE_CONT"
        template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
        output_field = models.FloatField()

    minutes = models.Func(
        models.F("ready_at") - models.F("created_at"),
        template="EXTRACT(EPOCH FROM %(expressions)s) / 60.0",
        output_field=models.FloatField(),
    )
    was_ready = models.Q(ready_at__isnull=False)
    expired = models.Q(status=OrderStatus.CANCELLED, cancel_reason="pickup_expired")
    qs = Order.objects.filter(fulfilment_type=FulfilmentType.PICKUP, location__isnull=False)
    if location_ids is not None:
        qs = qs.filter(location_id__in=list(location_ids))
    if date_from is not None:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(created_at__date__lte=date_to)
    rows = (
        qs.values("location_id", "location__code", "location__name")
        .annotate(
            orders=models.Count("id"),
            ready=models.Count("id", filter=was_ready),
            collected=models.Count("id", filter=models.Q(status=OrderStatus.COLLECTED)),
            expired=models.Count("id", filter=expired),
            cancelled=models.Count("id", filter=models.Q(status=OrderStatus.CANCELLED) & ~expired),
            waiting=models.Count(
                "id", filter=models.Q(status__in=[OrderStatus.PLACED, OrderStatus.READY_FOR_PICKUP])
            ),
            avg_minutes=models.Avg(minutes, filter=was_ready),
            median_minutes=Median(minutes, filter=was_ready),
        )
        .order_by("location__code")
    )

    def rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    return [
        {
            "location_id": row["location_id"],
            "location": row["location__code"],
            "name": row["location__name"],
            "orders": row["orders"],
            "ready": row["ready"],
            "collected": row["collected"],
            "expired": row["expired"],
            "cancelled": row["cancelled"],
            "waiting": row["waiting"],
            "pickup_rate": rate(row["collected"], row["ready"]),
            "no_show_rate": rate(row["expired"], row["ready"]),
            "avg_minutes_to_ready": row["avg_minutes"],
            "median_minutes_to_ready": row["median_minutes"],
        }
        for row in rows
    ]


# --- Returns: who sees which, what is left to return, the desk's search, the figures ------------------------


def returns_for(actor: Actor) -> QuerySet[Any]:
    """HQ every return; the e-shop the returns of its own orders; a store (client or staff) those received
    at its locations; a kiosk none."""
    from orders.models import Return

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
    from orders.models import ReturnLine

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
    import re

    q = "".join(query.split()).upper()
    match = re.fullmatch(r"([A-Z])[^A-Z0-9]?([0-9]+)", q)
    return f"{match.group(1)}-{match.group(2)}" if match else q


def returnable_orders(actor: Actor, query: str) -> list[Order]:
    """The returns desk's search: an order number (typed or its receipt barcode scanned, or just its digits),
    the customer's email, or a loyalty card number (the member's email, then their orders). Completed orders
    of any channel and location (any location that accepts returns takes them back), newest first."""
    from loyalty.cards import is_valid_card_number
    from loyalty.selectors import matching_members
    from orders.services.states import COMPLETED

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
    from django.db import models

    from orders.models import Channel, ReturnCondition, ReturnLine
    from stores.models import LocationKind

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
    from orders.services.states import COMPLETED

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
            Prefetch("returns", queryset=_returns_of_order()),
        )
        .first()
    )


def return_warehouses() -> list[Any]:
    """Where a desk may send returned units back to: the active warehouses."""
    from stores.models import Location, LocationKind

    return list(Location.objects.filter(kind=LocationKind.WAREHOUSE, active=True).order_by("code"))
