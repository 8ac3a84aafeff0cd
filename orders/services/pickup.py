"""Click and collect, after placement (API-CONTRACT.md, Orders): pick, short pick, ready (code, QR email,
hold), collect at the desk (the code, a lockout after wrong codes, the stock leaving as a sale), unlock,
expiry of pickups nobody collected, reminders. Ship-to-store transfers: orders.services.ship_to_store.

    placed --mark_ready--> ready_for_pickup --collect--> collected
    placed | ready_for_pickup --cancel / expire_pickups--> cancelled (pickup_expired)

Every write locks the order first (orders.services.fulfilment.lock_order), then its transfers, then stock."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from inventory.models import AdjustmentReason, MovementKind
from inventory.services import consume_reservations, lock_levels, record_movement, release_reserved_units
from omni.actors import Actor
from omni.exceptions import DomainError, Forbidden, InvalidTransition
from omni.models import ApiRole, StaffRole
from omni.services import record_audit
from orders.exceptions import InvalidPickupCode, OrderInvalid, PickupLocked
from orders.models import (
    FulfilmentType,
    Order,
    OrderEmail,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from orders.services import points, ship_to_store
from orders.services.events import event, write_events
from orders.services.fulfilment import cancel_locked, lock_order
from orders.services.hours import lead_hours, promised_ready_time
from orders.services.lines import cancel_units
from orders.services.placement import PaymentInput
from orders.services.side_effects import after_commit
from orders.services.states import check_transition
from stores.models import Location

logger = logging.getLogger(__name__)

__all__ = [
    "DESK_PAYMENT_METHODS",
    "MAX_PICKUP_ATTEMPTS",
    "RESOLUTIONS",
    "collect",
    "expire_pickups",
    "mark_ready",
    "pick_lines",
    "promised_ready_time",
    "send_pickup_reminders",
    "short_pick",
    "unlock_pickup",
]

MAX_PICKUP_ATTEMPTS = 5  # the 5th wrong code locks the pickup
RESOLUTIONS = ("resource", "cancel_line")
DESK_PAYMENT_METHODS = (PaymentMethod.CARD.value, PaymentMethod.CASH.value)
REMINDER_WINDOW = timedelta(hours=24)
PICKUP_ROLES = (ApiRole.INTEGRATION.value, ApiRole.STORE.value)
EXPIRE_BATCH_LIMIT = 10_000


def _lock_pickup(actor: Actor, number: str, doing: str) -> tuple[Order, Location]:
    """The pickup order, locked, and its store; only the store's own people (or HQ) act on it."""
    order = lock_order(actor, number)
    if actor.role not in PICKUP_ROLES:
        raise Forbidden(f"A {actor.role} client may not {doing}.")
    if order.fulfilment_type != FulfilmentType.PICKUP or order.location_id is None:
        raise InvalidTransition(f"Order {number} is not a click-and-collect order.", status=order.status)
    location = Location.objects.get(pk=order.location_id)
    if not actor.can_act_at(location.pk):
        raise Forbidden(f"Only {location.code} may {doing} for order {number}.")
    return order, location


def _require_placed(order: Order, doing: str) -> None:
    if order.status != OrderStatus.PLACED:
        raise InvalidTransition(
            f"Order {order.number} is {order.get_status_display().lower()}: only a placed pickup order "
            f"can be {doing}.",
            status=order.status,
        )


# --- Picking ---------------------------------------------------------------------------------------------


@transaction.atomic
def pick_lines(
    *,
    actor: Actor,
    number: str,
    picked: Mapping[int, int],
    labels: Mapping[int, str] | None = None,
) -> Order:
    """Record how many units of each line (by OrderLine id) are in the customer's bag: 0 up to the units
    held at the store. `labels` names each line in errors (the API passes "lines.0.picked")."""
    order, _ = _lock_pickup(actor, number, "pick")
    _require_placed(order, "picked")
    if not picked:
        raise OrderInvalid("Name at least one line to pick.", errors={"lines": ["At least one line."]})
    lines = {line.pk: line for line in order.lines.all()}
    holding = ship_to_store.holdings(order, list(lines.values()))
    errors: dict[str, list[str]] = {}
    for line_id, quantity in picked.items():
        key = (labels or {}).get(line_id, f"picked.{line_id}")
        line = lines.get(line_id)
        if line is None:
            errors[key] = [f"Order {number} has no line {line_id}."]
            continue
        limit = min(line.quantity, holding[line_id].held)
        if not 0 <= quantity <= limit:
            errors[key] = [f"{line.sku}: picked is between 0 and the {limit} units held at the store."]
    if errors:
        raise OrderInvalid(
            "Some picked quantities are invalid: " + " ".join(m for ms in errors.values() for m in ms),
            errors=errors,
        )
    changed = []
    for line_id, quantity in picked.items():
        line = lines[line_id]
        line.picked_quantity = quantity
        changed.append(line)
    OrderLine.objects.bulk_update(changed, ["picked_quantity"])
    summary = ", ".join(f"{line.sku} {line.picked_quantity}/{line.quantity}" for line in changed)
    write_events(
        [
            event(
                order,
                "picked",
                f"Picked: {summary}.",
                actor=actor,
                picked={line.sku: line.picked_quantity for line in changed},
            )
        ]
    )
    return order


@transaction.atomic
def short_pick(*, actor: Actor, number: str, line_id: int, missing: int, resolution: str) -> Order:
    """`missing` units of a line are not on the shelf (or never arrived). Units the order held at the store
    are written off there (a stock adjustment, reason shrinkage, noted as a short pick) and their
    reservation released, so availability is truthful again. Then `resource`: hold them at another location
    and send them by transfer (what nobody has is cancelled), or `cancel_line`: take them off the order
    (repriced, refund due if captured, the customer told). Nothing left to hand over cancels the order."""
    order, store = _lock_pickup(actor, number, "pick")
    _require_placed(order, "short-picked")
    if resolution not in RESOLUTIONS:
        raise OrderInvalid(
            f"The resolution is one of {', '.join(RESOLUTIONS)}.",
            errors={"resolution": [f"One of {', '.join(RESOLUTIONS)}."]},
        )
    lines = list(order.lines.all())
    line = next((x for x in lines if x.pk == line_id), None)
    if line is None:
        raise OrderInvalid(
            f"Order {number} has no line {line_id}.", errors={"line_id": ["Not on this order."]}
        )
    holding = ship_to_store.holdings(order, lines)[line.pk]
    limit = holding.held + holding.unheld  # units on their way are not missing (yet)
    if not 1 <= missing <= limit:
        raise OrderInvalid(
            f"{line.sku}: missing is between 1 and the {limit} units that should be at the store.",
            errors={"missing": [f"Between 1 and {limit}."]},
        )
    from_elsewhere = min(missing, holding.unheld)  # never reached the store: nothing to write off
    from_shelf = missing - from_elsewhere
    candidates = (
        ship_to_store.candidates_for_store(store, line.variant_id) if resolution == "resource" else []
    )
    # Every stock level this touches, locked at once in primary-key order.
    lock_levels({(store.pk, line.variant_id)} | {(c.location_id, line.variant_id) for c in candidates})

    events = []
    if from_shelf:
        release_reserved_units(
            owner=order.reservation_owner,
            location_id=store.pk,
            variant_id=line.variant_id,
            quantity=from_shelf,
        )
        record_movement(
            actor=actor,
            location_id=store.pk,
            variant_id=line.variant_id,
            kind=MovementKind.ADJUSTMENT,
            quantity=-from_shelf,
            reason=AdjustmentReason.SHRINKAGE,
            note=f"Short pick: {from_shelf} × {line.sku} not on the shelf for order {number}.",
            reference=number,
        )
        ship_to_store.release_from_store(line, from_shelf, store.pk)
    line.short_quantity += missing
    line.picked_quantity = min(line.picked_quantity, holding.held - from_shelf)
    line.save(update_fields=["short_quantity", "picked_quantity"])
    message = f"Short pick: {missing} × {line.sku} missing."
    if from_shelf:
        message += f" {from_shelf} written off at {store.code} (stock adjustment, shrinkage)."
    if from_elsewhere:
        message += f" {from_elsewhere} never reached the store."
    events.append(
        event(
            order,
            "short_pick",
            message,
            actor=actor,
            sku=line.sku,
            missing=missing,
            written_off=from_shelf,
            resolution=resolution,
        )
    )

    to_cancel = missing
    if resolution == "resource":
        sent, to_cancel = ship_to_store.send_to_store(
            order=order, line=line, units=missing, store=store, candidates=candidates, actor=actor
        )
        for transfer, units in sent:
            events.append(
                event(
                    order,
                    "transfer_requested",
                    f"Transfer {transfer.number} requested: {units} × {line.sku} to be sent to {store.code} "
                    "to make good the short pick.",
                    actor=actor,
                    transfer=transfer.number,
                )
            )
        if sent:
            promised = promised_ready_time(store, timezone.now(), lead_hours=lead_hours())
            if order.promised_ready_at is None or promised > order.promised_ready_at:
                order.promised_ready_at = promised
                order.save(update_fields=["promised_ready_at", "updated_at"])
                events.append(
                    event(
                        order,
                        "promised",
                        f"Now promised ready for pickup by {timezone.localtime(promised):%Y-%m-%d %H:%M}.",
                        actor=actor,
                        promised_ready_at=promised.isoformat(),
                    )
                )
        if to_cancel:
            events.append(
                event(
                    order,
                    "resource_failed",
                    f"No other location can send {to_cancel} × {line.sku}: they are cancelled.",
                    actor=actor,
                )
            )
    write_events(events)
    if to_cancel:
        still_ordered = sum(x.quantity for x in lines if x.pk != line.pk) + line.quantity - to_cancel
        if still_ordered == 0:
            cancel_locked(order, actor=actor, reason="out_of_stock")  # nothing left to hand over
        else:
            cancel_units(order=order, line=line, units=to_cancel, actor=actor, why="not on the shelf")
    return order


# --- Ready -----------------------------------------------------------------------------------------------


def new_pickup_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


@transaction.atomic
def mark_ready(*, actor: Actor, number: str) -> Order:
    """A placed pickup order is ready: lines not yet picked are confirmed picked; a code, the hold
    (ready + the store's pickup_hold_days); the customer gets the code and its QR by email. Refused (409)
    while a ship-to-store transfer has not been received or units are not at the store."""
    order, store = _lock_pickup(actor, number, "prepare pickups")
    check_transition(order, OrderStatus.READY_FOR_PICKUP)
    waiting = ship_to_store.pending_transfers(order)
    if waiting:
        raise InvalidTransition(
            f"Order {number} waits for "
            + ", ".join(f"transfer {t.number} ({t.get_status_display().lower()})" for t in waiting)
            + f": it is ready once received at {store.code}.",
            status=order.status,
            transfers=[t.number for t in waiting],
        )
    lines = list(order.lines.all())
    holding = ship_to_store.holdings(order, lines)
    missing = [f"{holding[x.pk].unheld} × {x.sku}" for x in lines if holding[x.pk].unheld]
    if missing:
        raise InvalidTransition(
            f"Order {number}: {', '.join(missing)} not at {store.code} (a transfer arrived short or was "
            "cancelled): resolve with a short pick first.",
            status=order.status,
        )
    confirmed = sum(x.quantity - x.picked_quantity for x in lines)
    OrderLine.objects.filter(order=order).update(picked_quantity=F("quantity"))
    now = timezone.now()
    order.status = OrderStatus.READY_FOR_PICKUP
    order.pickup_code = new_pickup_code()
    order.ready_at = now
    order.expires_at = now + timedelta(days=store.pickup_hold_days)
    order.pickup_failed_attempts = 0
    order.pickup_locked_at = None
    order.save(
        update_fields=[
            "status",
            "pickup_code",
            "ready_at",
            "expires_at",
            "pickup_failed_attempts",
            "pickup_locked_at",
            "updated_at",
        ]
    )
    message = (
        f"Ready for pickup at {store.code}, held until {timezone.localtime(order.expires_at):%Y-%m-%d %H:%M}."
    )
    if confirmed:
        message += f" {confirmed} units not scanned were confirmed picked."
    # Never the code itself: store roles read the timeline.
    write_events(
        [event(order, "ready_for_pickup", message, actor=actor, expires_at=order.expires_at.isoformat())]
    )
    after_commit(order, "order.ready_for_pickup")
    return order


# --- Collect ---------------------------------------------------------------------------------------------


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
    order, store = _lock_pickup(actor, number, "hand over pickups")
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
    events = [
        event(
            order,
            "collected",
            f"Collected at {store.code}: {sum(-m.delta for m in consumed)} units handed over.",
            actor=actor,
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
            )
        )
    captured = order.payments.filter(status=PaymentStatus.AUTHORISED).update(
        status=PaymentStatus.CAPTURED, updated_at=now
    )
    if captured:
        events.append(event(order, "payment", "The authorised payment is captured.", actor=actor))
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
    from orders.models import ReturnCondition, ReturnReason
    from orders.services.returns import ReturnLineInput, create_return

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
        order.payments.select_for_update()
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


# --- Jobs: expiry and reminders ----------------------------------------------------------------------------


def expire_pickups(*, as_of: datetime | None = None) -> list[str]:
    """Cancel the pickups whose hold has passed (`cancel_reason` pickup_expired), their stock released at
    once. One transaction per order, taken with SKIP LOCKED: several runs at once share the work, and an
    order someone is handing over right now is left to them. Returns the numbers cancelled."""
    as_of = as_of or timezone.now()
    system = Actor.system()
    numbers: list[str] = []
    for _ in range(EXPIRE_BATCH_LIMIT):
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
                .filter(
                    fulfilment_type=FulfilmentType.PICKUP,
                    status__in=[OrderStatus.PLACED, OrderStatus.READY_FOR_PICKUP],
                    expires_at__lte=as_of,
                )
                .order_by("expires_at", "pk")
                .first()
            )
            if order is None:
                break
            cancel_locked(order, actor=system, reason="pickup_expired")
        numbers.append(order.number)
    return numbers


def send_pickup_reminders(*, as_of: datetime | None = None) -> int:
    """Remind customers whose pickup expires within 24 hours of `as_of`, once per order. Returns how many
    were sent now."""
    from orders.notifications import send_order_email

    as_of = as_of or timezone.now()
    already = OrderEmail.objects.filter(order=OuterRef("pk"), kind="pickup_reminder", sent_at__isnull=False)
    due = list(
        Order.objects.filter(
            fulfilment_type=FulfilmentType.PICKUP,
            status=OrderStatus.READY_FOR_PICKUP,
            expires_at__gt=as_of,
            expires_at__lte=as_of + REMINDER_WINDOW,
        )
        .exclude(customer_email="")
        .filter(~Exists(already))
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for order_id in due:
        try:
            sent += send_order_email(order_id=order_id, kind="pickup_reminder")
        except (SMTPException, OSError):
            logger.warning("Pickup reminder for order %s not sent; the next run tries again.", order_id)
    return sent
