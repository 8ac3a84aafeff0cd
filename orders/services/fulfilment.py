"""After placement: cancelling (releases the reservations) and shipping (the reserved units leave as a sale,
shipment by shipment)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from inventory.services import consume_reservations, release_reservations
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidTransition
from orders.exceptions import OrderNotFound
from orders.models import Order, OrderStatus, PaymentStatus, ShipmentStatus
from orders.selectors import orders_for
from orders.services.events import event, write_events
from orders.services.side_effects import after_commit
from orders.services.states import check_transition

CANCEL_REASONS = {"customer_request", "out_of_stock", "payment_failed", "fraud", "pickup_expired", "other"}


def lock_order(actor: Actor, number: str) -> Order:
    """The order, locked, if the actor may see it (else 404: never another location's or client's order)."""
    order = orders_for(actor).select_for_update(of=("self",)).filter(number=number).first()
    if order is None:
        raise OrderNotFound(f"No order {number}.")
    return order


@transaction.atomic
def cancel_order(*, actor: Actor, number: str, reason: str = "customer_request") -> Order:
    order = lock_order(actor, number)
    if actor.role == "kiosk":
        raise Forbidden("A kiosk may not cancel orders.")
    check_transition(order, OrderStatus.CANCELLED)
    released = release_reservations(owner=order.reservation_owner)
    now = timezone.now()
    order.status = OrderStatus.CANCELLED
    order.cancel_reason = reason
    order.cancelled_at = now
    order.save(update_fields=["status", "cancel_reason", "cancelled_at", "updated_at"])
    order.shipments.filter(status=ShipmentStatus.PENDING).update(status=ShipmentStatus.CANCELLED)
    refunded = order.payments.filter(status__in=[PaymentStatus.AUTHORISED, PaymentStatus.CAPTURED]).update(
        status=PaymentStatus.REFUNDED, updated_at=now
    )
    message = f"Cancelled ({reason}): {released} reserved units released."
    if refunded:
        message += " The payment is refunded."
    write_events([event(order, "cancelled", message, actor=actor, reason=reason)])
    after_commit(order, "order.cancelled")
    return order


@transaction.atomic
def ship_order(
    *, actor: Actor, number: str, carrier: str = "", tracking: str = "", location_code: str | None = None
) -> Order:
    """Ship the pending shipments the actor may ship (a store ships only its own). The order is shipped
    when its last shipment is."""
    order = lock_order(actor, number)
    check_transition(order, OrderStatus.SHIPPED)
    pending = list(order.shipments.select_related("location").filter(status=ShipmentStatus.PENDING))
    if location_code:
        pending = [s for s in pending if s.location.code == location_code]
    mine = [s for s in pending if actor.can_act_at(s.location_id)]
    if not mine:
        if pending:
            raise Forbidden("You may only ship what leaves from your own location.")
        raise InvalidTransition(f"Order {number} has nothing left to ship from there.")
    now = timezone.now()
    events = []
    for shipment in mine:
        consume_reservations(
            owner=order.reservation_owner,
            actor=actor,
            reference=order.number,
            location_id=shipment.location_id,
        )
        shipment.status = ShipmentStatus.SHIPPED
        shipment.carrier = carrier
        shipment.tracking = tracking
        shipment.shipped_at = now
        shipment.save(update_fields=["status", "carrier", "tracking", "shipped_at"])
        detail = f" with {carrier}" if carrier else ""
        detail += f", tracking {tracking}" if tracking else ""
        events.append(
            event(order, "shipment_shipped", f"Shipped from {shipment.location.code}{detail}.", actor=actor)
        )
    if not order.shipments.filter(status=ShipmentStatus.PENDING).exists():
        order.status = OrderStatus.SHIPPED
        order.shipped_at = now
        order.completed_at = now
        order.save(update_fields=["status", "shipped_at", "completed_at", "updated_at"])
        order.payments.filter(status=PaymentStatus.AUTHORISED).update(
            status=PaymentStatus.CAPTURED, updated_at=now
        )
        events.append(event(order, "shipped", "Every shipment has left: the order is shipped.", actor=actor))
        after_commit(order, "order.shipped")
    write_events(events)
    return order
