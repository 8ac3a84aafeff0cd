"""Taking units off a line of an order (a short pick that cannot be made good): the line and the order are
repriced as the pricing service stores them, the payment follows (less to capture, or a refund due on what
was captured), the customer is told. The caller has locked the order and settled the stock."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from omni.actors import Actor
from orders.locks import payments_for_update
from orders.models import Order, OrderEvent, OrderLine, PaymentStatus
from orders.services import notifications
from orders.services.events import event
from orders.services.pricing import ZERO, reduced_line
from orders.services.side_effects import record_webhook


@dataclass(frozen=True)
class Cancelled:
    line: OrderLine
    units: int
    cost: Decimal  # what those units cost the customer
    refund_due: Decimal  # of which was captured already and is owed back
    event: OrderEvent


def cancel_units(*, order: Order, line: OrderLine, units: int, actor: Actor | None, why: str) -> Cancelled:
    """Take `units` (1..line.quantity) off the line. The event and its email ("line_cancelled") and
    webhook are written here; the caller's transaction commits them."""
    if not 1 <= units <= line.quantity:
        raise ValueError(f"Cannot take {units} units off a line of {line.quantity}.")
    old_total = line.line_total
    figures = reduced_line(
        quantity=line.quantity,
        unit_price=line.unit_price,
        vat_rate=line.vat_rate,
        promotion_discount=line.promotion_discount,
        order_discount=line.order_discount,
        to=line.quantity - units,
    )
    line.quantity = figures.quantity
    line.cancelled_quantity += units
    line.picked_quantity = min(line.picked_quantity, line.quantity)
    line.promotion_discount = figures.promotion_discount
    line.order_discount = figures.order_discount
    line.line_total = figures.line_total
    line.vat_amount = figures.vat_amount
    line.save(
        update_fields=[
            "quantity",
            "cancelled_quantity",
            "picked_quantity",
            "promotion_discount",
            "order_discount",
            "line_total",
            "vat_amount",
        ]
    )
    cost = old_total - figures.line_total

    lines = list(OrderLine.objects.filter(order=order))
    order.subtotal = sum((x.unit_price * x.quantity for x in lines), ZERO)
    order.total = sum((x.line_total for x in lines), ZERO)
    order.discount = order.subtotal - order.total
    order.vat_total = sum((x.vat_amount for x in lines), ZERO)
    order.save(update_fields=["subtotal", "total", "discount", "vat_total", "updated_at"])

    refund_due = ZERO
    left = cost
    for payment in payments_for_update(order):
        if payment.status == PaymentStatus.CAPTURED:
            owed = min(left, payment.amount - payment.refund_due)
            if owed > 0:
                payment.refund_due += owed
                payment.save(update_fields=["refund_due", "updated_at"])
                refund_due += owed
                left -= owed
        elif payment.status in (PaymentStatus.PENDING, PaymentStatus.AUTHORISED):
            payment.amount = order.total  # capture (or take at the desk) only what is still ordered
            payment.save(update_fields=["amount", "updated_at"])

    message = f"{units} × {line.sku} cancelled ({why}): {cost} {order.currency} off, total {order.total}."
    if refund_due:
        message += f" Refund due on the captured payment: {refund_due} {order.currency}."
    cancelled_event = event(
        order,
        "line_cancelled",
        message,
        actor=actor,
        sku=line.sku,
        name=line.name,
        units=units,
        cost=str(cost),
        refund_due=str(refund_due),
        total=str(order.total),
        why=why,
        currency=order.currency,
    )
    cancelled_event.save()
    record_webhook(order, "order.line_cancelled")
    notifications.queue_email(order, f"line_cancelled:{cancelled_event.pk}")
    return Cancelled(line=line, units=units, cost=cost, refund_due=refund_due, event=cancelled_event)
