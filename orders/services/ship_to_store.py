"""Ship to store: units a pickup store lacks come from another location by an inventory transfer.

Placement (`allow_transfer`) or a short pick (`resource`) requests one transfer per source: the units are
held at the source under the transfer (inventory's reservation), and the order's allocation records the
source and links the transfer. When the transfer is received at the store, inventory sends
`inventory.signals.transfer_received` inside the receipt's transaction and `on_transfer_received` reserves
the units for the order there, in that same transaction. The order is ready only when every transfer is
received and every unit is held at the store.

Locks: the receipt holds the transfer and the stock levels and never waits for the order (the order is read,
not locked; a timeline entry only key-shares it). Whoever changes an order's transfers locks the order,
then the transfers (orders.services.fulfilment.lock_transfers), then stock levels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from inventory.exceptions import InsufficientStock
from inventory.models import Transfer, TransferStatus
from inventory.services import StockLine, TransferLineInput, request_transfer, reserve_stock
from omni.actors import Actor
from orders.models import Allocation, Order, OrderEvent, OrderLine, OrderStatus
from orders.services import sourcing
from orders.services.events import event, write_events
from stores.models import Location

IN_TRANSIT = (TransferStatus.REQUESTED, TransferStatus.SHIPPED)


@dataclass
class Holding:
    """Where a line's units are for a pickup: held at the store (reserved for the order there), on their
    way (a transfer requested or shipped), or neither (a transfer arrived short or was cancelled)."""

    quantity: int
    held: int = 0
    in_transit: int = 0

    @property
    def unheld(self) -> int:
        return max(self.quantity - self.held - self.in_transit, 0)


def holdings(order: Order, lines: Sequence[OrderLine]) -> dict[int, Holding]:
    """Line id -> Holding, in one query."""
    result = {line.pk: Holding(line.quantity) for line in lines}
    for allocation in Allocation.objects.filter(line__order=order).select_related("transfer"):
        holding = result.get(allocation.line_id)
        if holding is None:
            continue
        if allocation.transfer is None:
            if allocation.location_id == order.location_id:
                holding.held += allocation.quantity
        elif allocation.transfer.status == TransferStatus.RECEIVED:
            holding.held += allocation.quantity
        elif allocation.transfer.status in IN_TRANSIT:
            holding.in_transit += allocation.quantity
    return result


def pending_transfers(order: Order) -> list[Transfer]:
    """The order's transfers not received yet (requested or shipped), oldest first."""
    ids = Allocation.objects.filter(line__order=order, transfer__isnull=False).values("transfer_id")
    return list(Transfer.objects.filter(pk__in=ids, status__in=IN_TRANSIT).order_by("pk"))


def release_from_store(line: OrderLine, units: int, store_id: int) -> None:
    """Take `units` off the line's allocations held at the store (the store's own first, then those a
    received transfer brought); an allocation that reaches zero is deleted."""
    allocations = sorted(
        (
            a
            for a in Allocation.objects.select_related("transfer").filter(line=line)
            if (a.transfer is None and a.location_id == store_id)
            or (a.transfer is not None and a.transfer.status == TransferStatus.RECEIVED)
        ),
        key=lambda a: (a.transfer_id is not None, -a.pk),
    )
    left = units
    for allocation in allocations:
        if left == 0:
            break
        take = min(allocation.quantity, left)
        left -= take
        if take == allocation.quantity:
            allocation.delete()
        else:
            allocation.quantity -= take
            allocation.save(update_fields=["quantity"])


def candidates_for_store(store: Location, variant_id: int) -> list[sourcing.Candidate]:
    return [c for c in sourcing.candidates_for({variant_id}) if c.location_id != store.pk]


def send_to_store(
    *,
    order: Order,
    line: OrderLine,
    units: int,
    store: Location,
    candidates: list[sourcing.Candidate],
    actor: Actor,
) -> tuple[list[tuple[Transfer, int]], int]:
    """Hold `units` of the line at other locations and send them to the store, one transfer per source.
    The caller has locked the stock levels involved (primary-key order). Returns ([(transfer, units)],
    units nobody could give)."""
    decision = sourcing.strategy()(
        {line.variant_id: units}, candidates, (float(store.latitude), float(store.longitude))
    )
    short = decision.short.get(line.variant_id, 0)
    sent: list[tuple[Transfer, int]] = []
    for source_id, quantity in decision.allocations.get(line.variant_id, []):
        try:
            with transaction.atomic():
                transfer = request_transfer(
                    actor=Actor.system() if not actor.can_act_at(store.pk) else actor,
                    from_location_id=source_id,
                    to_location_id=store.pk,
                    lines=[TransferLineInput(line.variant_id, quantity)],
                    reference=order.number,
                    note=f"Ship to store: order {order.number}, for pickup at {store.code}.",
                )
        except InsufficientStock:
            short += quantity  # taken since we looked: what is left is cancelled by the caller
            continue
        Allocation.objects.create(line=line, location_id=source_id, quantity=quantity, transfer=transfer)
        sent.append((transfer, quantity))
    return sent, short


# --- Listening to inventory (connected in orders.apps) -----------------------------------------------------


def _by_order(transfer: Transfer) -> dict[int, list[Allocation]]:
    grouped: dict[int, list[Allocation]] = {}
    for allocation in (
        Allocation.objects.select_related("line__order").filter(transfer_id=transfer.pk).order_by("pk")
    ):
        grouped.setdefault(allocation.line.order_id, []).append(allocation)
    return grouped


def on_transfer_shipped(
    sender: Any, *, transfer: Transfer, actor: Actor | None = None, **kwargs: Any
) -> None:
    events = [
        event(
            allocations[0].line.order,
            "transfer_shipped",
            f"Transfer {transfer.number} left {transfer.from_location.code} for {transfer.to_location.code}.",
            actor=actor,
            transfer=transfer.number,
            from_location=transfer.from_location.code,
            to_location=transfer.to_location.code,
        )
        for allocations in _by_order(transfer).values()
    ]
    write_events(events)


def on_transfer_received(
    sender: Any,
    *,
    transfer: Transfer,
    received: Mapping[int, int],
    actor: Actor | None = None,
    **kwargs: Any,
) -> None:
    """In the receipt's transaction: reserve what arrived for the orders waiting for it, at the store."""
    grouped = _by_order(transfer)
    if not grouped:
        return
    left = dict(received)
    events: list[OrderEvent] = []
    store = transfer.to_location
    for allocations in grouped.values():
        order = allocations[0].line.order
        if order.status != OrderStatus.PLACED or order.location_id != store.pk:
            events.append(
                event(
                    order,
                    "transfer_received",
                    f"Transfer {transfer.number} arrived at {store.code} after the order was "
                    f"{order.get_status_display().lower()}: its units stay there as stock.",
                    actor=actor,
                    transfer=transfer.number,
                    store=store.code,
                    order_status=order.status,
                )
            )
            continue
        holds: list[StockLine] = []
        shortfalls: list[str] = []
        for allocation in allocations:
            variant_id = allocation.line.variant_id
            got = min(left.get(variant_id, 0), allocation.quantity)
            left[variant_id] = left.get(variant_id, 0) - got
            if got:
                holds.append(StockLine(location_id=store.pk, variant_id=variant_id, quantity=got))
            if got < allocation.quantity:
                shortfalls.append(f"{allocation.quantity - got} × {allocation.line.sku}")
                if got:
                    Allocation.objects.filter(pk=allocation.pk).update(quantity=got)
                else:
                    Allocation.objects.filter(pk=allocation.pk).delete()
        if holds:
            # Units sent for this very order: they may use the store's safety stock.
            reserve_stock(owner=order.reservation_owner, lines=holds, use_safety_stock=True)
        message = (
            f"Transfer {transfer.number} received at {store.code}: "
            f"{sum(h.quantity for h in holds)} units now held for the order."
        )
        if shortfalls:
            message += f" It arrived short ({', '.join(shortfalls)}): resolve it with a short pick."
        events.append(
            event(
                order,
                "transfer_received",
                message,
                actor=actor,
                transfer=transfer.number,
                short=shortfalls,
                store=store.code,
                units=sum(h.quantity for h in holds),
            )
        )
    write_events(events)
