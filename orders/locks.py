"""Every locking queryset of the orders app, in one place (as Saleor's warehouse/lock_objects.py): rows are
locked in primary-key order, so two writers never deadlock, and only the row itself (`of=("self",)`), never
what a join brings along.

Lock order everywhere: the order, its lines, its payments, then its transfers, then stock levels
(inventory.services.lock_levels), then the loyalty member.

An order is locked FOR NO KEY UPDATE: it excludes every other writer of the order, but not a row that merely
points at it (a timeline entry written by a transfer receipt), so such a write never waits for the order."""

from __future__ import annotations

from django.db.models import QuerySet

from inventory.models import Transfer
from orders.models import Allocation, Order, OrderEmail, OrderLine, Payment, Return, WebhookDelivery


def orders_for_update(orders: QuerySet[Order] | None = None) -> QuerySet[Order]:
    """These orders (every order by default), to lock as they are read."""
    orders = Order.objects.all() if orders is None else orders
    return orders.order_by("pk").select_for_update(of=("self",), no_key=True)


def orders_skip_locked() -> QuerySet[Order]:
    """Orders to lock, passing over those another transaction holds (the jobs share the work)."""
    return Order.objects.order_by("pk").select_for_update(skip_locked=True, no_key=True, of=("self",))


def order_lines_for_update(order: Order) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(order=order).order_by("pk").select_for_update(of=("self",))


def payments_for_update(order: Order) -> QuerySet[Payment]:
    return order.payments.order_by("pk").select_for_update(of=("self",))


def returns_for_update(returns: QuerySet[Return]) -> QuerySet[Return]:
    """These returns, to lock as they are read (after their order: the order is always locked first)."""
    return returns.order_by("pk").select_for_update(of=("self",))


def transfers_for_update(order: Order) -> QuerySet[Transfer]:
    """The order's ship-to-store transfers (with their two locations, not locked)."""
    ids = Allocation.objects.filter(line__order=order, transfer__isnull=False).values("transfer_id")
    return (
        Transfer.objects.filter(pk__in=ids)
        .select_related("from_location", "to_location")
        .order_by("pk")
        .select_for_update(of=("self",))
    )


def order_emails_for_update() -> QuerySet[OrderEmail]:
    return OrderEmail.objects.order_by("pk").select_for_update(of=("self",))


def webhook_deliveries_skip_locked() -> QuerySet[WebhookDelivery]:
    """Deliveries to claim (with their subscription and event, not locked), passing over those another
    worker holds."""
    return (
        WebhookDelivery.objects.select_related("subscription", "event")
        .order_by("pk")
        .select_for_update(skip_locked=True, of=("self",))
    )
