"""Placing an order, as one service and one transaction: validate, price from the catalog, reserve every
line or none (inventory.services), write the order, its lines, allocations, shipments, payment and
timeline, then queue side effects after commit. The number of queries does not grow with the lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from inventory.exceptions import InsufficientStock
from inventory.models import Transfer
from inventory.services import consume_reservations
from omni.actors import Actor
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
from orders.services.inputs import CustomerInput, FulfilmentInput, LineInput, PaymentInput
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
from stores.models import Location

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


def _next_number(channel: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_order_number_seq')")
        (value,) = cursor.fetchone()
    return f"{CHANNEL_PREFIX[channel]}-{value}"


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


@transaction.atomic
def place_order(
    *,
    actor: Actor,
    channel: str,
    lines: Sequence[LineInput],
    fulfilment: FulfilmentInput,
    customer: CustomerInput | None = None,
    redeem_points: int = 0,
    payment: PaymentInput | None = None,
) -> Order:
    customer = customer or CustomerInput()
    check_request(actor, channel, fulfilment, customer, redeem_points)
    variants = checked_variants(lines)
    location = fulfilment_location(actor, fulfilment)
    now = timezone.now()
    priced = price_lines(variants, channel=channel, at=now)
    wanted = {v.pk: q for v, q in variants}
    number = _next_number(channel)
    plan, transfers = _hold_stock(
        actor, number, fulfilment, location, wanted, {v.pk: v.sku for v, _ in variants}
    )
    promised = _promise(fulfilment, location, now, transfers)
    order, redeemed = _write(
        actor, channel, number, fulfilment, location, customer, priced, now, promised, redeem_points
    )
    shipments, allocations = _create_allocations(order, plan, transfers, fulfilment, now)
    pay = _payment(order, payment, fulfilment)
    pay.save()
    events = _placement_events(order, actor, channel, wanted, plan, transfers, location, promised, pay)
    events += redeemed
    if fulfilment.type == FulfilmentType.CARRY_OUT:
        assert location is not None
        events += _complete_at_till(order, actor, location, now)
    _post_create_order_actions(order, events)
    _keep_written(order, allocations, shipments, pay, events, transfers)
    return order


def _hold_stock(
    actor: Actor,
    number: str,
    fulfilment: FulfilmentInput,
    location: Location | None,
    wanted: dict[int, int],
    skus: dict[int, str],
) -> tuple[Plan, dict[int, Transfer]]:
    """Plan where each line is held and hold it, all or nothing; the transfers by source location."""
    for attempt in range(SOURCING_ATTEMPTS):
        plan = plan_holds(fulfilment, location, wanted, skus)
        try:
            return plan, hold(actor, f"order:{number}", number, plan, fulfilment, location)
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
    return promised_ready_time(location, now, lead_hours=lead_hours() if transfers else 0)


def _create_allocations(
    order: Order, plan: Plan, transfers: dict[int, Transfer], fulfilment: FulfilmentInput, now: datetime
) -> tuple[list[Shipment], list[Allocation]]:
    """A delivery's shipments (one per location it leaves from), and where each line's units are held."""
    line_by_variant = {line.variant_id: line for line in order.lines_written}  # type: ignore[attr-defined]
    shipments: dict[int, Shipment] = {}
    if fulfilment.type == FulfilmentType.DELIVERY:
        shipments = {
            s.location_id: s
            for s in Shipment.objects.bulk_create(
                [
                    Shipment(order=order, location_id=loc, created_at=now)
                    for loc in sorted(plan_locations(plan))
                ]
            )
        }
    allocations = Allocation.objects.bulk_create(
        [
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
    )
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
            )
        )
    events.append(
        event(
            order, "payment", f"Payment {pay.get_method_display()}: {pay.get_status_display()}.", actor=actor
        )
    )
    return events


def _complete_at_till(order: Order, actor: Actor, location: Location, now: datetime) -> list[OrderEvent]:
    """A sale at the till is completed at once: its units leave as a sale, the member earns points."""
    consume_reservations(owner=order.reservation_owner, actor=actor, reference=order.number)
    order.status = OrderStatus.COMPLETED
    order.completed_at = now
    order.save(update_fields=["status", "completed_at"])
    events = [event(order, "completed", f"Carried out at {location.code}.", actor=actor)]
    return events + points.on_completed(order, actor=actor)


def _post_create_order_actions(order: Order, events: list[OrderEvent]) -> None:
    """The timeline, then the webhook and the email, queued with the transaction."""
    write_events(events)
    after_commit(order, "order.placed" if order.status == OrderStatus.PLACED else "order.completed")


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
    locations = Location.objects.in_bulk({a.location_id for a in allocations})
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


def _write(
    actor: Actor,
    channel: str,
    number: str,
    fulfilment: FulfilmentInput,
    location: Location | None,
    customer: CustomerInput,
    priced: list[PricedLine],
    now: Any,
    promised_ready_at: Any = None,
    redeem_points: int = 0,
) -> tuple[Order, list[Any]]:
    """Write the order and its lines. Points to redeem are drawn from the member's ledger once the order
    row exists (with its total before the points), then shared over the lines before they are written."""
    subtotal = sum((p.gross for p in priced), ZERO)
    total = sum((p.line_total for p in priced), ZERO)
    taken_at = None
    if actor.location_ids is not None and len(actor.location_ids) == 1:
        taken_at = next(iter(actor.location_ids))
    elif location is not None and actor.can_act_at(location.pk) and actor.location_ids is not None:
        taken_at = location.pk
    order = Order.objects.create(
        number=number,
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
        order.save(update_fields=["total", "discount", "vat_total", "points_redeemed"])
    order.lines_written = OrderLine.objects.bulk_create(  # type: ignore[attr-defined]
        [
            OrderLine(
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
            for p in priced
        ]
    )
    return order, redeemed
