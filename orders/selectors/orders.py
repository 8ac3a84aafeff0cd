"""Reads of orders, with who may see what: HQ every order; the e-shop its own orders; a kiosk the orders
it took; a store (client or staff) the orders taken at, picked up at or shipped from its locations, and those
it took a return of. `order_detail` is the one permission-checked read of an order (pages and API)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from omni.actors import Actor
from orders.models import (
    Allocation,
    FulfilmentType,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Return,
    Shipment,
    ShipmentStatus,
)
from orders.selectors.returns import returns_of_order


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
            Prefetch("returns", queryset=returns_of_order()),
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
