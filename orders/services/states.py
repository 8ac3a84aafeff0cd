"""The order's state machine, in one place (API-CONTRACT.md, Orders):
placed -> ready_for_pickup -> collected; placed -> shipped; carry_out orders are completed at once;
placed or ready_for_pickup -> cancelled. Anything else is an invalid transition."""

from __future__ import annotations

from omni.exceptions import InvalidTransition
from orders.models import COMPLETED_STATUSES, FulfilmentType, Order, OrderStatus

S = OrderStatus
TRANSITIONS: dict[str, set[str]] = {
    S.PLACED: {S.READY_FOR_PICKUP, S.SHIPPED, S.CANCELLED},
    S.READY_FOR_PICKUP: {S.COLLECTED, S.CANCELLED},
}
# which fulfilment a target status belongs to (None: any)
FOR_FULFILMENT: dict[str, str | None] = {
    S.READY_FOR_PICKUP: FulfilmentType.PICKUP,
    S.COLLECTED: FulfilmentType.PICKUP,
    S.SHIPPED: FulfilmentType.DELIVERY,
    S.CANCELLED: None,
}
COMPLETED = COMPLETED_STATUSES


def can_transition(order: Order, to: str) -> bool:
    wanted_fulfilment = FOR_FULFILMENT.get(to)
    return to in TRANSITIONS.get(order.status, set()) and (
        wanted_fulfilment is None or wanted_fulfilment == order.fulfilment_type
    )


def check_transition(order: Order, to: str) -> None:
    if not can_transition(order, to):
        raise InvalidTransition(
            f"Order {order.number} is {order.get_status_display().lower()} "
            f"({order.get_fulfilment_type_display().lower()}): it cannot become {S(to).label.lower()}.",
            status=order.status,
            to=to,
        )
