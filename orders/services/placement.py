"""Placing an order, as one service and one transaction: validate, price from the catalog, reserve every
line or none (inventory.services), write the order, its lines, allocations, shipments, payment and
timeline, then queue side effects after commit. The number of queries does not grow with the lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel, Transfer, Variant
from inventory.selectors.stock import AVAILABLE
from inventory.services import (
    StockLine,
    TransferLineInput,
    consume_reservations,
    lock_levels,
    request_transfer,
    reserve_stock,
)
from omni.actors import Actor
from omni.exceptions import Forbidden
from orders.exceptions import OrderInvalid
from orders.models import (
    CHANNEL_PREFIX,
    Allocation,
    Channel,
    FulfilmentType,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Shipment,
)
from orders.services import points, sourcing
from orders.services.events import event, write_events
from orders.services.hours import lead_hours, promised_ready_time
from orders.services.pricing import ZERO, PricedLine, price_lines, share_order_discount
from orders.services.side_effects import after_commit
from stores.models import Location

MAX_QUANTITY = 999
MAX_LINES = 200
ROLE_CHANNELS: dict[str, set[str] | None] = {
    "integration": None,  # every channel
    "eshop": {Channel.WEB, Channel.APP},
    "kiosk": {Channel.KIOSK},
    "store": {Channel.KIOSK, Channel.STORE},
}
SOURCING_ATTEMPTS = 3


@dataclass(frozen=True)
class LineInput:
    sku: str
    quantity: int


@dataclass(frozen=True)
class CustomerInput:
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class FulfilmentInput:
    type: str
    location: str = ""  # a location code, for pickup and carry_out
    address: dict[str, Any] | None = None  # for delivery
    allow_transfer: bool = False


@dataclass(frozen=True)
class PaymentInput:
    method: str
    status: str
    reference: str = ""


@dataclass
class _Plan:
    allocations: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # variant -> [(loc, qty)]
    notes: list[str] = field(default_factory=list)


def _invalid(field_path: str, message: str) -> OrderInvalid:
    return OrderInvalid(message, errors={field_path: [message]})


def _check_channel(actor: Actor, channel: str) -> None:
    allowed = ROLE_CHANNELS.get(actor.role, set())
    if allowed is not None and channel not in allowed:
        raise Forbidden(f"A {actor.role} client may not place orders of channel {channel}.")


def _variants(lines: Sequence[LineInput]) -> tuple[list[tuple[Variant, int]], list[str]]:
    """Merge lines of the same SKU, check them, and load their variants in one query."""
    if not lines:
        raise _invalid("lines", "An order has at least one line.")
    if len(lines) > MAX_LINES:
        raise _invalid("lines", f"An order has at most {MAX_LINES} lines.")
    errors: dict[str, list[str]] = {}
    for i, line in enumerate(lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            errors[f"lines.{i}.quantity"] = [f"A quantity is a whole number from 1 to {MAX_QUANTITY}."]
    found = {
        v.sku: v
        for v in Variant.objects.select_related("product").filter(sku__in={line.sku for line in lines})
    }
    for i, line in enumerate(lines):
        variant = found.get(line.sku)
        if variant is None:
            errors[f"lines.{i}.sku"] = [f"No SKU {line.sku} in the catalog."]
        elif not (variant.active and variant.product.active):
            errors[f"lines.{i}.sku"] = [f"SKU {line.sku} is not on sale."]
    if errors:
        raise OrderInvalid(
            "Some lines are invalid: " + " ".join(m for ms in errors.values() for m in ms), errors=errors
        )
    merged: dict[str, int] = {}
    for line in lines:
        merged[line.sku] = merged.get(line.sku, 0) + line.quantity
    for sku, quantity in merged.items():
        if quantity > MAX_QUANTITY:
            raise _invalid("lines", f"At most {MAX_QUANTITY} units of {sku} in one order.")
    return [(found[sku], quantity) for sku, quantity in merged.items()], list(merged)


def _location(actor: Actor, fulfilment: FulfilmentInput) -> Location | None:
    if fulfilment.type == FulfilmentType.DELIVERY:
        return None
    if not fulfilment.location:
        raise _invalid("fulfilment.location", f"A {fulfilment.type} order names its location.")
    location = Location.objects.filter(code=fulfilment.location, active=True).first()
    if location is None:
        raise _invalid("fulfilment.location", f"No location {fulfilment.location}.")
    if fulfilment.type == FulfilmentType.PICKUP and not location.click_and_collect:
        raise _invalid("fulfilment.location", f"{location.code} does not offer click and collect.")
    if fulfilment.type == FulfilmentType.CARRY_OUT:
        if location.kind != "store":
            raise _invalid(
                "fulfilment.location", f"{location.code} is not a store: nothing is carried out there."
            )
        if not actor.can_act_at(location.pk):
            raise Forbidden(f"You may not sell at {location.code}.")
    return location


def _destination(address: dict[str, Any] | None) -> tuple[float, float] | None:
    if not address:
        return None
    lat, lng = address.get("latitude"), address.get("longitude")
    if lat is None or lng is None:
        return None
    return float(lat), float(lng)


def _available_at(location_id: int, variant_ids: set[int]) -> dict[int, int]:
    rows = (
        StockLevel.objects.filter(location_id=location_id, variant_id__in=variant_ids)
        .annotate(available_qty=AVAILABLE)
        .values_list("variant_id", "available_qty")
    )
    return dict(rows)


def _shortage(
    wanted: dict[int, int], short: dict[int, int], skus: dict[int, str], where: str
) -> InsufficientStock:
    return InsufficientStock(
        [
            {"sku": skus[v], "location": where, "requested": wanted[v], "available": wanted[v] - missing}
            for v, missing in sorted(short.items())
        ]
    )


def _plan(
    fulfilment: FulfilmentInput, location: Location | None, wanted: dict[int, int], skus: dict[int, str]
) -> _Plan:
    """Where each line is to be held. Reading availability here is only a plan: reserve_stock re-checks
    everything under row locks."""
    if fulfilment.type == FulfilmentType.CARRY_OUT or (
        fulfilment.type == FulfilmentType.PICKUP and not fulfilment.allow_transfer
    ):
        assert location is not None
        return _Plan({v: [(location.pk, q)] for v, q in wanted.items()})
    if fulfilment.type == FulfilmentType.PICKUP:
        # Hold what the pickup store has there; the rest at the nearest locations that ship, to be sent.
        assert location is not None
        here = _available_at(location.pk, set(wanted))
        plan = _Plan()
        missing: dict[int, int] = {}
        for v, q in wanted.items():
            take = min(here.get(v, 0), q)
            if take:
                plan.allocations[v] = [(location.pk, take)]
            if q - take:
                missing[v] = q - take
        if missing:
            candidates = [c for c in sourcing.candidates_for(set(missing)) if c.location_id != location.pk]
            decision = sourcing.strategy()(
                missing, candidates, (float(location.latitude), float(location.longitude))
            )
            if decision.short:
                raise _shortage(wanted, decision.short, skus, location.code)
            for v, parts in decision.allocations.items():
                plan.allocations.setdefault(v, []).extend(parts)
            plan.notes.append(
                f"lines {location.code} lacks are {decision.explanation}, to be sent to the store"
            )
        return plan
    decision = sourcing.strategy()(
        wanted, sourcing.candidates_for(set(wanted)), _destination(fulfilment.address)
    )
    if decision.short:
        raise _shortage(wanted, decision.short, skus, "network")
    return _Plan(decision.allocations, [decision.explanation])


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
        raise _invalid("payment.status", "A new order's payment is pending, authorised or captured.")
    if fulfilment.type == FulfilmentType.CARRY_OUT and payment.status != PaymentStatus.CAPTURED:
        raise _invalid("payment.status", "A sale at the till is paid at once: its payment is captured.")
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
    _check_channel(actor, channel)
    if fulfilment.type not in FulfilmentType.values:
        raise _invalid("fulfilment.type", "The fulfilment type is pickup, delivery or carry_out.")
    if fulfilment.type != FulfilmentType.CARRY_OUT and not customer.email:
        raise _invalid("customer.email", "An order to pick up or deliver needs the customer's email.")
    if fulfilment.type == FulfilmentType.DELIVERY:
        address = fulfilment.address or {}
        missing = [k for k in ("line1", "city", "postcode", "country") if not str(address.get(k, "")).strip()]
        if missing:
            raise OrderInvalid(
                "The delivery address is incomplete.",
                errors={f"fulfilment.address.{k}": ["This field is required."] for k in missing},
            )
    if redeem_points < 0:
        raise _invalid("redeem_points", "Points to redeem are 0 or more.")
    if redeem_points > 0 and not customer.email:
        raise _invalid("redeem_points", "A guest order cannot redeem points: give the member's email.")
    variants, _ = _variants(lines)
    location = _location(actor, fulfilment)
    now = timezone.now()
    priced = price_lines(variants, channel=channel, at=now)
    wanted = {v.pk: q for v, q in variants}
    skus = {v.pk: v.sku for v, _ in variants}

    number = _next_number(channel)
    owner = f"order:{number}"
    plan: _Plan | None = None
    transfers: dict[int, Transfer] = {}
    for attempt in range(SOURCING_ATTEMPTS):
        plan = _plan(fulfilment, location, wanted, skus)
        try:
            transfers = _hold(actor, owner, number, plan, fulfilment, location)
            break
        except InsufficientStock:
            # Someone took the units between the plan and the locks: plan again from fresh figures,
            # unless the location is fixed (pickup, till) or we have tried enough.
            fixed = fulfilment.type == FulfilmentType.CARRY_OUT or (
                fulfilment.type == FulfilmentType.PICKUP and not fulfilment.allow_transfer
            )
            if fixed or attempt == SOURCING_ATTEMPTS - 1:
                raise
    assert plan is not None

    promised = None
    if fulfilment.type == FulfilmentType.PICKUP:
        assert location is not None
        promised = promised_ready_time(location, now, lead_hours=lead_hours() if transfers else 0)
    order, redeemed = _write(
        actor, channel, number, fulfilment, location, customer, priced, now, promised, redeem_points
    )
    line_by_variant = {line.variant_id: line for line in order.lines_written}  # type: ignore[attr-defined]
    shipments: dict[int, Shipment] = {}
    if fulfilment.type == FulfilmentType.DELIVERY:
        shipments = {
            s.location_id: s
            for s in Shipment.objects.bulk_create(
                [Shipment(order=order, location_id=loc, created_at=now) for loc in sorted(_locations(plan))]
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
    pay = _payment(order, payment, fulfilment)
    pay.save()
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
    events += redeemed
    if fulfilment.type == FulfilmentType.CARRY_OUT:
        assert location is not None
        consume_reservations(owner=owner, actor=actor, reference=number)
        order.status = OrderStatus.COMPLETED
        order.completed_at = now
        order.save(update_fields=["status", "completed_at"])
        events.append(event(order, "completed", f"Carried out at {location.code}.", actor=actor))
        events += points.on_completed(order, actor=actor)
    write_events(events)
    after_commit(order, "order.placed" if order.status == OrderStatus.PLACED else "order.completed")
    _keep_written(order, allocations, list(shipments.values()), pay, events, transfers)
    return order


def _cached(instance: Any, name: str, objects: list[Any]) -> None:
    """Give `instance.<name>.all()` these objects, as prefetch_related would, without a query."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


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
        _cached(line, "allocations", by_line[line.pk])
    for shipment in shipments:
        shipment.location = locations[shipment.location_id]
    _cached(order, "lines", lines)
    _cached(order, "shipments", sorted(shipments, key=lambda s: s.pk))
    _cached(order, "payments", [payment])
    _cached(order, "events", events)


def _transfer_actor(actor: Actor, *location_ids: int) -> Actor:
    """Who requests a ship-to-store transfer: the order's actor when it may act at either end, else Omni
    itself (an e-shop or a kiosk elsewhere placed the order; the order authorises the transfer)."""
    return actor if any(actor.can_act_at(loc) for loc in location_ids) else Actor.system()


def _hold(
    actor: Actor,
    owner: str,
    number: str,
    plan: _Plan,
    fulfilment: FulfilmentInput,
    location: Location | None,
) -> dict[int, Transfer]:
    """Hold the plan, all or nothing. A pickup with transfer: what the store has is reserved for the order
    there; what comes from elsewhere is one inventory transfer per source, which holds the units at the
    source under the transfer (never twice). Returns the transfers by source location."""
    lines = [
        StockLine(location_id=loc, variant_id=v, quantity=q)
        for v, parts in plan.allocations.items()
        for loc, q in parts
    ]
    if not (fulfilment.type == FulfilmentType.PICKUP and fulfilment.allow_transfer):
        reserve_stock(owner=owner, lines=lines)
        return {}
    assert location is not None
    here = [line for line in lines if line.location_id == location.pk]
    away: dict[int, list[TransferLineInput]] = {}
    for line in lines:
        if line.location_id != location.pk:
            away.setdefault(line.location_id, []).append(TransferLineInput(line.variant_id, line.quantity))
    if not away:
        reserve_stock(owner=owner, lines=here)
        return {}
    transfers: dict[int, Transfer] = {}
    with transaction.atomic():  # a failed attempt leaves no transfer behind
        # Every level this touches, locked at once in primary-key order: several holds never deadlock.
        lock_levels((line.location_id, line.variant_id) for line in lines)
        if here:
            reserve_stock(owner=owner, lines=here)
        for source_id in sorted(away):
            transfers[source_id] = request_transfer(
                actor=_transfer_actor(actor, source_id, location.pk),
                from_location_id=source_id,
                to_location_id=location.pk,
                lines=away[source_id],
                reference=number,
                note=f"Ship to store: order {number}, for pickup at {location.code}.",
            )
    return transfers


def _locations(plan: _Plan) -> set[int]:
    return {loc for parts in plan.allocations.values() for loc, _ in parts}


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
