"""The units a return brings back: on hand at the receiving location as a `return` movement, written off
again when damaged, sent on to a warehouse by transfer when the desk says so."""

from __future__ import annotations

from collections import defaultdict

from inventory.models import MovementKind, Transfer
from inventory.services import (
    StockLine,
    TransferLineInput,
    receive_into_stock,
    record_movement,
    request_transfer,
)
from omni.actors import Actor
from orders.models import Order, Return, ReturnCondition, ReturnLine
from stores.models import Location


def receive_units(
    actor: Actor,
    order: Order,
    ret: Return,
    location: Location,
    warehouse: Location | None,
    return_lines: list[ReturnLine],
) -> Transfer | None:
    """Every unit comes back as a `return`; damaged ones leave sellable stock again as `damage`; resellable
    ones go on to the warehouse by transfer when the desk says so."""
    number = ret.number
    by_condition: dict[str, dict[int, int]] = {c: defaultdict(int) for c in ReturnCondition.values}
    for r in return_lines:
        by_condition[r.condition][r.variant_id] += r.quantity
    receive_into_stock(
        actor=actor,
        lines=[
            StockLine(location_id=location.pk, variant_id=v, quantity=q)
            for c in ReturnCondition.values
            for v, q in by_condition[c].items()
        ],
        kind=MovementKind.RETURN,
        reference=number,
        note=f"Return {number} of order {order.number}",
        note_code="return_received",
        note_params={"return": number, "order": order.number},
    )
    for variant_id, quantity in sorted(by_condition[ReturnCondition.DAMAGED].items()):
        record_movement(
            actor=actor,
            location_id=location.pk,
            variant_id=variant_id,
            kind=MovementKind.DAMAGE,
            quantity=quantity,
            reason="returned_damaged",
            note=f"Return {number}: returned damaged, not sellable",
            note_code="return_damaged",
            note_params={"return": number},
            reference=number,
        )
    if warehouse is None:
        return None
    ret.transfer = request_transfer(
        actor=actor,
        from_location_id=location.pk,
        to_location_id=warehouse.pk,
        lines=[
            TransferLineInput(variant_id=v, quantity=q)
            for v, q in sorted(by_condition[ReturnCondition.RESELLABLE].items())
        ],
        reference=number,
        note=f"Return {number}: resellable units sent back to {warehouse.code}.",
    )
    return ret.transfer
