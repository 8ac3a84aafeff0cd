"""The pickup desk (API-CONTRACT.md, Orders): hand a ready order over against its code (a lockout after
wrong codes, the stock leaving as a sale, a pay-at-pickup payment taken, refused units taken back as a return
on the spot), and unlock a pickup locked by wrong codes.

Every write locks the order first (orders.services.pickup.lock_pickup), then its payments, then stock."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from inventory.models import MovementKind
from inventory.services import consume_reservations
from omni.actors import Actor
from omni.exceptions import DomainError, Forbidden, InvalidTransition
from omni.models import ApiRole, StaffRole
from omni.services import record_audit
from orders.exceptions import InvalidPickupCode, OrderInvalid, PickupLocked
from orders.locks import payments_for_update
from orders.models import (
    FulfilmentType,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ReturnCondition,
    ReturnReason,
)
from orders.services import points
from orders.services.events import event, write_events
from orders.services.fulfilment import lock_order
from orders.services.inputs import PaymentInput, ReturnLineInput
from orders.services.pickup import DESK_PAYMENT_METHODS, MAX_PICKUP_ATTEMPTS, lock_pickup
from orders.services.returns import create_return
from orders.services.side_effects import after_commit
from orders.services.slots import waited_minutes
from orders.services.states import check_transition
from stores.models import Location

__all__ = ["collect", "unlock_pickup"]


@dataclass(frozen=True)
class _Outcome:
    order: Order
    error: DomainError | None = None


def collect(
    *,
    actor: Actor,
    number: str,
    code: str,
    payment: PaymentInput | None = None,
    refused: Mapping[str, int] | None = None,
) -> Order:
    """Hand a ready order over at the desk against its code. The right code: the reserved units leave the
    store as a sale, the order is collected, a pay-at-pickup order is paid (`payment`: card or cash,
    captured; required for them, refused for orders paid already). A wrong code: InvalidPickupCode, and the
    attempt is counted and committed even so; the MAX_PICKUP_ATTEMPTS-th locks the pickup (PickupLocked
    until a manager unlocks it). Two desks at once: one collects, the other gets InvalidTransition.

    `refused` (SKU -> units): what the customer refuses at the desk becomes a return on the spot at this
    store (reason `refused_at_pickup`, back on hand, refunded as paid, points reversed), in the same
    transaction as the handover: both happen or neither.

    Call it outside a transaction of your own: a wrong code's count must commit although this raises."""
    outcome = _collect(actor, number, code, payment, dict(refused or {}))
    if outcome.error is not None:
        raise outcome.error
    return outcome.order


@transaction.atomic
def _collect(
    actor: Actor, number: str, code: str, payment: PaymentInput | None, refused: dict[str, int]
) -> _Outcome:
    order, store = lock_pickup(actor, number, "hand over pickups")
    check_transition(order, OrderStatus.COLLECTED)
    if order.pickup_locked_at is not None:
        raise PickupLocked(
            f"Order {number}: too many wrong pickup codes. A store manager or HQ must unlock it first."
        )
    desk = _desk_payment(order, payment)
    if not hmac.compare_digest((code or "").strip().encode(), order.pickup_code.encode()):
        return _Outcome(order, _wrong_code(order, actor))

    now = timezone.now()
    consumed = consume_reservations(
        owner=order.reservation_owner,
        actor=actor,
        kind=MovementKind.SALE,
        reference=order.number,
        location_id=store.pk,
    )
    order.status = OrderStatus.COLLECTED
    order.completed_at = now
    order.save(update_fields=["status", "completed_at", "updated_at"])
    waited = waited_minutes(order, now)  # from "I'm here" to the handover, when the customer said so
    events = [
        event(
            order,
            "collected",
            f"Collected at {store.code}: {sum(-m.delta for m in consumed)} units handed over."
            + (f" The customer waited {waited} min." if waited is not None else ""),
            actor=actor,
            store=store.code,
            units=sum(-m.delta for m in consumed),
            waited_minutes=waited,
        )
    ]
    if desk is not None and payment is not None:
        desk.method = payment.method
        desk.status = PaymentStatus.CAPTURED
        desk.amount = order.total
        desk.reference = payment.reference[:120]
        desk.save(update_fields=["method", "status", "amount", "reference", "updated_at"])
        events.append(
            event(
                order,
                "payment",
                f"Paid at the desk: {desk.get_method_display()}, {desk.amount} {order.currency}.",
                actor=actor,
                step="desk",
                method=desk.method,
                amount=str(desk.amount),
                currency=order.currency,
            )
        )
    captured = order.payments.filter(status=PaymentStatus.AUTHORISED).update(
        status=PaymentStatus.CAPTURED, updated_at=now
    )
    if captured:
        events.append(
            event(order, "payment", "The authorised payment is captured.", actor=actor, step="captured")
        )
    events += points.on_completed(order, actor=actor)
    write_events(events)
    after_commit(order, "order.completed")
    if any(refused.values()):
        _refuse_at_desk(actor, order, store, refused, cash=payment is not None and payment.method == "cash")
    return _Outcome(order)


def _refuse_at_desk(
    actor: Actor, order: Order, store: Location, refused: dict[str, int], *, cash: bool
) -> None:
    """The units the customer refuses at the desk: a return at this store, inside the handover's
    transaction. Errors name `refused.<sku>` so the desk knows which line to correct."""
    lines = [
        ReturnLineInput(sku, quantity, ReturnCondition.RESELLABLE, ReturnReason.REFUSED_AT_PICKUP)
        for sku, quantity in refused.items()
        if quantity
    ]
    try:
        create_return(
            actor=actor,
            order_number=order.number,
            location_code=store.code,
            lines=lines,
            refund_method="cash" if cash else "original",
        )
    except DomainError as exc:
        if exc.errors:
            # lines.N.field -> refused.<sku>: the desk's own names for its inputs
            renamed: dict[str, list[str]] = {}
            for key, messages in exc.errors.items():
                parts = key.split(".")
                if (
                    parts[0] == "lines"
                    and len(parts) > 1
                    and parts[1].isdigit()
                    and int(parts[1]) < len(lines)
                ):
                    key = f"refused.{lines[int(parts[1])].sku}"
                renamed.setdefault(key, []).extend(messages)
            exc.errors = renamed
        raise


def _desk_payment(order: Order, payment: PaymentInput | None) -> Payment | None:
    """The pending pay-at-pickup payment, checked against what the desk sends (before the code is, so a
    missing payment costs no attempt)."""
    pending = (
        payments_for_update(order)
        .filter(method=PaymentMethod.PAY_AT_PICKUP, status=PaymentStatus.PENDING)
        .order_by("pk")
        .first()
    )
    if pending is None:
        if payment is not None:
            raise OrderInvalid(
                f"Order {order.number} is paid already: send no payment.",
                errors={"payment": ["The order is paid already."]},
            )
        return None
    if payment is None:
        raise OrderInvalid(
            f"Order {order.number} is paid at pickup: send the payment taken at the desk (card or cash).",
            errors={"payment": ["Required: the order is paid at pickup."]},
        )
    errors = {}
    if payment.method not in DESK_PAYMENT_METHODS:
        errors["payment.method"] = [f"One of {', '.join(DESK_PAYMENT_METHODS)}."]
    if payment.status != PaymentStatus.CAPTURED:
        errors["payment.status"] = ["Paid at the desk: captured."]
    if errors:
        raise OrderInvalid("The payment at the desk is card or cash, captured.", errors=errors)
    return pending


def _wrong_code(order: Order, actor: Actor) -> DomainError:
    attempts = order.pickup_failed_attempts + 1  # the order is locked: no lost update
    order.pickup_failed_attempts = attempts
    fields = ["pickup_failed_attempts", "updated_at"]
    events = [
        event(
            order,
            "pickup_code_rejected",
            f"Wrong pickup code ({attempts} of {MAX_PICKUP_ATTEMPTS}).",
            actor=actor,
            attempts=attempts,
            max_attempts=MAX_PICKUP_ATTEMPTS,
        )
    ]
    left = MAX_PICKUP_ATTEMPTS - attempts
    if left <= 0:
        order.pickup_locked_at = timezone.now()
        fields.append("pickup_locked_at")
        events.append(
            event(
                order,
                "pickup_locked",
                f"Pickup locked after {attempts} wrong codes: a store manager or HQ must unlock it.",
                actor=actor,
                attempts=attempts,
            )
        )
    order.save(update_fields=fields)
    write_events(events)
    if left <= 0:
        return InvalidPickupCode(
            "Wrong pickup code. Too many wrong codes: the pickup is now locked until a manager unlocks it.",
            attempts_left=0,
            locked=True,
        )
    return InvalidPickupCode(
        f"Wrong pickup code: {left} attempt{'s' if left > 1 else ''} left before the pickup is locked.",
        attempts_left=left,
        locked=False,
    )


def _may_unlock(actor: Actor, location_id: int) -> bool:
    if actor.role == ApiRole.INTEGRATION:  # HQ systems, HQ managers and administrators, Omni itself
        return True
    return (
        actor.is_staff_user and actor.staff_role == StaffRole.STORE_MANAGER and actor.can_act_at(location_id)
    )


@transaction.atomic
def unlock_pickup(*, actor: Actor, number: str, reason: str) -> Order:
    """A store manager of the pickup store (or HQ) clears the wrong-code count and the lock, saying why."""
    reason = (reason or "").strip()
    order = lock_order(actor, number)
    if order.fulfilment_type != FulfilmentType.PICKUP or order.location_id is None:
        raise InvalidTransition(f"Order {number} is not a click-and-collect order.", status=order.status)
    if not _may_unlock(actor, order.location_id):
        raise Forbidden("Only a store manager of the pickup store, or HQ, may unlock a pickup.")
    if not reason:
        raise OrderInvalid("Say why the pickup is unlocked.", errors={"reason": ["This field is required."]})
    if order.status != OrderStatus.READY_FOR_PICKUP:
        raise InvalidTransition(
            f"Order {number} is {order.get_status_display().lower()}: only a pickup waiting to be collected "
            "is unlocked.",
            status=order.status,
        )
    if order.pickup_locked_at is None and order.pickup_failed_attempts == 0:
        raise InvalidTransition(f"Order {number} is not locked and has no wrong codes.", status=order.status)
    attempts = order.pickup_failed_attempts
    order.pickup_failed_attempts = 0
    order.pickup_locked_at = None
    order.save(update_fields=["pickup_failed_attempts", "pickup_locked_at", "updated_at"])
    write_events(
        [
            event(
                order,
                "pickup_unlocked",
                f"Pickup unlocked by {actor.label} after {attempts} wrong codes: {reason}",
                actor=actor,
                reason=reason[:500],
                attempts=attempts,
            )
        ]
    )
    record_audit(
        action="order.pickup_unlocked",
        actor=actor,
        object_type="order",
        object_id=order.number,
        reason=reason[:500],
        data={"attempts": attempts},
    )
    return order
