"""Placing an order, as one service and one transaction: validate, price from the catalog, reserve every
line or none (inventory.services), write the order, its lines, allocations, shipments, payment and
timeline, then queue side effects after commit. The number of queries does not grow with the lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from inventory.exceptions import InsufficientStock
from inventory.models import Transfer
from inventory.services import consume_reservations
from omni import outbox
from omni.actors import Actor
from omni.bulk import insert_all, reserve_ids
from omni.cache_versions import scope as cached_versions_scope
from omni.transactions import service_atomic
from orders.models import (
    CHANNEL_PREFIX,
    Allocation,
    Channel,
    FulfilmentType,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Shipment,
)
from orders.services import points
from orders.services.events import event, write_events
from orders.services.holds import Plan, hold, plan_holds, plan_locations
from orders.services.hours import lead_hours, promised_ready_time
from orders.services.inputs import CustomerInput, FulfilmentInput, LineInput, OfflineSaleInput, PaymentInput
from orders.services.offline_sale import at_paid_prices, date_and_note
from orders.services.placement_checks import (
    MAX_LINES,
    MAX_QUANTITY,
    check_request,
    checked_variants,
    fulfilment_location,
    invalid,
)
from orders.services.prefetched import attach_prefetched
from orders.services.pricing import ZERO, PricedLine, price_lines, share_order_discount
from orders.services.side_effects import after_commit
from orders.services.slots import checked_window, slot_event, slot_invalid, take_window
from stores.models import Location
from stores.selectors import cached_locations, cached_opening_hours

__all__ = [
    "MAX_LINES",
    "MAX_QUANTITY",
    "CustomerInput",
    "FulfilmentInput",
    "LineInput",
    "PaymentInput",
    "place_order",
]

SOURCING_ATTEMPTS = 3


def _payment(order: Order, payment: PaymentInput | None, fulfilment: FulfilmentInput) -> Payment:
    if payment is None:
        if fulfilment.type == FulfilmentType.CARRY_OUT:
            payment = PaymentInput(method=PaymentMethod.CARD, status=PaymentStatus.CAPTURED)
        elif fulfilment.type == FulfilmentType.PICKUP:
            payment = PaymentInput(method=PaymentMethod.PAY_AT_PICKUP, status=PaymentStatus.PENDING)
        else:
            payment = PaymentInput(method=PaymentMethod.CARD, status=PaymentStatus.PENDING)
    if payment.status == PaymentStatus.REFUNDED:
        raise invalid("payment.status", "A new order's payment is pending, authorised or captured.")
    if fulfilment.type == FulfilmentType.CARRY_OUT and payment.status != PaymentStatus.CAPTURED:
        raise invalid("payment.status", "A sale at the till is paid at once: its payment is captured.")
    return Payment(
        order=order,
        method=payment.method,
        status=payment.status,
        amount=order.total,
        currency=order.currency,
        reference=payment.reference,
    )


@service_atomic  # no savepoint inside an idempotent API request (omni.transactions)
def place_order(
    *,
    actor: Actor,
    channel: str,
    lines: Sequence[LineInput],
    fulfilment: FulfilmentInput,
    customer: CustomerInput | None = None,
    redeem_points: int = 0,
    payment: PaymentInput | None = None,
    started_channel: str | None = None,
    offline_sale: OfflineSaleInput | None = None,
) -> Order:
    """`started_channel`: the channel the customer's cart was started in (carts.services.checkout), kept on
    the order for the channel reports; None for an order without a cart. `offline_sale`: only for a carry_out
    sale a store's tablet made offline, synced now (offline.services.sale; never from an API client): priced
    at what the customer paid, dated when it happened (orders.services.offline_sale)."""
    customer = customer or CustomerInput()
    check_request(actor, channel, fulfilment, customer, redeem_points)
    if offline_sale is not None and fulfilment.type != FulfilmentType.CARRY_OUT:
        raise invalid("fulfilment.type", "Only a sale at the counter is synced from a tablet.")
    if fulfilment.pickup_slot is not None and fulfilment.type != FulfilmentType.PICKUP:
        raise slot_invalid("Only a pickup order chooses a pickup window.")
    # The catalog's, promotions' and locations' versions read once per request (or here, outside one); the
    # low-stock check and the email written as one outbox message, published once.
    with cached_versions_scope(), outbox.batch():
        return _place(
            actor, channel, lines, fulfilment, customer, redeem_points, payment, started_channel, offline_sale
        )


def _place(
    actor: Actor,
    channel: str,
    lines: Sequence[LineInput],
    fulfilment: FulfilmentInput,
    customer: CustomerInput,
    redeem_points: int,
    payment: PaymentInput | None,
    started_channel: str | None = None,
    offline_sale: OfflineSaleInput | None = None,
) -> Order:
    variants = checked_variants(lines)
    location = fulfilment_location(actor, fulfilment)
    now = timezone.now()
    priced = price_lines(variants, channel=channel, at=now, customer_email=customer.email)
    price_changes = at_paid_prices(priced, offline_sale) if offline_sale is not None else []
    wanted = {v.pk: q for v, q in variants}
    keys = _new_keys(channel, len(priced), fulfilment)
    plan, transfers = _hold_stock(
        actor,
        keys.number,
        fulfilment,
        location,
        wanted,
        {v.pk: v.sku for v, _ in variants},
        use_safety_stock=offline_sale is not None,  # units sold offline have left the shop already
    )
    promised = _promise(fulfilment, location, now, transfers)
    order, redeemed = _build(
        actor, channel, keys, fulfilment, location, customer, priced, now, promised, redeem_points
    )
    order.started_channel = started_channel
    window = _take_window(fulfilment, location, promised)
    shipments, allocations = _build_allocations(order, plan, transfers, fulfilment, now, keys.shipment_ids)
    pay = _payment(order, payment, fulfilment)
    events = _placement_events(order, actor, channel, wanted, plan, transfers, location, promised, pay)
    events += redeemed
    if window is not None:
        order.pickup_slot_start, order.pickup_slot_end = window
        events.append(slot_event(order, actor))  # type: ignore[arg-type]
    if fulfilment.type == FulfilmentType.CARRY_OUT:
        assert location is not None
        order.status = OrderStatus.COMPLETED
        order.completed_at = now
        events.append(
            event(order, "completed", f"Carried out at {location.code}.", actor=actor, location=location.code)
        )
    if offline_sale is not None:
        events.append(date_and_note(order, actor, offline_sale, price_changes, now))
    # Every row of the new order in one statement (omni.bulk): the order, lines, shipments, allocations,
    # payment and timeline.
    insert_all([[order], order.lines_written, shipments, allocations, [pay], events])  # type: ignore[attr-defined]
    if fulfilment.type == FulfilmentType.CARRY_OUT:
        events += _complete_at_till(order, actor)
    after_commit(order, "order.placed" if order.status == OrderStatus.PLACED else "order.completed")
    _keep_written(order, allocations, shipments, pay, events, transfers)
    return order


@dataclass(frozen=True)
class _Keys:
    number: str
    order_id: int
    line_ids: list[int]
    shipment_ids: list[int]


def _new_keys(channel: str, lines: int, fulfilment: FulfilmentInput) -> _Keys:
    """The order's number and the primary keys its rows reference, in one query: a delivery has at most one
    shipment per line (unused keys are gaps, as a rolled back order leaves)."""
    shipments = lines if fulfilment.type == FulfilmentType.DELIVERY else 0
    ids, (sequence,) = reserve_ids(
        {Order: 1, OrderLine: lines, Shipment: shipments}, sequences=["orders_order_number_seq"]
    )
    return _Keys(
        number=f"{CHANNEL_PREFIX[channel]}-{sequence}",
        order_id=ids[Order][0],
        line_ids=ids[OrderLine],
        shipment_ids=ids[Shipment],
    )


def _hold_stock(
    actor: Actor,
    number: str,
    fulfilment: FulfilmentInput,
    location: Location | None,
    wanted: dict[int, int],
    skus: dict[int, str],
    *,
    use_safety_stock: bool = False,
) -> tuple[Plan, dict[int, Transfer]]:
    """Plan where each line is held and hold it, all or nothing; the transfers by source location."""
    for attempt in range(SOURCING_ATTEMPTS):
        plan = plan_holds(fulfilment, location, wanted, skus)
        try:
            return plan, hold(
                actor,
                f"order:{number}",
                number,
                plan,
                fulfilment,
                location,
                use_safety_stock=use_safety_stock,
            )
        except InsufficientStock:
            # Someone took the units between the plan and the locks: plan again from fresh figures,
            # unless the location is fixed (pickup, till) or we have tried enough.
            fixed = fulfilment.type == FulfilmentType.CARRY_OUT or (
                fulfilment.type == FulfilmentType.PICKUP and not fulfilment.allow_transfer
            )
            if fixed or attempt == SOURCING_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def _promise(
    fulfilment: FulfilmentInput, location: Location | None, now: datetime, transfers: dict[int, Transfer]
) -> datetime | None:
    """When a pickup is promised ready (later when units come by transfer); None for the rest."""
    if fulfilment.type != FulfilmentType.PICKUP:
        return None
    assert location is not None
    return promised_ready_time(
        location, now, lead_hours=lead_hours() if transfers else 0, hours=cached_opening_hours(location.pk)
    )


def _take_window(
    fulfilment: FulfilmentInput, location: Location | None, promised: datetime | None
) -> tuple[datetime, datetime] | None:
    """The chosen pickup window, checked (on the store's grid, not before the promised ready time) and one
    place in it taken, in this transaction, after the stock is held: a full window (SlotFull, 409) rolls
    the reservation back with it."""
    if fulfilment.pickup_slot is None:
        return None
    assert location is not None and promised is not None
    window = checked_window(location, fulfilment.pickup_slot, not_before=promised)
    take_window(location, window)
    return window


def _build_allocations(
    order: Order,
    plan: Plan,
    transfers: dict[int, Transfer],
    fulfilment: FulfilmentInput,
    now: datetime,
    shipment_ids: list[int],
) -> tuple[list[Shipment], list[Allocation]]:
    """A delivery's shipments (one per location it leaves from), and where each line's units are held."""
    line_by_variant = {line.variant_id: line for line in order.lines_written}  # type: ignore[attr-defined]
    shipments: dict[int, Shipment] = {}
    if fulfilment.type == FulfilmentType.DELIVERY:
        sources = sorted(plan_locations(plan))
        if len(sources) > len(shipment_ids):  # lines split over more locations than there are lines
            more, _ = reserve_ids({Shipment: len(sources) - len(shipment_ids)})
            shipment_ids = shipment_ids + more[Shipment]
        shipments = {
            loc: Shipment(pk=pk, order=order, location_id=loc, created_at=now)
            for loc, pk in zip(sources, shipment_ids, strict=False)
        }
    allocations = [
        Allocation(
            line=line_by_variant[v],
            location_id=loc,
            quantity=q,
            shipment=shipments.get(loc),
            transfer=transfers.get(loc),
        )
        for v, parts in plan.allocations.items()
        for loc, q in parts
    ]
    return list(shipments.values()), allocations


def _placement_events(
    order: Order,
    actor: Actor,
    channel: str,
    wanted: dict[int, int],
    plan: Plan,
    transfers: dict[int, Transfer],
    location: Location | None,
    promised: datetime | None,
    pay: Payment,
) -> list[OrderEvent]:
    """The timeline of a new order: placed, where its units come from, its transfers, its promise, its
    payment."""
    events = [
        event(
            order,
            "placed",
            f"Placed through {Channel(channel).label}: {sum(wanted.values())} units, "
            f"total {order.total} {order.currency}.",
            actor=actor,
            channel=channel,
            units=sum(wanted.values()),
            total=str(order.total),
            currency=order.currency,
        )
    ]
    events += [event(order, "sourced", note, actor=actor) for note in plan.notes]
    for source_id, transfer in sorted(transfers.items()):
        units = sum(q for parts in plan.allocations.values() for loc, q in parts if loc == source_id)
        events.append(
            event(
                order,
                "transfer_requested",
                f"Transfer {transfer.number} requested: {units} units held at its source, to be sent to "
                f"{location.code if location else ''} for pickup.",
                actor=actor,
                transfer=transfer.number,
                units=units,
                to_location=location.code if location else "",
            )
        )
    if promised is not None:
        events.append(
            event(
                order,
                "promised",
                f"Promised ready for pickup by {timezone.localtime(promised):%Y-%m-%d %H:%M}"
                + (" (after the transfer's lead time)." if transfers else "."),
                actor=actor,
                promised_ready_at=promised.isoformat(),
                after_transfer=bool(transfers),
            )
        )
    events.append(
        event(
            order,
            "payment",
            f"Payment {pay.get_method_display()}: {pay.get_status_display()}.",
            actor=actor,
            step="placed",
            method=pay.method,
            status=pay.status,
        )
    )
    return events


def _complete_at_till(order: Order, actor: Actor) -> list[OrderEvent]:
    """A sale at the till is completed at once (written so): its units leave as a sale, the member earns
    points (from the lines just written)."""
    consume_reservations(owner=order.reservation_owner, actor=actor, reference=order.number)
    earned = points.on_completed(order, actor=actor)
    write_events(earned)
    return earned


def _keep_written(
    order: Order,
    allocations: list[Allocation],
    shipments: list[Shipment],
    payment: Payment,
    events: list[Any],
    transfers: dict[int, Transfer],
) -> None:
    """The order as it was just written, with its lines, allocations, shipments, payment and timeline
    attached, so that answering the caller reads nothing back (what `selectors.order_detail` would load)."""
    lines = sorted(order.lines_written, key=lambda line: line.pk)  # type: ignore[attr-defined]
    locations = cached_locations({a.location_id for a in allocations})
    by_line: dict[int, list[Allocation]] = {line.pk: [] for line in lines}
    for allocation in allocations:
        allocation.location = locations[allocation.location_id]
        allocation.transfer = transfers.get(allocation.location_id)
        by_line[allocation.line_id].append(allocation)
    for line in lines:
        attach_prefetched(line, "allocations", by_line[line.pk])
    for shipment in shipments:
        shipment.location = locations[shipment.location_id]
    attach_prefetched(order, "lines", lines)
    attach_prefetched(order, "shipments", sorted(shipments, key=lambda s: s.pk))
    attach_prefetched(order, "payments", [payment])
    attach_prefetched(order, "events", events)
    attach_prefetched(order, "returns", [])  # a new order has none


def _build(
    actor: Actor,
    channel: str,
    keys: _Keys,
    fulfilment: FulfilmentInput,
    location: Location | None,
    customer: CustomerInput,
    priced: list[PricedLine],
    now: Any,
    promised_ready_at: Any = None,
    redeem_points: int = 0,
) -> tuple[Order, list[Any]]:
    """The order and its lines, not yet written. Points to redeem are drawn from the member's ledger against
    the order's total before the points, then shared over the lines."""
    subtotal = sum((p.gross for p in priced), ZERO)
    total = sum((p.line_total for p in priced), ZERO)
    taken_at = None
    if actor.location_ids is not None and len(actor.location_ids) == 1:
        taken_at = next(iter(actor.location_ids))
    elif location is not None and actor.can_act_at(location.pk) and actor.location_ids is not None:
        taken_at = location.pk
    order = Order(
        pk=keys.order_id,
        number=keys.number,
        channel=channel,
        status=OrderStatus.PLACED,
        fulfilment_type=fulfilment.type,
        location=location,
        api_client=actor.client,
        user=actor.user,
        taken_at_id=taken_at,
        customer_email=customer.email.strip().lower(),
        customer_first_name=customer.first_name,
        customer_last_name=customer.last_name,
        customer_phone=customer.phone,
        delivery_address=fulfilment.address if fulfilment.type == FulfilmentType.DELIVERY else None,
        allow_transfer=fulfilment.allow_transfer,
        subtotal=subtotal,
        discount=subtotal - total,
        total=total,
        vat_total=sum((p.vat_amount for p in priced), ZERO),
        created_at=now,
        promised_ready_at=promised_ready_at,
    )
    redeemed: list[Any] = []
    if redeem_points:
        discount, redeemed = points.redeem(order, redeem_points, actor=actor)
        share_order_discount(priced, discount)
        order.total = sum((p.line_total for p in priced), ZERO)
        order.discount = subtotal - order.total
        order.vat_total = sum((p.vat_amount for p in priced), ZERO)
        order.points_redeemed = redeem_points
    order.lines_written = [  # type: ignore[attr-defined]
        OrderLine(
            pk=pk,
            order=order,
            variant=p.variant,
            sku=p.variant.sku,
            name=p.variant.product.name,
            quantity=p.quantity,
            unit_price=p.unit_price,
            vat_rate=p.vat_rate,
            promotion=p.promotion,
            promotion_discount=p.promotion_discount,
            order_discount=p.order_discount,
            line_total=p.line_total,
            vat_amount=p.vat_amount,
        )
        for p, pk in zip(priced, keys.line_ids, strict=True)
    ]
    return order, redeemed
