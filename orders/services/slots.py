"""Pickup windows and arrivals (docs/TIME-IN-STORE.md, "Pickup slots and arrivals").

A pickup order may name the window it will be collected in (`fulfilment.pickup_slot`, its start): the
window is checked against the store's grid (stores.services.capacity.check_slot, never before the order's
promised ready time) and a place in it is taken (take_slot) in the placement's own transaction, after the
stock is held: a full window rolls the reservation back with it (all or nothing). Cancelling or expiring
the order gives the place back in its transaction; changing the window takes the new place and gives the
old one back in one transaction.

Arrival: the customer says they are at the store (the e-shop's `arrived` call, or the signed link of the
ready email); the first arrival time is kept, the note may be updated; the pickup queue shows arrivals
first, and the handover records how long the customer waited."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone

from omni.actors import Actor
from omni.exceptions import InvalidTransition
from orders.exceptions import OrderInvalid, OrderNotFound
from orders.locks import orders_for_update
from orders.models import FulfilmentType, Order, OrderStatus
from orders.selectors import orders_for
from orders.services.events import event, write_events
from orders.services.hours import promised_ready_time
from stores.exceptions import SlotUnavailable
from stores.models import Location
from stores.selectors.slots import PICKUP, Slot, pickup_slots
from stores.services.capacity import check_slot, release_slot, take_slot

FIELD = "fulfilment.pickup_slot"
ARRIVAL_SALT = "orders.arrival-link"
OPEN_PICKUP = (OrderStatus.PLACED, OrderStatus.READY_FOR_PICKUP)


def slot_invalid(message: str, field: str = FIELD) -> OrderInvalid:
    return OrderInvalid(message, errors={field: [message]})


def listable_slots(location: Location, day: object, *, now: datetime | None = None) -> list[Slot]:
    """The day's pickup windows with what remains, those starting before the time an order placed now
    would be promised ready left out."""
    now = now or timezone.now()
    earliest = promised_ready_time(location, now)
    return pickup_slots(location, day, not_before=earliest)  # type: ignore[arg-type]


def checked_window(
    location: Location, start: datetime, *, not_before: datetime, field: str = FIELD
) -> tuple[datetime, datetime]:
    """The window starting at `start`, not before `not_before` (the promised ready time), or a 400 naming
    `field`."""
    if timezone.is_naive(start):
        raise slot_invalid("Give the pickup window's start with its time zone offset.", field)
    if start < not_before:
        raise slot_invalid(
            f"This pickup window starts before the order can be ready "
            f"({timezone.localtime(not_before):%Y-%m-%d %H:%M}): choose a later one.",
            field,
        )
    try:
        return check_slot(location, minutes=location.pickup_slot_minutes, start=start, not_before=not_before)
    except SlotUnavailable as error:
        raise slot_invalid(
            "There is no pickup window starting then: choose one of the listed windows.", field
        ) from error


def take_window(location: Location, window: tuple[datetime, datetime]) -> None:
    """One place in the window (SlotFull, 409, when none is left). Inside the caller's transaction."""
    take_slot(location=location, resource=PICKUP, start=window[0], capacity=location.pickup_slot_capacity)


def release_window(order: Order) -> bool:
    """Give the order's place in its window back (a cancellation, an expiry). Inside the caller's
    transaction; the window stays on the order as a record."""
    if order.pickup_slot_start is None or order.location is None:
        return False
    release_slot(location=order.location, resource=PICKUP, start=order.pickup_slot_start)
    return True


def lock_order(actor: Actor, number: str) -> Order:
    """As orders.services.fulfilment.lock_order (which gives windows back through this module)."""
    order = orders_for_update(orders_for(actor).filter(number=number)).first()
    if order is None:
        raise OrderNotFound(f"No order {number}.")
    return order


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@transaction.atomic
def change_pickup_slot(*, actor: Actor, number: str, start: datetime) -> Order:
    """Move a pickup order not yet collected to another window: the new place is taken and the old one
    given back in one transaction (the new one full: SlotFull, and the old window is kept)."""
    order = lock_order(actor, number)
    if order.fulfilment_type != FulfilmentType.PICKUP or order.status not in OPEN_PICKUP:
        raise InvalidTransition(
            f"Order {number} is {order.get_status_display().lower()}: only a pickup not yet collected "
            "changes its window.",
            status=order.status,
        )
    location = order.location
    assert location is not None
    now = timezone.now()
    earliest = max(order.promised_ready_at or now, now)
    window = checked_window(location, start, not_before=earliest, field="pickup_slot")
    if window[0] == order.pickup_slot_start:
        return order
    take_window(location, window)
    release_window(order)
    before = order.pickup_slot_start
    order.pickup_slot_start, order.pickup_slot_end = window
    order.save(update_fields=["pickup_slot_start", "pickup_slot_end", "updated_at"])
    write_events(
        [
            event(
                order,
                "pickup_slot",
                f"Pickup window {timezone.localtime(window[0]):%Y-%m-%d %H:%M}-"
                f"{timezone.localtime(window[1]):%H:%M}.",
                actor=actor,
                start=_iso(window[0]),
                end=_iso(window[1]),
                previous=_iso(before),
            )
        ]
    )
    return order


def slot_event(order: Order, actor: Actor) -> object:
    """The placement's timeline entry for the chosen window."""
    assert order.pickup_slot_start is not None and order.pickup_slot_end is not None
    return event(
        order,
        "pickup_slot",
        f"Pickup window {timezone.localtime(order.pickup_slot_start):%Y-%m-%d %H:%M}-"
        f"{timezone.localtime(order.pickup_slot_end):%H:%M}.",
        actor=actor,
        start=_iso(order.pickup_slot_start),
        end=_iso(order.pickup_slot_end),
        previous=None,
    )


# --- Arrival ---------------------------------------------------------------------------------------------


def _check_arrival(order: Order) -> None:
    if order.fulfilment_type != FulfilmentType.PICKUP or order.status not in OPEN_PICKUP:
        raise InvalidTransition(
            f"Order {order.number} is {order.get_status_display().lower()}: only a pickup not yet collected "
            "can be told the customer has arrived.",
            status=order.status,
        )


def _arrive(order: Order, *, actor: Actor | None, note: str, via: str) -> Order:
    note = (note or "").strip()[:200]
    now = timezone.now()
    if order.arrived_at is not None:
        if note and note != order.arrival_note:
            order.arrival_note = note
            order.save(update_fields=["arrival_note", "updated_at"])
        return order
    order.arrived_at = now
    order.arrival_note = note
    order.save(update_fields=["arrived_at", "arrival_note", "updated_at"])
    write_events(
        [
            event(
                order,
                "arrived",
                "The customer is at the store" + (f": {note}" if note else "."),
                actor=actor,
                note=note,
                via=via,
                arrived_at=now.isoformat(),
            )
        ]
    )
    return order


@transaction.atomic
def mark_arrived(*, actor: Actor, number: str, note: str = "") -> Order:
    """The customer is at the store (the e-shop or app for its own orders, an integration). Idempotent: a
    second call keeps the first arrival time and may update the note."""
    order = lock_order(actor, number)
    _check_arrival(order)
    return _arrive(order, actor=actor, note=note, via="api")


# --- The "I'm here" link of the ready email ---------------------------------------------------------------


def arrival_token(order: Order) -> str:
    return signing.dumps({"o": order.pk, "n": order.number}, salt=ARRIVAL_SALT, compress=True)


def arrival_token_max_age(order: Order) -> timedelta:
    """The link works while the pickup is held (ready + hold days), counted from when it was signed."""
    days = order.location.pickup_hold_days if order.location is not None else 7
    return timedelta(days=max(days, 1), hours=1)


def read_arrival_token(token: str) -> tuple[Order | None, str]:
    """The order a link names and whether the link is good: "ok", "invalid" (tampered, unknown) or
    "expired" (past its pickup hold, or older than the hold allows)."""
    try:
        data = signing.loads(token, salt=ARRIVAL_SALT)
    except signing.BadSignature:
        return None, "invalid"
    if not isinstance(data, dict) or not isinstance(data.get("o"), int):
        return None, "invalid"
    order = (
        Order.objects.select_related("location")
        .filter(pk=data["o"], number=str(data.get("n")), fulfilment_type=FulfilmentType.PICKUP)
        .first()
    )
    if order is None:
        return None, "invalid"
    if order.expires_at is not None and order.expires_at <= timezone.now():
        return order, "expired"
    try:
        signing.loads(token, salt=ARRIVAL_SALT, max_age=arrival_token_max_age(order))
    except signing.SignatureExpired:
        return order, "expired"
    return order, "ok"


def order_for_arrival_token(token: str) -> Order | None:
    """The order a good link names, or None."""
    order, state = read_arrival_token(token)
    return order if state == "ok" else None


@transaction.atomic
def arrive_by_link(*, token: str, note: str = "") -> Order | None:
    """The customer pressed "I'm here" on the ready email's page: None when the link is not (or no longer)
    good; InvalidTransition when the order is no longer waiting to be collected."""
    found = order_for_arrival_token(token)
    if found is None:
        return None
    order = orders_for_update(Order.objects.filter(pk=found.pk)).get()
    _check_arrival(order)
    return _arrive(order, actor=None, note=note, via="link")


def waited_minutes(order: Order, until: datetime) -> int | None:
    """Whole minutes from arrival to `until` (the handover), None without an arrival."""
    if order.arrived_at is None:
        return None
    return max(int((until - order.arrived_at).total_seconds() // 60), 0)
