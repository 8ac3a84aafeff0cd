"""The facts of orders that loyalty needs (loyalty.order_facts), answered from orders' own models: loyalty
never imports orders, so the orders app registers these in OrdersConfig.ready()."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Coalesce

from loyalty.order_facts import CompletedLine, CompletedOrder, OrderFacts, register_order_facts
from loyalty.segments import register_segments_of
from orders.models import COMPLETED_STATUSES as COMPLETED
from orders.models import Order, OrderLine, Return
from orders.selectors.segments import segment_codes_of


def completed_orders(emails: QuerySet[Any]) -> Iterator[CompletedOrder]:
    """Completed orders carrying one of `emails`, with their lines of quantity > 0, by number."""
    lines = Prefetch("lines", queryset=OrderLine.objects.filter(quantity__gt=0).order_by("id"))
    orders = (
        Order.objects.filter(status__in=COMPLETED, customer_email__in=emails)
        .exclude(customer_email="")
        .annotate(completed_on=Coalesce("completed_at", "shipped_at", "updated_at"))
        .prefetch_related(lines)
        .order_by("number")
    )
    for order in orders.iterator(chunk_size=1000):
        yield CompletedOrder(
            number=order.number,
            customer_email=order.customer_email,
            completed_at=order.completed_on,  # type: ignore[attr-defined]
            lines=tuple(CompletedLine(line.pk, line.sku, line.quantity) for line in order.lines.all()),
        )


def orders_of(emails: Sequence[str]) -> QuerySet[Order]:
    return Order.objects.filter(customer_email__in=list(emails)).order_by("-created_at", "-id")


def returns_of(order_ids: Sequence[int]) -> QuerySet[Return]:
    return Return.objects.filter(order_id__in=list(order_ids)).select_related("order").order_by("-pk")


def register() -> None:
    register_order_facts(
        OrderFacts(completed_orders=completed_orders, orders_of=orders_of, returns_of=returns_of)
    )
    register_segments_of(segment_codes_of)  # a member's segments (loyalty.segments)
