"""Where orders meet the loyalty ledger: points redeemed when an order is placed, earned when it is
completed (collected, shipped, carried out), given back when it is cancelled. Each call runs inside the
transaction that changes the order, so the ledger and the order never disagree; the loyalty services are
idempotent (one entry per source, line and kind), so a retry never credits twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from loyalty import services as loyalty
from omni.actors import Actor
from orders.models import Order
from orders.services.events import event


def discount_for(points: int) -> Decimal:
    return loyalty.discount_for(points)


def redeem(order: Order, points: int, *, actor: Actor) -> tuple[Decimal, list[Any]]:
    """Redeem `points` on an order about to be written, with its total before the points discount."""
    discount = loyalty.redeem_for_order(order=order, points=points, actor=actor)
    note = event(
        order,
        "points_redeemed",
        f"{points} loyalty points redeemed: {discount} {order.currency} off, shared over the lines.",
        actor=actor,
        points=points,
        discount=str(discount),
        currency=order.currency,
    )
    return discount, [note]


def on_completed(order: Order, *, actor: Actor | None) -> list[Any]:
    earned = loyalty.earn_for_order(order=order, actor=actor)
    if not earned:
        return []
    return [event(order, "points_earned", f"{earned} loyalty points earned.", actor=actor, points=earned)]


def on_cancelled(order: Order, *, actor: Actor | None) -> list[Any]:
    if not order.points_redeemed:
        return []
    back = loyalty.restore_redeemed_for_order(order=order, actor=actor)
    if not back:
        return []
    return [event(order, "points_restored", f"{back} redeemed points given back.", actor=actor, points=back)]
