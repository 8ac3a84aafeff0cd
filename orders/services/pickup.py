"""Click and collect, after placement (API-CONTRACT.md, Orders): pick, short pick, ready (code, QR email,
hold), expiry of pickups nobody collected, reminders. The desk (collect, unlock): orders.services.handover;
ship-to-store transfers: orders.services.ship_to_store.

    placed --mark_ready--> ready_for_pickup --collect--> collected
    placed | ready_for_pickup --cancel / expire_pickups--> cancelled (pickup_expired)

Every write locks the order first (orders.services.fulfilment.lock_order), then its transfers, then stock."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from inventory.models import AdjustmentReason, MovementKind
from inventory.services import lock_levels, record_movement, release_reserved_units
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidTransition
from omni.models import ApiRole
from orders.exceptions import OrderInvalid, label_of
from orders.locks import orders_skip_locked
from orders.models import (
    FulfilmentType,
    Order,
    OrderEmail,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
)
from orders.services import ship_to_store
from orders.services.events import event, write_events
from orders.services.fulfilment import cancel_locked, lock_order
from orders.services.hours import lead_hours, promised_ready_time
from orders.services.lines import cancel_units
from orders.services.side_effects import after_commit
from orders.services.sourcing import Candidate
from orders.services.states import check_transition
from stores.models import Location

logger = logging.getLogger(__name__)

__all__ = [
    "DESK_PAYMENT_METHODS",
    "MAX_PICKUP_ATTEMPTS",
    "RESOLUTIONS",
    "expire_pickups",
    "mark_ready",
    "pick_lines",
    "promised_ready_time",
    "send_pickup_reminders",
    "short_pick",
]

MAX_PICKUP_ATTEMPTS = 5  # the 5th wrong code locks the pickup
RESOLUTIONS = ("resource", "cancel_line")
DESK_PAYMENT_METHODS = (PaymentMethod.CARD.value, PaymentMethod.CASH.value)
REMINDER_WINDOW = timedelta(hours=24)
PICKUP_ROLES = (ApiRole.INTEGRATION.value, ApiRole.STORE.value)
EXPIRE_BATCH_LIMIT = 10_000


def lock_pickup(actor: Actor, number: str, doing: str) -> tuple[Order, Location]:
    """The pickup order, locked, and its store; only the store's own people (or HQ) act on it."""
    order = lock_order(actor, number)
    if actor.role not in PICKUP_ROLES:
        raise Forbidden(f"A client of role {label_of(ApiRole, actor.role)} may not {doing}.")
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
    order, _ = lock_pickup(actor, number, "pick")
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
                of={line.sku: line.quantity for line in changed},
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
    order, store = lock_pickup(actor, number, "pick")
    lines, line, holding = _prepare_short_pick(order, line_id, missing, resolution)
    candidates = (
        ship_to_store.candidates_for_store(store, line.variant_id) if resolution == "resource" else []
    )
    # Every stock level this touches, locked at once in primary-key order.
    lock_levels({(store.pk, line.variant_id)} | {(c.location_id, line.variant_id) for c in candidates})
    events = [_write_off_missing(actor, order, store, line, holding, missing, resolution)]
    to_cancel = missing
    if resolution == "resource":
        to_cancel = _resource_missing(actor, order, store, line, missing, candidates, events)
    write_events(events)
    if to_cancel:
        _cancel_missing(actor, order, lines, line, to_cancel)
    return order


def _prepare_short_pick(
    order: Order, line_id: int, missing: int, resolution: str
) -> tuple[list[OrderLine], OrderLine, ship_to_store.Holding]:
    """The order's lines, the line short-picked and where its units are; refused unless `missing` is
    between 1 and the units that should be at the store."""
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
            f"Order {order.number} has no line {line_id}.", errors={"line_id": ["Not on this order."]}
        )
    holding = ship_to_store.holdings(order, lines)[line.pk]
    limit = holding.held + holding.unheld  # units on their way are not missing (yet)
    if not 1 <= missing <= limit:
        raise OrderInvalid(
            f"{line.sku}: missing is between 1 and the {limit} units that should be at the store.",
            errors={"missing": [f"Between 1 and {limit}."]},
        )
    return lines, line, holding


def _write_off_missing(
    actor: Actor,
    order: Order,
    store: Location,
    line: OrderLine,
    holding: ship_to_store.Holding,
    missing: int,
    resolution: str,
) -> OrderEvent:
    """The units the order held on the store's shelf are written off (their reservation released); those
    that never reached the store have nothing to write off. The line counts them short."""
    number = order.number
    from_elsewhere = min(missing, holding.unheld)  # never reached the store: nothing to write off
    from_shelf = missing - from_elsewhere
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
            note_code="short_pick",
            note_params={"units": from_shelf, "sku": line.sku, "order": number},
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
    return event(
        order,
        "short_pick",
        message,
        actor=actor,
        sku=line.sku,
        missing=missing,
        written_off=from_shelf,
        resolution=resolution,
        store=store.code,
        never_arrived=from_elsewhere,
    )


def _resource_missing(
    actor: Actor,
    order: Order,
    store: Location,
    line: OrderLine,
    missing: int,
    candidates: list[Candidate],
    events: list[OrderEvent],
) -> int:
    """Hold the missing units at other locations and send them by transfer (the promise moves); returns the
    units nobody has, to cancel."""
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
                units=units,
                sku=line.sku,
                to_location=store.code,
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
                    after_transfer=False,
                    again=True,
                )
            )
    if to_cancel:
        events.append(
            event(
                order,
                "resource_failed",
                f"No other location can send {to_cancel} × {line.sku}: they are cancelled.",
                actor=actor,
                units=to_cancel,
                sku=line.sku,
            )
        )
    return to_cancel


def _cancel_missing(
    actor: Actor, order: Order, lines: list[OrderLine], line: OrderLine, to_cancel: int
) -> None:
    """Take the units off the order; nothing left to hand over cancels it."""
    still_ordered = sum(x.quantity for x in lines if x.pk != line.pk) + line.quantity - to_cancel
    if still_ordered == 0:
        cancel_locked(order, actor=actor, reason="out_of_stock")  # nothing left to hand over
    else:
        cancel_units(order=order, line=line, units=to_cancel, actor=actor, why="not on the shelf")


# --- Ready -----------------------------------------------------------------------------------------------


def new_pickup_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


@transaction.atomic
def mark_ready(*, actor: Actor, number: str) -> Order:
    """A placed pickup order is ready: lines not yet picked are confirmed picked; a code, the hold
    (ready + the store's pickup_hold_days); the customer gets the code and its QR by email. Refused (409)
    while a ship-to-store transfer has not been received or units are not at the store."""
    order, store = lock_pickup(actor, number, "prepare pickups")
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
        [
            event(
                order,
                "ready_for_pickup",
                message,
                actor=actor,
                expires_at=order.expires_at.isoformat(),
                store=store.code,
                confirmed=confirmed,
            )
        ]
    )
    after_commit(order, "order.ready_for_pickup")
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
                orders_skip_locked()
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
    from orders.services.notifications import send_order_email

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
