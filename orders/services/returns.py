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

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from inventory.models import Transfer, Variant
from inventory.services import (
    ensure_levels,
    lock_levels,
)
from omni.actors import Actor
from omni.services import record_audit
from orders.locks import order_lines_for_update
from orders.models import (
    Order,
    OrderEvent,
    OrderLine,
    Return,
    ReturnCondition,
    ReturnLine,
    ReturnStatus,
)
from orders.selectors import returned_quantities
from orders.services import notifications
from orders.services.events import event, write_events
from orders.services.inputs import ExchangeInput, ReturnLineInput
from orders.services.prefetched import attach_prefetched
from orders.services.refunds import (
    ZERO,
    credit_exchange,
    record_refund,
    refund_payment,
    refund_share,
    reverse_points,
)
from orders.services.return_checks import (
    EXCHANGE_PAYMENT_METHODS,
    REFUND_METHODS,
    RETURN_ROLES,
    check_completed,
    check_exchange,
    check_request,
    check_window,
    invalid,
    lock_order,
    match_lines,
    receiving_location,
    return_window,
    warehouse_to_send_to,
)
from orders.services.return_stock import receive_units
from orders.services.side_effects import record_webhook
from stores.models import Location

__all__ = [
    "EXCHANGE_PAYMENT_METHODS",
    "REFUND_METHODS",
    "RETURN_ROLES",
    "ExchangeInput",
    "ReturnLineInput",
    "ReturnOutcome",
    "create_return",
    "refund_share",
    "return_window",
]


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


@dataclass
class _Window:
    days: int
    closes_at: datetime
    overridden: bool


def _next_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_return_number_seq')")
        (value,) = cursor.fetchone()
    return f"R-{value}"


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
    location, warehouse = _prepare_request(
        actor, location_code, lines, refund_method, send_to, override_reason, exchange
    )
    order = lock_order(actor, order_number)
    check_completed(order)
    now = timezone.now()
    window = _Window(*check_window(actor, order, override_reason, now))
    order_lines, matched = _lock_lines(order, lines, warehouse)
    method, payment = refund_payment(order, refund_method, location)
    _lock_stock(location, matched, exchange)
    ret, return_lines = _create_return(
        actor, order, location, warehouse, method, window, override_reason, matched, now
    )
    transfer = receive_units(actor, order, ret, location, warehouse, return_lines)
    points = reverse_points(actor, order, ret, order_lines, return_lines)
    events = _return_events(actor, order, ret, return_lines, window, override_reason, transfer, dry_run)
    credit = ZERO
    if exchange is not None:
        credit = _exchange(actor, order, ret, location, exchange, events)
    ret.refund_paid = ret.refund_amount - credit
    record_refund(ret, order, payment, method, now)
    _save_figures(ret)
    _post_create_return_actions(order, ret, return_lines, events, dry_run)
    attach_prefetched(ret, "lines", return_lines)
    return ReturnOutcome(
        return_doc=ret,
        lines=return_lines,
        exchange_order=ret.exchange_order if exchange is not None else None,
        window_closes_at=window.closes_at,
        points=points,
    )


def _prepare_request(
    actor: Actor,
    location_code: str,
    lines: Sequence[ReturnLineInput],
    refund_method: str,
    send_to: str,
    override_reason: str,
    exchange: ExchangeInput | None,
) -> tuple[Location, Location | None]:
    """Everything checked before the order is locked: the receiving location, and the warehouse resellable
    units are sent back to (if any)."""
    check_request(actor, lines, refund_method, override_reason, exchange)
    location = receiving_location(actor, location_code)
    warehouse = warehouse_to_send_to(send_to, location)
    check_exchange(exchange)
    return location, warehouse


def _lock_lines(
    order: Order, lines: Sequence[ReturnLineInput], warehouse: Location | None
) -> tuple[dict[str, OrderLine], list[tuple[ReturnLineInput, OrderLine, int]]]:
    """The order's lines (locked, by SKU), and each input line matched with its order line and the units
    of it returned before, re-read under the lock."""
    order_lines = {line.sku: line for line in order_lines_for_update(order)}
    matched = match_lines(order, lines, order_lines, returned_quantities(order))
    if warehouse is not None and not any(i.condition == ReturnCondition.RESELLABLE for i, _, _ in matched):
        raise invalid("send_to", "Only resellable units are sent back to a warehouse: there are none.")
    return order_lines, matched


def _lock_stock(
    location: Location, matched: list[tuple[ReturnLineInput, OrderLine, int]], exchange: ExchangeInput | None
) -> None:
    """Every stock level this touches, locked at once in primary-key order (returned SKUs and those sold)."""
    pairs = {(location.pk, line.variant_id) for _, line, _ in matched}
    if exchange is not None:
        exchange_variants = dict(
            Variant.objects.filter(sku__in={x.sku for x in exchange.lines}).values_list("sku", "pk")
        )
        pairs |= {(location.pk, v) for v in exchange_variants.values()}
    ensure_levels(pairs)
    lock_levels(pairs)


def _create_return(
    actor: Actor,
    order: Order,
    location: Location,
    warehouse: Location | None,
    method: str,
    window: _Window,
    override_reason: str,
    matched: list[tuple[ReturnLineInput, OrderLine, int]],
    now: datetime,
) -> tuple[Return, list[ReturnLine]]:
    """The return and its lines, each refunding its share of what was paid."""
    ret = Return.objects.create(
        number=_next_number(),
        order=order,
        location=location,
        status=ReturnStatus.REFUNDED,
        refund_method=method,
        currency=order.currency,
        send_to=warehouse,
        window_overridden=window.overridden,
        override_reason=override_reason if window.overridden else "",
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
    ret.refund_amount = sum((r.refund_amount for r in return_lines), ZERO)
    ret.refund_vat = sum((r.vat_amount for r in return_lines), ZERO)
    return ret, return_lines


def _return_events(
    actor: Actor,
    order: Order,
    ret: Return,
    return_lines: list[ReturnLine],
    window: _Window,
    override_reason: str,
    transfer: Transfer | None,
    dry_run: bool,
) -> list[OrderEvent]:
    """The order's timeline: returned, accepted past its window (audited too), units sent back."""
    number = ret.number
    refund = ret.refund_amount
    events = [
        event(
            order,
            "returned",
            f"Return {number} at {ret.location.code}: "
            + ", ".join(f"{r.quantity} × {r.sku} ({r.condition}, {r.reason})" for r in return_lines)
            + f"; refund {refund} {order.currency}.",
            actor=actor,
            return_number=number,
            refund=str(refund),
            currency=order.currency,
            location=ret.location.code,
            lines=[
                {"sku": r.sku, "quantity": r.quantity, "condition": r.condition, "reason": r.reason}
                for r in return_lines
            ],
        )
    ]
    if window.overridden:
        events.append(
            event(
                order,
                "return_window_override",
                f"Return {number} accepted after the {window.days}-day window closed: {override_reason}",
                actor=actor,
                return_number=number,
                reason=override_reason,
                days=window.days,
            )
        )
        if not dry_run:
            record_audit(
                action="return_window_override",
                actor=actor,
                object_type="order",
                object_id=order.number,
                reason=override_reason,
                data={"return": number, "days": window.days, "closed_at": window.closes_at.isoformat()},
            )
    if transfer is not None:
        send_code = ret.send_to.code if ret.send_to is not None else ""
        events.append(
            event(
                order,
                "return_sent_back",
                f"Return {number}: transfer {transfer.number} sends the resellable units to {send_code}.",
                actor=actor,
                transfer=transfer.number,
                return_number=number,
                send_to=send_code,
            )
        )
    return events


def _exchange(
    actor: Actor,
    order: Order,
    ret: Return,
    location: Location,
    exchange: ExchangeInput,
    events: list[OrderEvent],
) -> Decimal:
    """The exchange's sale, paid first with the return's value: the credit, noted in the timeline."""
    exchange_order, credit = credit_exchange(actor, order, ret, location, exchange)
    events.append(
        event(
            order,
            "exchanged",
            f"Return {ret.number} exchanged for order {exchange_order.number}: {credit} {order.currency} "
            f"credited, {ret.exchange_charged} charged.",
            actor=actor,
            return_number=ret.number,
            exchange_order=exchange_order.number,
            credit=str(credit),
            charged=str(ret.exchange_charged),
            currency=order.currency,
        )
    )
    return credit


def _save_figures(ret: Return) -> None:
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


def _post_create_return_actions(
    order: Order, ret: Return, return_lines: list[ReturnLine], events: list[OrderEvent], dry_run: bool
) -> None:
    """The timeline; then, unless a dry run, the webhook and the receipt email, queued with the change."""
    write_events(events)
    if not dry_run:
        record_webhook(order, "order.returned", extra={"return": webhook_payload(ret, return_lines)})
        notifications.queue_email(order, f"return_receipt:{ret.number}")


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
