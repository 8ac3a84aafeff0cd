"""Stock writes: movements, stock parameters and units entering stock (reservations: reservations.py).

Every change locks the StockLevel rows it touches first (SELECT ... FOR UPDATE ordered by primary key,
so two writers never deadlock), re-checks under the lock, then writes the level and its ledger entries in
the same transaction. The number of queries does not grow with the number of lines: locks, level updates
(UPDATE ... FROM (VALUES ...)) and ledger inserts are each one statement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from inventory import locks
from inventory.exceptions import InsufficientStock
from inventory.models import (
    AdjustmentReason,
    MovementKind,
    StockLevel,
    StockMovement,
    Variant,
)
from omni import outbox
from omni.actors import Actor
from omni.exceptions import InvalidInput

Pair = tuple[int, int]  # (location_id, variant_id)


@dataclass(frozen=True)
class StockLine:
    location_id: int
    variant_id: int
    quantity: int


def _actor_fields(actor: Actor | None) -> dict:
    if actor is None:
        return {"user": None, "api_client": None, "actor_label": "system"}
    return {"user": actor.user, "api_client": actor.client, "actor_label": actor.label[:150]}


def ensure_levels(pairs: Iterable[Pair]) -> None:
    """Create missing StockLevel rows (safety stock from the location's default) without touching others."""
    from stores.models import Location

    pairs = set(pairs)
    if not pairs:
        return
    defaults = dict(
        Location.objects.filter(pk__in={p[0] for p in pairs}).values_list("pk", "default_safety_stock")
    )
    StockLevel.objects.bulk_create(
        [
            StockLevel(location_id=loc, variant_id=var, safety_stock=defaults.get(loc, 0))
            for loc, var in pairs
        ],
        ignore_conflicts=True,
    )


def lock_levels(pairs: Iterable[Pair]) -> dict[Pair, StockLevel]:
    """Lock the rows of these (location, variant) pairs in primary-key order; missing pairs are absent."""
    return locks.stock_levels(pairs)


def _apply_level_changes(changes: dict[int, tuple[int, int]], *, now, sale: bool = False) -> None:  # type: ignore[no-untyped-def]
    """One UPDATE for many rows: {level_id: (on_hand_delta, reserved_delta)}."""
    if not changes:
        return
    values = ", ".join(["(%s::bigint, %s::integer, %s::integer)"] * len(changes))
    params: list = []
    for level_id, (on_hand_delta, reserved_delta) in changes.items():
        params += [level_id, on_hand_delta, reserved_delta]
    sale_sql = ", last_sale_at = %s" if sale else ""
    table = StockLevel._meta.db_table
    sql = (
        f"UPDATE {table} AS s SET on_hand = s.on_hand + v.dh, reserved = s.reserved + v.dr, "  # noqa: S608
        f"last_movement_at = CASE WHEN v.dh <> 0 THEN %s ELSE s.last_movement_at END{sale_sql} "
        f"FROM (VALUES {values}) AS v(id, dh, dr) WHERE s.id = v.id"
    )
    head = [now] + ([now] if sale else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, head + params)


def _skus(variant_ids: Iterable[int]) -> dict[int, str]:
    return dict(Variant.objects.filter(pk__in=set(variant_ids)).values_list("pk", "sku"))


def _location_codes(location_ids: Iterable[int]) -> dict[int, str]:
    from stores.models import Location

    return dict(Location.objects.filter(pk__in=set(location_ids)).values_list("pk", "code"))


def _queue_low_stock_check(level_ids: Iterable[int]) -> None:
    ids = sorted(set(level_ids))
    if ids:
        outbox.enqueue("inventory.tasks.evaluate_low_stock_task", ids)


# --- Movements ----------------------------------------------------------------------------------

MANUAL_KINDS = {MovementKind.RECEIPT, MovementKind.ADJUSTMENT, MovementKind.DAMAGE, MovementKind.COUNT}


@transaction.atomic
def record_movement(
    *,
    actor: Actor | None,
    location_id: int,
    variant_id: int,
    kind: str,
    quantity: int,
    reason: str = "",
    note: str = "",
    reference: str = "",
    note_code: str = "",
    note_params: dict | None = None,
    reverses_id: int | None = None,
) -> tuple[StockMovement, StockLevel]:
    """A receipt (+quantity), damage (-quantity), adjustment (signed, with a reason) or count (the counted
    quantity; the difference is recorded). Answers InsufficientStock if on_hand would fall below zero or
    below what is reserved. A note Omni writes itself also goes as `note_code` and `note_params` (the
    ledger shows it in the reader's language); `reverses_id` links an undo to the movement it reverses."""
    if kind not in MANUAL_KINDS:
        raise InvalidInput(
            f"kind must be one of {', '.join(sorted(MANUAL_KINDS))}.", errors={"kind": ["Invalid."]}
        )
    if kind in (MovementKind.RECEIPT, MovementKind.DAMAGE) and quantity <= 0:
        raise InvalidInput(
            gettext("%(kind)s: the quantity is greater than zero.") % {"kind": MovementKind(kind).label},
            errors={"quantity": [gettext("Must be > 0.")]},
        )
    if kind == MovementKind.ADJUSTMENT:
        if quantity == 0:
            raise InvalidInput(
                "An adjustment changes stock: quantity cannot be 0.", errors={"quantity": ["Not 0."]}
            )
        if reason not in AdjustmentReason.values:
            labels = ", ".join(str(label) for label in AdjustmentReason.labels)
            raise InvalidInput(
                gettext("An adjustment needs a reason: one of %(reasons)s.") % {"reasons": labels},
                errors={"reason": [gettext("One of %(reasons)s.") % {"reasons": labels}]},
            )
    if kind == MovementKind.COUNT and quantity < 0:
        raise InvalidInput("A counted quantity is 0 or more.", errors={"quantity": ["Must be >= 0."]})

    ensure_levels([(location_id, variant_id)])
    level = lock_levels([(location_id, variant_id)])[(location_id, variant_id)]
    if kind == MovementKind.RECEIPT:
        delta = quantity
    elif kind == MovementKind.DAMAGE:
        delta = -quantity
    elif kind == MovementKind.ADJUSTMENT:
        delta = quantity
    else:
        delta = quantity - level.on_hand
    new_on_hand = level.on_hand + delta
    if new_on_hand < 0 or new_on_hand < level.reserved:
        sku = _skus([variant_id])[variant_id]
        raise InsufficientStock(
            [
                {
                    "sku": sku,
                    "location": _location_codes([location_id])[location_id],
                    "on_hand": level.on_hand,
                    "reserved": level.reserved,
                    "requested": -delta,
                }
            ],
            detail=gettext(
                "%(sku)s: this would leave %(on_hand)d on hand with %(reserved)d reserved; "
                "on hand cannot fall below zero or below what is reserved."
            )
            % {"sku": sku, "on_hand": new_on_hand, "reserved": level.reserved},
        )
    now = timezone.now()
    _apply_level_changes({level.pk: (delta, 0)}, now=now)
    movement = StockMovement.objects.create(
        location_id=location_id,
        variant_id=variant_id,
        kind=kind,
        delta=delta,
        on_hand_after=new_on_hand,
        reason=reason,
        note=note,
        reference=reference,
        note_code=note_code,
        note_params=note_params or {},
        reverses_id=reverses_id,
        created_at=now,
        **_actor_fields(actor),
    )
    level.on_hand = new_on_hand
    if delta:
        level.last_movement_at = now
    _queue_low_stock_check([level.pk])
    return movement, level


@transaction.atomic
def set_stock_parameters(
    *, location_id: int, variant_id: int, safety_stock: int | None = None, reorder_point: int | None = None
) -> StockLevel:
    ensure_levels([(location_id, variant_id)])
    level = lock_levels([(location_id, variant_id)])[(location_id, variant_id)]
    fields = []
    if safety_stock is not None:
        if safety_stock < 0:
            raise InvalidInput("Safety stock is 0 or more.", errors={"safety_stock": ["Must be >= 0."]})
        level.safety_stock = safety_stock
        fields.append("safety_stock")
    if reorder_point is not None:
        if reorder_point < 0:
            raise InvalidInput("The reorder point is 0 or more.", errors={"reorder_point": ["Must be >= 0."]})
        level.reorder_point = reorder_point
        fields.append("reorder_point")
    if fields:
        level.save(update_fields=fields)
        _queue_low_stock_check([level.pk])
    return level


# --- Reservations -------------------------------------------------------------------------------


def _merge(lines: Sequence[StockLine]) -> dict[Pair, int]:
    merged: dict[Pair, int] = defaultdict(int)
    for line in lines:
        if line.quantity <= 0:
            raise InvalidInput(
                "Quantities are whole numbers of 1 or more.", errors={"quantity": ["Must be >= 1."]}
            )
        merged[(line.location_id, line.variant_id)] += line.quantity
    return dict(merged)


@transaction.atomic
def receive_into_stock(
    *,
    actor: Actor | None,
    lines: Sequence[StockLine],
    kind: str,
    reference: str = "",
    reason: str = "",
    note: str = "",
    note_code: str = "",
    note_params: dict | None = None,
) -> list[StockMovement]:
    """Units entering stock (a return, a transfer received): on_hand rises, one ledger entry per line.
    `note_code` and `note_params`: as for record_movement."""
    wanted = _merge(lines)
    ensure_levels(wanted)
    levels = lock_levels(wanted)
    now = timezone.now()
    movements = [
        StockMovement(
            location_id=loc,
            variant_id=var,
            kind=kind,
            delta=quantity,
            on_hand_after=levels[(loc, var)].on_hand + quantity,
            reference=reference,
            reason=reason,
            note=note,
            note_code=note_code,
            note_params=note_params or {},
            created_at=now,
            **_actor_fields(actor),
        )
        for (loc, var), quantity in wanted.items()
    ]
    _apply_level_changes({levels[pair].pk: (quantity, 0) for pair, quantity in wanted.items()}, now=now)
    created = StockMovement.objects.bulk_create(movements)
    _queue_low_stock_check(levels[pair].pk for pair in wanted)
    return created
