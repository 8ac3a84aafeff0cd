"""What a return refuses, and the order it locks: who may receive returns where, the lines (on the order, no
more than was bought and not yet returned), the window and who may override it, the warehouse units are sent
back to, the exchange's payment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput, InvalidTransition
from omni.models import ApiRole
from orders.exceptions import OrderNotFound, ReturnWindowClosed, label_of
from orders.locks import orders_for_update
from orders.models import Order, OrderLine, PaymentMethod, ReturnCondition, ReturnReason
from orders.services.inputs import ExchangeInput, ReturnLineInput
from orders.services.placement_checks import MAX_LINES, MAX_QUANTITY
from orders.services.states import COMPLETED
from stores.models import Location, LocationKind

REFUND_METHODS = ("original", "cash")
# Who receives returns (API-CONTRACT.md, roles): integration anywhere, store at its own location. Not the
# e-shop: a return puts units back on hand, and only the location that has them in hand may say so.
RETURN_ROLES = (ApiRole.INTEGRATION.value, ApiRole.STORE.value)
EXCHANGE_PAYMENT_METHODS = (PaymentMethod.CARD.value, PaymentMethod.CASH.value)


def invalid(path: str, message: str) -> InvalidInput:
    return InvalidInput(message, errors={path: [message]})


def may_override(actor: Actor) -> bool:
    """A store manager (or HQ staff, an admin) in the back-office, or an HQ integration."""
    return actor.is_manager or (actor.client is not None and actor.role == ApiRole.INTEGRATION)


def receiving_location(actor: Actor, code: str) -> Location:
    location = Location.objects.filter(code=(code or "").strip(), active=True).first()
    if location is None:
        raise invalid("location", f"No location {code}.")
    if not location.accepts_returns:
        raise invalid("location", f"{location.code} does not accept returns.")
    if not actor.can_act_at(location.pk):
        raise Forbidden(f"You may only receive returns at your own location, not at {location.code}.")
    return location


def lock_order(actor: Actor, number: str) -> Order:
    """The order, locked. Any location that accepts returns takes back any order: a store finds every
    order by its number here; the e-shop only its own (another's is not found)."""
    qs = Order.objects.filter(number=(number or "").strip())
    if actor.role == ApiRole.ESHOP:
        qs = qs.filter(api_client=actor.client)
    order = orders_for_update(qs).first()
    if order is None:
        raise OrderNotFound(f"No order {number}.")
    return order


def check_lines(lines: Sequence[ReturnLineInput]) -> None:
    if not lines:
        raise invalid("lines", "A return has at least one line.")
    if len(lines) > MAX_LINES:
        raise invalid("lines", f"A return has at most {MAX_LINES} lines.")
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


def match_lines(
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


def check_request(
    actor: Actor,
    lines: Sequence[ReturnLineInput],
    refund_method: str,
    override_reason: str,
    exchange: ExchangeInput | None,
) -> None:
    """What can be refused before reading anything: the caller's role, the refund method, the lines, the
    exchange's payment."""
    if actor.role not in RETURN_ROLES:
        raise Forbidden(f"A client of role {label_of(ApiRole, actor.role)} may not receive returns.")
    if refund_method not in REFUND_METHODS:
        raise invalid("refund_method", f"One of {', '.join(REFUND_METHODS)}.")
    if len(override_reason) > 500:
        raise invalid("override_reason", "At most 500 characters.")
    check_lines(lines)


def check_exchange(exchange: ExchangeInput | None) -> None:
    if exchange is not None:
        if not exchange.lines:
            raise invalid("exchange.lines", "An exchange sells at least one line.")
        if exchange.payment_method not in EXCHANGE_PAYMENT_METHODS:
            raise invalid("exchange.payment_method", f"One of {', '.join(EXCHANGE_PAYMENT_METHODS)}.")


def warehouse_to_send_to(send_to: str, location: Location) -> Location | None:
    """The warehouse resellable units are sent back to (none when `send_to` is blank)."""
    if not send_to.strip():
        return None
    warehouse = Location.objects.filter(code=send_to.strip(), active=True).first()
    if warehouse is None or warehouse.kind != LocationKind.WAREHOUSE:
        raise invalid("send_to", f"{send_to} is not a warehouse.")
    if warehouse.pk == location.pk:
        raise invalid("send_to", "The units are received there already.")
    return warehouse


def check_completed(order: Order) -> None:
    if order.status not in COMPLETED:
        raise InvalidTransition(
            f"Order {order.number} is {order.get_status_display().lower()}: only a collected, shipped or "
            "carried out order can be returned.",
            status=order.status,
        )


def check_window(
    actor: Actor, order: Order, override_reason: str, now: datetime
) -> tuple[int, datetime, bool]:
    """The window's days, when it closes, and whether this return is accepted past it (overridden)."""
    days, closes_at = return_window(order)
    if now <= closes_at:
        return days, closes_at, False
    if not override_reason:
        raise ReturnWindowClosed(
            f"Order {order.number} was completed more than {days} days ago: its return window closed on "
            f"{timezone.localtime(closes_at):%Y-%m-%d}. A store manager may accept it, saying why.",
            closed_at=closes_at.isoformat(),
            days=days,
        )
    if not may_override(actor):
        raise Forbidden("Only a store manager (or HQ) may accept a return after its window closed.")
    return days, closes_at, True


def return_window(order: Order) -> tuple[int, datetime]:
    """The days a customer has to return this order (per channel, OMNI_RETURN_WINDOW_DAYS) and when they
    end (from completion)."""
    windows = getattr(settings, "OMNI_RETURN_WINDOW_DAYS", {}) or {}
    days = int(windows.get(order.channel, windows.get("default", 30)))
    completed = order.completed_at or order.shipped_at or order.updated_at or order.created_at
    return days, completed + timedelta(days=days)
