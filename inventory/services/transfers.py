"""Transfers between locations: request (reserve at the source), ship (leave the source), receive (enter
the destination, shortfalls recorded), cancel (before shipping)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from inventory import locks
from inventory.models import MovementKind, Transfer, TransferLine, TransferStatus
from inventory.services.numbers import next_number
from inventory.services.reservations import consume_reservations, release_reservations, reserve_stock
from inventory.services.stock import StockLine, receive_into_stock
from inventory.signals import transfer_received, transfer_shipped
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput, InvalidTransition


@dataclass(frozen=True)
class TransferLineInput:
    variant_id: int
    quantity: int


@dataclass(frozen=True)
class ReceivedLineInput:
    variant_id: int
    quantity: int
    reason: str = ""


def _lock(transfer_id: int) -> Transfer:
    return locks.transfer(transfer_id)


@transaction.atomic
def request_transfer(
    *,
    actor: Actor,
    from_location_id: int,
    to_location_id: int,
    lines: Sequence[TransferLineInput],
    reference: str = "",
    note: str = "",
) -> Transfer:
    """Create a transfer and hold its units at the source (InsufficientStock if they are not available)."""
    if from_location_id == to_location_id:
        raise InvalidInput(
            "A transfer goes between two different locations.", errors={"to_location": ["Same as from."]}
        )
    if not actor.can_act_at(from_location_id) and not actor.can_act_at(to_location_id):
        raise Forbidden("You may only create transfers from or to your own location.")
    if not lines:
        raise InvalidInput("A transfer has at least one line.", errors={"lines": ["At least one line."]})
    merged: dict[int, int] = {}
    for line in lines:
        if line.quantity <= 0:
            raise InvalidInput("Quantities are 1 or more.", errors={"lines": ["Quantities are 1 or more."]})
        merged[line.variant_id] = merged.get(line.variant_id, 0) + line.quantity
    transfer = Transfer.objects.create(
        number=next_number("T"),
        from_location_id=from_location_id,
        to_location_id=to_location_id,
        reference=reference,
        note=note,
        created_by=actor.label[:150],
    )
    TransferLine.objects.bulk_create(
        [TransferLine(transfer=transfer, variant_id=v, quantity=q) for v, q in merged.items()]
    )
    reserve_stock(
        owner=transfer.owner_ref,
        lines=[StockLine(location_id=from_location_id, variant_id=v, quantity=q) for v, q in merged.items()],
    )
    return transfer


def _words(transfer: Transfer) -> dict[str, str]:
    """A transfer's number and status as a person reads them (the status's label, not its code)."""
    return {"number": transfer.number, "status": str(transfer.get_status_display()).lower()}  # type: ignore[attr-defined]


@transaction.atomic
def ship_transfer(*, actor: Actor, transfer_id: int, carrier: str = "", tracking: str = "") -> Transfer:
    transfer = _lock(transfer_id)
    if not actor.can_act_at(transfer.from_location_id):
        raise Forbidden("Only the source location ships a transfer.")
    if transfer.status != TransferStatus.REQUESTED:
        raise InvalidTransition(
            gettext("Transfer %(number)s is %(status)s: only a requested transfer ships.") % _words(transfer)
        )
    consume_reservations(
        owner=transfer.owner_ref, actor=actor, kind=MovementKind.TRANSFER_OUT, reference=transfer.owner_ref
    )
    transfer.status = TransferStatus.SHIPPED
    transfer.shipped_at = timezone.now()
    transfer.carrier, transfer.tracking = carrier[:80], tracking[:120]
    transfer.save(update_fields=["status", "shipped_at", "carrier", "tracking"])
    transfer_shipped.send(sender=Transfer, transfer=transfer, actor=actor)
    return transfer


@transaction.atomic
def receive_transfer(*, actor: Actor, transfer_id: int, lines: Sequence[ReceivedLineInput]) -> Transfer:
    """Units received enter the destination; a line received short keeps its shortfall and reason on the
    transfer (the units left the source and are recorded as missing in transit, never silently lost).
    Lines not mentioned are taken as received in full."""
    transfer = _lock(transfer_id)
    if not actor.can_act_at(transfer.to_location_id):
        raise Forbidden("Only the destination location receives a transfer.")
    if transfer.status != TransferStatus.SHIPPED:
        raise InvalidTransition(
            gettext("Transfer %(number)s is %(status)s: only a shipped transfer is received.")
            % _words(transfer)
        )
    transfer_lines = {line.variant_id: line for line in locks.transfer_lines(transfer)}
    received: dict[int, ReceivedLineInput] = {}
    for index, line in enumerate(lines):
        if line.variant_id not in transfer_lines:
            raise InvalidInput(
                "That SKU is not on this transfer.", errors={f"lines.{index}.sku": ["Not on this transfer."]}
            )
        if line.variant_id in received:
            raise InvalidInput("Each SKU once.", errors={f"lines.{index}.sku": ["Listed twice."]})
        shipped = transfer_lines[line.variant_id].quantity
        if not 0 <= line.quantity <= shipped:
            raise InvalidInput(
                f"Received quantity is between 0 and the {shipped} shipped.",
                errors={f"lines.{index}.quantity": [f"Between 0 and {shipped}."]},
            )
        received[line.variant_id] = line
    stock_lines = []
    for variant_id, tline in transfer_lines.items():
        got = received.get(variant_id)
        tline.quantity_received = tline.quantity if got is None else got.quantity
        if tline.quantity_received < tline.quantity:
            tline.shortfall_reason = (got.reason if got and got.reason else "missing on arrival")[:200]
        if tline.quantity_received:
            stock_lines.append(
                StockLine(
                    location_id=transfer.to_location_id,
                    variant_id=variant_id,
                    quantity=tline.quantity_received,
                )
            )
    TransferLine.objects.bulk_update(list(transfer_lines.values()), ["quantity_received", "shortfall_reason"])
    if stock_lines:
        receive_into_stock(
            actor=actor, lines=stock_lines, kind=MovementKind.TRANSFER_IN, reference=transfer.owner_ref
        )
    transfer.status = TransferStatus.RECEIVED
    transfer.received_at = timezone.now()
    transfer.save(update_fields=["status", "received_at"])
    # In this transaction: a listener (orders, for ship-to-store) holds the units it was waiting for.
    transfer_received.send(
        sender=Transfer,
        transfer=transfer,
        received={v: line.quantity_received or 0 for v, line in transfer_lines.items()},
        actor=actor,
    )
    return transfer


@transaction.atomic
def cancel_transfer(*, actor: Actor, transfer_id: int) -> Transfer:
    transfer = _lock(transfer_id)
    if not (actor.can_act_at(transfer.from_location_id) or actor.can_act_at(transfer.to_location_id)):
        raise Forbidden("You may only cancel transfers of your own location.")
    if transfer.status != TransferStatus.REQUESTED:
        raise InvalidTransition(
            gettext("Transfer %(number)s is %(status)s: only a requested transfer is cancelled.")
            % _words(transfer)
        )
    release_reservations(owner=transfer.owner_ref)
    transfer.status = TransferStatus.CANCELLED
    transfer.cancelled_at = timezone.now()
    transfer.save(update_fields=["status", "cancelled_at"])
    return transfer
