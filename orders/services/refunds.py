"""What a return pays back, and how: each line's share of what was paid (cumulative rounding, see
`refund_share`), the payment the refund is recorded against, cash at the desk or a refund due on the original
payment, an exchange (a new sale at the desk paid first with the return's value), and the points: those
earned on the units taken back, those redeemed on them given back."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import F

from loyalty.services import reverse_for_return
from omni.actors import Actor
from omni.exceptions import InvalidInput
from orders.exceptions import OrderInvalid
from orders.locks import payments_for_update
from orders.models import (
    Channel,
    FulfilmentType,
    Order,
    OrderLine,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Return,
    ReturnLine,
    ReturnStatus,
)
from orders.services.events import event, write_events
from orders.services.inputs import CustomerInput, ExchangeInput, FulfilmentInput, PaymentInput
from orders.services.placement import place_order
from orders.services.return_checks import invalid
from stores.models import Location, LocationKind

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


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


def refund_payment(order: Order, method: str, location: Location) -> tuple[str, Payment | None]:
    """The refund's method and the payment it is recorded against (locked): `original` -> the order's
    captured (else authorised, else any) payment and its method; `cash` -> cash at a store's desk."""
    payments = list(payments_for_update(order))
    if method == "cash":
        if location.kind != LocationKind.STORE:
            raise invalid("refund_method", "Cash is refunded at a store's desk only.")
        return PaymentMethod.CASH, None
    for wanted in (PaymentStatus.CAPTURED, PaymentStatus.AUTHORISED, None):
        for payment in payments:
            if wanted is None or payment.status == wanted:
                method = PaymentMethod.CASH if payment.method == PaymentMethod.CASH else payment.method
                return method, payment
    return PaymentMethod.CARD, None


def record_refund(ret: Return, order: Order, payment: Payment | None, method: str, now: datetime) -> None:
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
        raise invalid(
            "refund_method",
            f"The original payment cannot take a refund of {amount} {order.currency}: refund in cash.",
        )
    ret.payment = payment


def credit_exchange(
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
    paid = payments_for_update(new).first()
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
                credit=str(credit),
                charged=str(charged),
                currency=new.currency,
            )
        ]
    )
    ret.exchange_order = new
    ret.exchange_credit = credit
    ret.exchange_charged = charged
    return new, credit


def reverse_points(
    actor: Actor,
    order: Order,
    ret: Return,
    order_lines: dict[str, OrderLine],
    return_lines: list[ReturnLine],
) -> dict[str, Any]:
    """Points earned on the units taken back are taken back, those redeemed on them given back (pro rata)."""
    per_line: dict[int, int] = defaultdict(int)
    for r in return_lines:
        per_line[r.order_line_id] += r.quantity
    lines_by_id = {line.pk: line for line in order_lines.values()}
    points = reverse_for_return(
        order=order,
        returned_lines=[(lines_by_id[pk], q) for pk, q in sorted(per_line.items())],
        source_id=ret.number,
        actor=actor,
    )
    ret.points_reversed = int(points.get("points_reversed", 0))
    ret.points_restored = int(points.get("points_restored", 0))
    ret.points_unrecovered = int(points.get("points_unrecovered", 0))
    return points
