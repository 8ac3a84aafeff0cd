"""After placement: cancelling (releases the reservations) and shipping (the reserved units leave as a sale,
shipment by shipment)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from inventory.models import Transfer, TransferStatus
from inventory.services import cancel_transfer, consume_reservations, release_reservations
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidTransition
from orders.exceptions import OrderNotFound
from orders.locks import orders_for_update, transfers_for_update
from orders.models import Order, OrderEvent, OrderStatus, PaymentStatus, ShipmentStatus
from orders.selectors import orders_for
from orders.services import points
from orders.services.events import event, write_events
from orders.services.side_effects import after_commit
from orders.services.slots import release_window
from orders.services.states import check_transition

CANCEL_REASONS = {"customer_request", "out_of_stock", "payment_failed", "fraud", "pickup_expired", "other"}


def lock_order(actor: Actor, number: str) -> Order:
    """The order, locked, if the actor may see it (else 404: never another location's or client's order).

    FOR NO KEY UPDATE: it excludes every other writer of the order, but not a row that merely points at it
    (a timeline entry written by a transfer receipt), so the receipt never waits for the order's lock.
    Lock order everywhere: the order, then its transfers, then stock levels."""
    order = orders_for_update(orders_for(actor).filter(number=number)).first()
    if order is None:
        raise OrderNotFound(f"No order {number}.")
    return order


def lock_transfers(order: Order) -> list[Transfer]:
    """The order's ship-to-store transfers, locked (primary-key order): a receipt then either happened
    before (its units are reserved for the order) or waits until the caller commits."""
    return list(transfers_for_update(order))


def _settle_transfers(order: Order, actor: Actor) -> list[OrderEvent]:
    """Cancelling: a transfer not yet shipped is cancelled (its hold at the source released); one on its way
    arrives and its units simply stay at the store as stock."""
    events = []
    for transfer in lock_transfers(order):
        if transfer.status == TransferStatus.REQUESTED:
            # The order's cancel is authorised already; the transfer is the order's own.
            cancel_transfer(actor=Actor.system(), transfer_id=transfer.pk)
            events.append(
                event(
                    order,
                    "transfer_cancelled",
                    f"Transfer {transfer.number} cancelled: its units stay at {transfer.from_location.code}.",
                    actor=actor,
                    transfer=transfer.number,
                    from_location=transfer.from_location.code,
                )
            )
        elif transfer.status == TransferStatus.SHIPPED:
            events.append(
                event(
                    order,
                    "transfer_in_transit",
                    f"Transfer {transfer.number} is already on its way: its units will stay at "
                    f"{transfer.to_location.code} as stock.",
                    actor=actor,
                    transfer=transfer.number,
                    to_location=transfer.to_location.code,
                )
            )
    return events


@transaction.atomic
def cancel_order(*, actor: Actor, number: str, reason: str = "customer_request") -> Order:
    order = lock_order(actor, number)
    if actor.role == "kiosk":
        raise Forbidden("A kiosk may not cancel orders.")
    return cancel_locked(order, actor=actor, reason=reason)


def cancel_locked(order: Order, *, actor: Actor | None, reason: str) -> Order:
    """Cancel an order the caller has locked (cancel_order, expire_pickups, a short pick that leaves nothing):
    transfers settled, reservations released, payment refunded, timeline, webhook and email after commit."""
    check_transition(order, OrderStatus.CANCELLED)
    events = _settle_transfers(order, actor or Actor.system())
    released = release_reservations(owner=order.reservation_owner)
    release_window(order)  # its place in the pickup window, if it chose one
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
    events.append(
        event(
            order,
            "cancelled",
            message,
            actor=actor,
            reason=reason,
            released=released,
            refunded=bool(refunded),
        )
    )
    events += points.on_cancelled(order, actor=actor)
    write_events(events)
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
            event(
                order,
                "shipment_shipped",
                f"Shipped from {shipment.location.code}{detail}.",
                actor=actor,
                location=shipment.location.code,
                carrier=carrier,
                tracking=tracking,
            )
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
        events += points.on_completed(order, actor=actor)
        after_commit(order, "order.shipped")
    write_events(events)
    return order
