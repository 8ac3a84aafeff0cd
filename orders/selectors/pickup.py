"""Reads of click and collect: the pickup queue, the pick lists, the desk's search, and the figures for the
reports (one aggregate query)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
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
from orders.models import Allocation, FulfilmentType, Order, OrderLine, OrderStatus
from orders.selectors.orders import orders_for

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
    """The pickup orders placed or ready at `location` in one query: customers at the store first (who
    arrived first, first), then by pickup window (earliest first), then due soonest first; each with its
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
        .order_by(
            F("arrived_at").asc(nulls_last=True),
            F("pickup_slot_start").asc(nulls_last=True),
            F("promised_ready_at").asc(nulls_last=True),
            "created_at",
            "id",
        )
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
