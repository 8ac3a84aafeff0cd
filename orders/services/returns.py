"""Returns (API-CONTRACT.md, Returns), as one service and one transaction: any location that accepts returns
takes back any completed order (collected, shipped or carried out) of any channel.

    create_return(...)               write it: lines, stock, refund, points, timeline, webhook, receipt email
    create_return(..., dry_run=True) the same work, rolled back: the preview the desk shows before confirming

Lock order: the order (FOR NO KEY UPDATE, like every order write), its lines (pk order), its payments, then
every stock level touched (pk order, once, before any stock write), then the loyalty member. Two desks
returning the last unit of the same line at once queue on the order's row: the second one re-reads what was
returned under the lock and is refused (400 `validation_error` on `lines.N.quantity`).

Refunds are computed, never typed: a line's units are worth what was paid for them (`line_total` as stored,
so promotions and the line's share of points redeemed are respected). Cumulative rounding: after n of a
line's q units have come back, cent(line_total * n / q) has been refunded in total, so returning every unit,
at once or in parts, refunds exactly `line_total`, and no part is ever negative (see `refund_share`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from inventory.models import MovementKind, Transfer, Variant
from inventory.services import (
    StockLine,
    TransferLineInput,
    ensure_levels,
    lock_levels,
    receive_into_stock,
    record_movement,
    request_transfer,
)
from loyalty.services import reverse_for_return
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput, InvalidTransition
from omni.models import ApiRole
from omni.services import record_audit
from orders.exceptions import OrderInvalid, OrderNotFound, ReturnWindowClosed
from orders.models import (
    Channel,
    FulfilmentType,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Return,
    ReturnCondition,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
)
from orders.services.events import event, write_events
from orders.services.placement import (
    MAX_LINES,
    MAX_QUANTITY,
    CustomerInput,
    FulfilmentInput,
    LineInput,
    PaymentInput,
    place_order,
)
from orders.services.side_effects import record_webhook
from orders.services.states import COMPLETED
from stores.models import Location, LocationKind

__all__ = [
    "REFUND_METHODS",
    "RETURN_ROLES",
    "ExchangeInput",
    "ReturnLineInput",
    "ReturnOutcome",
    "create_return",
    "refund_share",
    "return_window",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
REFUND_METHODS = ("original", "cash")
# Who receives returns (API-CONTRACT.md, roles): integration anywhere, store at its own location. Not the
# e-shop: a return puts units back on hand, and only the location that has them in hand may say so.
RETURN_ROLES = (ApiRole.INTEGRATION.value, ApiRole.STORE.value)
EXCHANGE_PAYMENT_METHODS = (PaymentMethod.CARD.value, PaymentMethod.CASH.value)


@dataclass(frozen=True)
class ReturnLineInput:
    sku: str
    quantity: int
    condition: str
    reason: str = ReturnReason.OTHER


@dataclass(frozen=True)
class ExchangeInput:
    """The new carry_out sale at the desk: its lines, and how a difference in the store's favour is paid."""

    lines: Sequence[LineInput]
    payment_method: str = PaymentMethod.CARD


@dataclass
class ReturnOutcome:
    """What was (or, in a dry run, would be) written. In a dry run nothing is kept: `return_doc` is the
    unsaved picture of the return (number blank) with its lines attached."""

    return_doc: Return
    lines: list[ReturnLine]
    exchange_order: Order | None = None
    window_closes_at: datetime | None = None
    dry_run: bool = False
    points: dict[str, Any] = field(default_factory=dict)


# --- Arithmetic --------------------------------------------------------------------------------------------


def _cumulative(total: Decimal, quantity: int, units: int) -> Decimal:
    if units >= quantity:
        return total
    return (total * units / quantity).quantize(CENT, rounding=ROUND_HALF_UP)


def refund_share(line_total: Decimal, quantity: int, already_returned: int, returning: int) -> Decimal:
    """What `returning` units of a line of `quantity` units worth `line_total` refund, when
    `already_returned` came back before: the cumulative figure after, less the cumulative figure before.
    The last units get the remainder, so everything returned refunds exactly `line_total`."""
    if quantity <= 0 or returning <= 0:
        return ZERO
    after = _cumulative(line_total, quantity, already_returned + returning)
    return after - _cumulative(line_total, quantity, already_returned)


def return_window(order: Order) -> tuple[int, datetime]:
    """The days a customer has to return this order (per channel, OMNI_RETURN_WINDOW_DAYS) and when they
    end (from completion)."""
    windows = getattr(settings, "OMNI_RETURN_WINDOW_DAYS", {}) or {}
    days = int(windows.get(order.channel, windows.get("default", 30)))
    completed = order.completed_at or order.shipped_at or order.updated_at or order.created_at
    return days, completed + timedelta(days=days)


# --- Checks ------------------------------------------------------------------------------------------------


def _invalid(path: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors={path: [message]})


def _may_override(actor: Actor) -> bool:
    """A store manager (or HQ staff, an admin) in the back-office, or an HQ integration."""
    return actor.is_manager or (actor.client is not None and actor.role == ApiRole.INTEGRATION)


def _receiving_location(actor: Actor, code: str) -> Location:
    location = Location.objects.filter(code=(code or "").strip(), active=True).first()
    if location is None:
        raise _invalid("location", f"No location {code}.")
    if not location.accepts_returns:
        raise _invalid("location", f"{location.code} does not accept returns.")
    if not actor.can_act_at(location.pk):
        raise Forbidden(f"You may only receive returns at your own location, not at {location.code}.")
    return location


def _lock_order(actor: Actor, number: str) -> Order:
    """The order, locked. Any location that accepts returns takes back any order: a store finds every
    order by its number here; the e-shop only its own (another's is not found)."""
    qs = Order.objects.select_for_update(of=("self",), no_key=True).filter(number=(number or "").strip())
    if actor.role == ApiRole.ESHOP:
        qs = qs.filter(api_client=actor.client)
    order = qs.first()
    if order is None:
        raise OrderNotFound(f"No order {number}.")
    return order


def _check_lines(lines: Sequence[ReturnLineInput]) -> None:
    if not lines:
        raise _invalid("lines", "A return has at least one line.")
    if len(lines) > MAX_LINES:
        raise _invalid("lines", f"A return has at most {MAX_LINES} lines.")
    errors: dict[str, list[str]] = {}
    for i, line in enumerate(lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            errors[f"lines.{i}.quantity"] = [f"A quantity is a whole number from 1 to {MAX_QUANTITY}."]
        if line.condition not in ReturnCondition.values:
            errors[f"lines.{i}.condition"] = [f"One of {', '.join(ReturnCondition.values)}."]
        if line.reason not in ReturnReason.values:
            errors[f"lines.{i}.reason"] = [f"One of {', '.join(ReturnReason.values)}."]
    if errors:
        raise InvalidInput(
            "Some lines are invalid: " + " ".join(m for ms in errors.values() for m in ms), errors=errors
        )


def _match_lines(
    order: Order,
    lines: Sequence[ReturnLineInput],
    order_lines: dict[str, OrderLine],
    returned: dict[int, int],
) -> list[tuple[ReturnLineInput, OrderLine, int]]:
    """Each input line with its order line and the units of that line returned before it (earlier returns
    and earlier input lines): more than was bought and not yet returned is refused, naming the line."""
    errors: dict[str, list[str]] = {}
    taken: dict[int, int] = defaultdict(int)
    matched = []
    for i, item in enumerate(lines):
        line = order_lines.get(item.sku.strip())
        if line is None:
            errors[f"lines.{i}.sku"] = [f"{item.sku} is not on order {order.number}."]
            continue
        before = returned.get(line.pk, 0) + taken[line.pk]
        left = line.quantity - before
        if item.quantity > left:
            errors[f"lines.{i}.quantity"] = [
                f"{line.sku}: {line.quantity} bought, {returned.get(line.pk, 0)} returned already: "
                f"at most {max(left, 0)} can come back."
            ]
            continue
        taken[line.pk] += item.quantity
        matched.append((item, line, before))
    if errors:
        raise InvalidInput(
            "Some lines cannot be returned: " + " ".join(m for ms in errors.values() for m in ms),
            errors=errors,
        )
    return matched


def _refund_payment(order: Order, method: str, location: Location) -> tuple[str, Payment | None]:
    """The refund's method and the payment it is recorded against (locked): `original` -> the order's
    captured (else authorised, else any) payment and its method; `cash` -> cash at a store's desk."""
    payments = list(order.payments.select_for_update().order_by("pk"))
    if method == "cash":
        if location.kind != LocationKind.STORE:
            raise _invalid("refund_method", "Cash is refunded at a store's desk only.")
        return PaymentMethod.CASH, None
    for wanted in (PaymentStatus.CAPTURED, PaymentStatus.AUTHORISED, None):
        for payment in payments:
            if wanted is None or payment.status == wanted:
                method = PaymentMethod.CASH if payment.method == PaymentMethod.CASH else payment.method
                return method, payment
    return PaymentMethod.CARD, None


def _next_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_return_number_seq')")
        (value,) = cursor.fetchone()
    return f"R-{value}"


# --- The service -------------------------------------------------------------------------------------------


def create_return(
    *,
    actor: Actor,
    order_number: str,
    location_code: str,
    lines: Sequence[ReturnLineInput],
    refund_method: str = "original",
    send_to: str = "",
    override_reason: str = "",
    exchange: ExchangeInput | None = None,
    dry_run: bool = False,
) -> ReturnOutcome:
    """Receive units of a completed order at `location_code` and refund what was paid for them.

    Errors: a kiosk, another location (store), an override without the right: 403; no such order (or, for
    the e-shop, not its own): 404; not completed: 409 `invalid_transition`; past the window without
    `override_reason`: 400 `return_window_closed`; a location that does not accept returns, an unknown SKU,
    more than was bought and not yet returned: 400 `validation_error` naming the field (`lines.N.quantity`).
    With `exchange`, a carry_out sale of its lines at the desk's location is placed in the same transaction
    and the return's value is credited to it: the difference is charged (exchange.payment_method) or paid
    back (refund_method). With dry_run everything is done and rolled back: the same figures, nothing kept."""
    with transaction.atomic():
        outcome = _create(
            actor=actor,
            order_number=order_number,
            location_code=location_code,
            lines=lines,
            refund_method=refund_method,
            send_to=send_to,
            override_reason=(override_reason or "").strip(),
            exchange=exchange,
            dry_run=dry_run,
        )
        if dry_run:
            transaction.set_rollback(True)
            outcome.return_doc.number = ""
            outcome.dry_run = True
    return outcome


def _create(
    *,
    actor: Actor,
    order_number: str,
    location_code: str,
    lines: Sequence[ReturnLineInput],
    refund_method: str,
    send_to: str,
    override_reason: str,
    exchange: ExchangeInput | None,
    dry_run: bool,
) -> ReturnOutcome:
    if actor.role not in RETURN_ROLES:
        raise Forbidden(f"A {actor.role} client may not receive returns.")
    if refund_method not in REFUND_METHODS:
        raise _invalid("refund_method", f"One of {', '.join(REFUND_METHODS)}.")
    if len(override_reason) > 500:
        raise _invalid("override_reason", "At most 500 characters.")
    _check_lines(lines)
    location = _receiving_location(actor, location_code)
    warehouse = None
    if send_to.strip():
        warehouse = Location.objects.filter(code=send_to.strip(), active=True).first()
        if warehouse is None or warehouse.kind != LocationKind.WAREHOUSE:
            raise _invalid("send_to", f"{send_to} is not a warehouse.")
        if warehouse.pk == location.pk:
            raise _invalid("send_to", "The units are received there already.")
    if exchange is not None:
        if not exchange.lines:
            raise _invalid("exchange.lines", "An exchange sells at least one line.")
        if exchange.payment_method not in EXCHANGE_PAYMENT_METHODS:
            raise _invalid("exchange.payment_method", f"One of {', '.join(EXCHANGE_PAYMENT_METHODS)}.")

    order = _lock_order(actor, order_number)
    if order.status not in COMPLETED:
        raise InvalidTransition(
            f"Order {order.number} is {order.get_status_display().lower()}: only a collected, shipped or "
            "carried out order can be returned.",
            status=order.status,
        )
    now = timezone.now()
    days, closes_at = return_window(order)
    overridden = False
    if now > closes_at:
        if not override_reason:
            raise ReturnWindowClosed(
                f"Order {order.number} was completed more than {days} days ago: its return window closed on "
                f"{timezone.localtime(closes_at):%Y-%m-%d}. A store manager may accept it, saying why.",
                closed_at=closes_at.isoformat(),
                days=days,
            )
        if not _may_override(actor):
            raise Forbidden("Only a store manager (or HQ) may accept a return after its window closed.")
        overridden = True

    order_lines = {
        line.sku: line for line in OrderLine.objects.select_for_update().filter(order=order).order_by("pk")
    }
    returned = dict(
        ReturnLine.objects.filter(order_line__order=order)
        .values("order_line")
        .annotate(n=Sum("quantity"))
        .values_list("order_line", "n")
    )
    matched = _match_lines(order, lines, order_lines, returned)
    if warehouse is not None and not any(i.condition == ReturnCondition.RESELLABLE for i, _, _ in matched):
        raise _invalid("send_to", "Only resellable units are sent back to a warehouse: there are none.")
    method, payment = _refund_payment(order, refund_method, location)

    # Every stock level this touches, locked at once in primary-key order (returned SKUs and those sold).
    pairs = {(location.pk, line.variant_id) for _, line, _ in matched}
    exchange_variants: dict[str, int] = {}
    if exchange is not None:
        exchange_variants = dict(
            Variant.objects.filter(sku__in={x.sku for x in exchange.lines}).values_list("sku", "pk")
        )
        pairs |= {(location.pk, v) for v in exchange_variants.values()}
    ensure_levels(pairs)
    lock_levels(pairs)

    number = _next_number()
    ret = Return.objects.create(
        number=number,
        order=order,
        location=location,
        status=ReturnStatus.REFUNDED,
        refund_method=method,
        currency=order.currency,
        send_to=warehouse,
        window_overridden=overridden,
        override_reason=override_reason if overridden else "",
        api_client=actor.client,
        user=actor.user,
        actor_label=actor.label[:150],
        created_at=now,
    )
    return_lines = [
        ReturnLine(
            return_doc=ret,
            order_line=line,
            variant_id=line.variant_id,
            sku=line.sku,
            quantity=item.quantity,
            condition=item.condition,
            reason=item.reason,
            refund_amount=refund_share(line.line_total, line.quantity, before, item.quantity),
            vat_amount=refund_share(line.vat_amount, line.quantity, before, item.quantity),
        )
        for item, line, before in matched
    ]
    ReturnLine.objects.bulk_create(return_lines)
    refund = sum((r.refund_amount for r in return_lines), ZERO)
    ret.refund_amount = refund
    ret.refund_vat = sum((r.vat_amount for r in return_lines), ZERO)

    # Stock: every unit comes back as a `return`; damaged ones leave sellable stock again as `damage`.
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
            reference=number,
        )
    transfer: Transfer | None = None
    if warehouse is not None:
        transfer = request_transfer(
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
        ret.transfer = transfer

    # Points: those earned on the units taken back, those redeemed on them given back (pro rata).
    per_line: dict[int, int] = defaultdict(int)
    for r in return_lines:
        per_line[r.order_line_id] += r.quantity
    lines_by_id = {line.pk: line for line in order_lines.values()}
    points = reverse_for_return(
        order=order,
        returned_lines=[(lines_by_id[pk], q) for pk, q in sorted(per_line.items())],
        source_id=number,
        actor=actor,
    )
    ret.points_reversed = int(points.get("points_reversed", 0))
    ret.points_restored = int(points.get("points_restored", 0))
    ret.points_unrecovered = int(points.get("points_unrecovered", 0))

    events = [
        event(
            order,
            "returned",
            f"Return {number} at {location.code}: "
            + ", ".join(f"{r.quantity} × {r.sku} ({r.condition}, {r.reason})" for r in return_lines)
            + f"; refund {refund} {order.currency}.",
            actor=actor,
            return_number=number,
            refund=str(refund),
        )
    ]
    if overridden:
        events.append(
            event(
                order,
                "return_window_override",
                f"Return {number} accepted after the {days}-day window closed: {override_reason}",
                actor=actor,
                return_number=number,
                reason=override_reason,
            )
        )
        if not dry_run:
            record_audit(
                action="return_window_override",
                actor=actor,
                object_type="order",
                object_id=order.number,
                reason=override_reason,
                data={"return": number, "days": days, "closed_at": closes_at.isoformat()},
            )
    if transfer is not None:
        send_code = warehouse.code if warehouse is not None else ""
        events.append(
            event(
                order,
                "return_sent_back",
                f"Return {number}: transfer {transfer.number} sends the resellable units to {send_code}.",
                actor=actor,
                transfer=transfer.number,
            )
        )

    exchange_order = None
    credit = ZERO
    if exchange is not None:
        exchange_order, credit = _exchange(actor, order, ret, location, exchange)
        events.append(
            event(
                order,
                "exchanged",
                f"Return {number} exchanged for order {exchange_order.number}: {credit} {order.currency} "
                f"credited, {ret.exchange_charged} charged.",
                actor=actor,
                return_number=number,
                exchange_order=exchange_order.number,
            )
        )
    ret.refund_paid = refund - credit
    _record_refund(ret, order, payment, method, now)
    ret.save(
        update_fields=[
            "refund_amount",
            "refund_vat",
            "refund_paid",
            "refund_method",
            "status",
            "payment",
            "transfer",
            "points_reversed",
            "points_restored",
            "points_unrecovered",
            "exchange_order",
            "exchange_credit",
            "exchange_charged",
        ]
    )
    write_events(events)
    if not dry_run:
        record_webhook(order, "order.returned", extra={"return": webhook_payload(ret, return_lines)})
        from orders import notifications

        notifications.queue_email(order, f"return_receipt:{number}")
    _cache(ret, return_lines)
    return ReturnOutcome(
        return_doc=ret,
        lines=return_lines,
        exchange_order=exchange_order,
        window_closes_at=closes_at,
        points=points,
    )


def _record_refund(ret: Return, order: Order, payment: Payment | None, method: str, now: datetime) -> None:
    """The money paid back: cash handed over at the desk (a refunded cash payment on the order), else owed on
    the original payment (`refund_due`: its provider pays it back)."""
    amount = ret.refund_paid
    if amount <= 0:
        ret.status = ReturnStatus.REFUNDED
        if ret.exchange_order_id is not None:
            ret.refund_method = PaymentMethod.RETURN_CREDIT
        return
    if method == PaymentMethod.CASH:
        ret.payment = Payment.objects.create(
            order=order,
            method=PaymentMethod.CASH,
            status=PaymentStatus.REFUNDED,
            amount=amount,
            currency=order.currency,
            reference=ret.number,
            created_at=now,
        )
        ret.status = ReturnStatus.REFUNDED
        return
    ret.status = ReturnStatus.REFUND_DUE
    if payment is None:
        return
    updated = Payment.objects.filter(pk=payment.pk, refund_due__lte=F("amount") - amount).update(
        refund_due=F("refund_due") + amount, updated_at=now
    )
    if not updated:
        raise _invalid(
            "refund_method",
            f"The original payment cannot take a refund of {amount} {order.currency}: refund in cash.",
        )
    ret.payment = payment


def _exchange(
    actor: Actor, order: Order, ret: Return, location: Location, exchange: ExchangeInput
) -> tuple[Order, Decimal]:
    """The new carry_out sale at the desk, paid first with the return's value; the rest is charged."""
    try:
        new = place_order(
            actor=actor,
            channel=Channel.STORE,
            lines=list(exchange.lines),
            fulfilment=FulfilmentInput(type=FulfilmentType.CARRY_OUT, location=location.code),
            customer=CustomerInput(
                email=order.customer_email,
                first_name=order.customer_first_name,
                last_name=order.customer_last_name,
                phone=order.customer_phone,
            ),
            payment=PaymentInput(method=exchange.payment_method, status=PaymentStatus.CAPTURED),
        )
    except (OrderInvalid, InvalidInput) as exc:
        errors = {f"exchange.{key}": messages for key, messages in (exc.errors or {}).items()}
        raise InvalidInput(f"The exchange sale is invalid: {exc.detail}", errors=errors or None) from exc
    credit = min(ret.refund_amount, new.total)
    charged = new.total - credit
    paid = new.payments.select_for_update().order_by("pk").first()
    if paid is not None:
        if charged > 0:
            paid.amount = charged
            paid.save(update_fields=["amount", "updated_at"])
        else:
            paid.method = PaymentMethod.RETURN_CREDIT
            paid.amount = credit
            paid.reference = ret.number
            paid.save(update_fields=["method", "amount", "reference", "updated_at"])
    if credit > 0 and charged > 0:
        Payment.objects.create(
            order=new,
            method=PaymentMethod.RETURN_CREDIT,
            status=PaymentStatus.CAPTURED,
            amount=credit,
            currency=new.currency,
            reference=ret.number,
        )
    write_events(
        [
            event(
                new,
                "exchange",
                f"Exchange for return {ret.number} of order {order.number}: {credit} {new.currency} paid by "
                f"the return, {charged} charged.",
                actor=actor,
                return_number=ret.number,
                original_order=order.number,
            )
        ]
    )
    ret.exchange_order = new
    ret.exchange_credit = credit
    ret.exchange_charged = charged
    return new, credit


def _cache(ret: Return, lines: list[ReturnLine]) -> None:
    """`ret.lines.all()` answers these lines without a query (as prefetch_related would)."""
    queryset = ret.lines.all()
    queryset._result_cache = lines  # type: ignore[attr-defined]
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    if not hasattr(ret, "_prefetched_objects_cache"):
        ret._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    ret._prefetched_objects_cache["lines"] = queryset  # type: ignore[attr-defined]


def webhook_payload(ret: Return, lines: Sequence[ReturnLine]) -> dict[str, Any]:
    return {
        "number": ret.number,
        "location": ret.location.code,
        "status": ret.status,
        "refund_amount": str(ret.refund_amount),
        "refund_paid": str(ret.refund_paid),
        "refund_method": ret.refund_method,
        "currency": ret.currency,
        "points_reversed": ret.points_reversed,
        "points_restored": ret.points_restored,
        "exchange_order": ret.exchange_order.number if ret.exchange_order is not None else None,
        "lines": [
            {
                "sku": r.sku,
                "quantity": r.quantity,
                "condition": r.condition,
                "reason": r.reason,
                "refund_amount": str(r.refund_amount),
            }
            for r in lines
        ],
        "created_at": ret.created_at.isoformat(),
    }
