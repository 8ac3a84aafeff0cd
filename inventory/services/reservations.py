"""Reservations: units held for an owner (an order, a transfer) and their release or consumption as a sale.

Every change locks the StockLevel rows it touches first (inventory.locks, primary-key order), then the
owner's reservations, re-checks under the locks, then writes levels and reservations in one transaction;
the number of queries does not grow with the number of lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TypedDict

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from inventory import locks
from inventory.exceptions import InsufficientStock
from inventory.models import MovementKind, Reservation, ReservationState, StockLevel, StockMovement
from inventory.services.stock import (
    Pair,
    StockLine,
    _actor_fields,
    _apply_level_changes,
    _location_codes,
    _merge,
    _queue_low_stock_check,
    _skus,
    lock_levels,
)
from omni.actors import Actor
from omni.exceptions import InvalidInput


class _Shortage(TypedDict):
    pair: Pair
    requested: int
    available: int


@transaction.atomic
def reserve_stock(
    *, owner: str, lines: Sequence[StockLine], use_safety_stock: bool = False
) -> list[Reservation]:
    """Reserve every line or none: InsufficientStock names every line that cannot be had.

    With use_safety_stock the safety stock may be held too (units that arrived for this very owner, e.g. a
    transfer received for a customer's order): only on_hand - reserved limits it."""
    return reserve_in_transaction(owner=owner, lines=lines, use_safety_stock=use_safety_stock)


def reserve_in_transaction(
    *, owner: str, lines: Sequence[StockLine], use_safety_stock: bool = False
) -> list[Reservation]:
    """reserve_stock inside the caller's transaction, without a savepoint of its own (placing an order pays
    no SAVEPOINT round trips): it raises InsufficientStock before it writes anything, so a caller may
    catch it and try another plan in the same transaction (the rows it locked stay locked until then)."""
    assert transaction.get_connection().in_atomic_block, "reserve_in_transaction needs a transaction"
    wanted = _merge(lines)
    pairs = sorted(wanted)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            RESERVE_SQL,
            [
                [loc for loc, _ in pairs],
                [var for _, var in pairs],
                [wanted[pair] for pair in pairs],
                use_safety_stock,
                owner,
                now,
            ],
        )
        rows = cursor.fetchall()
    shortages: list[_Shortage] = [
        {"pair": (loc, var), "requested": quantity, "available": available}
        for loc, var, quantity, available, _level_id, _reservation_id in rows
        if available < quantity
    ]
    if shortages:
        skus = _skus(s["pair"][1] for s in shortages)
        codes = _location_codes(s["pair"][0] for s in shortages)
        raise InsufficientStock(
            [
                {
                    "sku": skus[s["pair"][1]],
                    "location": codes[s["pair"][0]],
                    "requested": s["requested"],
                    "available": s["available"],
                }
                for s in sorted(shortages, key=lambda s: s["pair"])
            ]
        )
    _queue_low_stock_check(level_id for *_, level_id, _reservation_id in rows)
    return [
        Reservation(
            pk=reservation_id,
            owner=owner,
            location_id=loc,
            variant_id=var,
            quantity=quantity,
            state=ReservationState.ACTIVE,
            created_at=now,
        )
        for loc, var, quantity, _available, _level_id, reservation_id in rows
    ]


# Reserving is one statement (one round trip, prepared once per connection): lock the levels in primary-key
# order, compute what each has available under the lock, and only if every line can be had, add to
# `reserved` and insert the reservations. Every line comes back with what was available (the shortage to
# report) and, when reserved, its level and reservation ids. A level that does not exist has 0 available.
# The CHECK constraints (reserved <= on_hand) stand behind the arithmetic.
RESERVE_SQL = """
    WITH wanted AS (
        SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::integer[])
            AS w(location_id, variant_id, quantity)
    ),
    locked AS (
        SELECT s.id, s.location_id, s.variant_id, s.on_hand, s.reserved, s.safety_stock
        FROM inventory_stocklevel s JOIN wanted w USING (location_id, variant_id)
        ORDER BY s.id
        FOR UPDATE OF s
    ),
    checked AS (
        SELECT w.location_id, w.variant_id, w.quantity, l.id AS level_id,
               COALESCE(GREATEST(
                   l.on_hand - l.reserved - CASE WHEN %s::boolean THEN 0 ELSE l.safety_stock END, 0
               ), 0) AS available
        FROM wanted w LEFT JOIN locked l USING (location_id, variant_id)
    ),
    every_line AS (SELECT bool_and(available >= quantity) AS ok FROM checked),
    held AS (
        UPDATE inventory_stocklevel s SET reserved = s.reserved + c.quantity
        FROM checked c, every_line e
        WHERE e.ok AND s.id = c.level_id
        RETURNING s.id
    ),
    inserted AS (
        INSERT INTO inventory_reservation (owner, location_id, variant_id, quantity, state, created_at)
        SELECT %s, c.location_id, c.variant_id, c.quantity, 'active', %s
        FROM checked c, every_line e
        WHERE e.ok
        RETURNING id, location_id, variant_id
    )
    SELECT c.location_id, c.variant_id, c.quantity, c.available,
           (SELECT h.id FROM held h WHERE h.id = c.level_id),
           (SELECT i.id FROM inserted i WHERE i.location_id = c.location_id AND i.variant_id = c.variant_id)
    FROM checked c
    ORDER BY c.location_id, c.variant_id
"""


def _lock_active_reservations(owner: str) -> tuple[list[Reservation], dict[Pair, StockLevel]]:
    """Lock the owner's levels (pk order), then re-read its active reservations under those locks."""
    pairs = set(
        Reservation.objects.filter(owner=owner, state=ReservationState.ACTIVE).values_list(
            "location_id", "variant_id"
        )
    )
    levels = lock_levels(pairs)
    active = locks.active_reservations(owner)
    return active, levels


@transaction.atomic
def release_reservations(*, owner: str) -> int:
    """Release every active reservation of an owner (a cancelled order or transfer).
    Returns the units released."""
    active, levels = _lock_active_reservations(owner)
    if not active:
        return 0
    changes: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for r in active:
        level = levels[(r.location_id, r.variant_id)]
        changes[level.pk] = (0, changes[level.pk][1] - r.quantity)
    now = timezone.now()
    _apply_level_changes(dict(changes), now=now)
    Reservation.objects.filter(pk__in=[r.pk for r in active]).update(
        state=ReservationState.RELEASED, closed_at=now
    )
    _queue_low_stock_check(changes)
    return sum(r.quantity for r in active)


@transaction.atomic
def release_reserved_units(*, owner: str, location_id: int, variant_id: int, quantity: int) -> int:
    """Release part of what an owner holds of one SKU at one location (e.g. units found missing on the
    shelf): its newest reservations first, a reservation cut down or released whole. Returns the units
    released (at most what the owner holds there)."""
    if quantity <= 0:
        raise InvalidInput(
            "Quantities are whole numbers of 1 or more.", errors={"quantity": ["Must be >= 1."]}
        )
    pair = (location_id, variant_id)
    level = lock_levels([pair]).get(pair)
    if level is None:
        return 0
    # newest first: the latest holds give way first
    active = locks.active_reservations(owner, location_id=location_id, variant_id=variant_id)[::-1]
    now = timezone.now()
    left = quantity
    released_ids: list[int] = []
    for r in active:
        if left == 0:
            break
        if r.quantity <= left:
            released_ids.append(r.pk)
            left -= r.quantity
        else:
            Reservation.objects.filter(pk=r.pk).update(quantity=F("quantity") - left)
            left = 0
    if released_ids:
        Reservation.objects.filter(pk__in=released_ids).update(state=ReservationState.RELEASED, closed_at=now)
    released = quantity - left
    if released:
        _apply_level_changes({level.pk: (0, -released)}, now=now)
        _queue_low_stock_check([level.pk])
    return released


@transaction.atomic
def consume_reservations(
    *,
    owner: str,
    actor: Actor | None,
    kind: str = MovementKind.SALE,
    reference: str = "",
    location_id: int | None = None,
) -> list[StockMovement]:
    """The reserved units leave as a sale (or transfer_out): on_hand and reserved both fall, one ledger
    entry per reservation. With location_id, only that location's reservations."""
    active, levels = _lock_active_reservations(owner)
    if location_id is not None:
        active = [r for r in active if r.location_id == location_id]
    if not active:
        return []
    now = timezone.now()
    changes: dict[int, tuple[int, int]] = {}
    on_hand_after: dict[Pair, int] = {}
    movements = []
    for r in active:
        pair = (r.location_id, r.variant_id)
        level = levels[pair]
        dh, dr = changes.get(level.pk, (0, 0))
        changes[level.pk] = (dh - r.quantity, dr - r.quantity)
        on_hand_after[pair] = on_hand_after.get(pair, level.on_hand) - r.quantity
        movements.append(
            StockMovement(
                location_id=r.location_id,
                variant_id=r.variant_id,
                kind=kind,
                delta=-r.quantity,
                on_hand_after=on_hand_after[pair],
                reference=reference or owner,
                created_at=now,
                **_actor_fields(actor),
            )
        )
    _apply_level_changes(changes, now=now, sale=kind == MovementKind.SALE)
    Reservation.objects.filter(pk__in=[r.pk for r in active]).update(
        state=ReservationState.CONSUMED, closed_at=now
    )
    created = StockMovement.objects.bulk_create(movements)
    _queue_low_stock_check(changes)
    return created
