"""The operational facts of a touchpoint, as they are when a response is recorded: what the reports put
beside the scores ("pickup ready late vs on time", "desk waiting time", "return processing time", "delivery
lateness"), kept on the response so a year of answers is one scan of one table.

Each fact belongs to one touchpoint and is None when it is not that touchpoint's or is not known (yet):

- `pickup_late_minutes` (pickup): ready_at - promised_ready_at. A lateness rounds UP to whole minutes, so the
  figure is > 0 exactly when the order was made ready after the time promised (10 s late: 1) and <= 0 when it
  was on time (90 s early: -1). Only orders that were made ready and carry a promise.
- `wait_minutes` (pickup): completed_at - arrived_at, the time from the customer's "I'm here" to the
  handover at the desk, in whole minutes elapsed (rounded down, never below 0). Only when the customer said
  they were there (arrived_at) and the order was handed over.
- `return_minutes` (return): from the return's receipt (Return.created_at) to the refund being paid back,
  in whole minutes elapsed (rounded down, never below 0). orders keeps no "settled at" column on a return;
  the moment the refund was recorded as paid back is the `created_at` of the refunded payment the return
  points at (written by the desk's cash refund and by orders.services.refund_settlement.settle_refund). A
  return refunded without such a payment (an exchange that used all its value, nothing to pay back) was
  settled at the desk when received: 0. A refund still due (owed on the original payment, its provider
  paying it back) is not known yet: None. Without a return, a response about an order's return uses the
  order's latest one.
- `delivery_late_hours` (delivery): shipped_at - (created_at + FEEDBACK_DISPATCH_PROMISE_HOURS), rounded UP
  to whole hours like the pickup's lateness (> 0: left late; <= 0: on time). Only delivery orders that
  shipped.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings

from feedback.models import Touchpoint
from orders.models import FulfilmentType, Order, PaymentStatus, Return, ReturnStatus

MINUTE = 60
HOUR = 3600

FACT_FIELDS = ("pickup_late_minutes", "wait_minutes", "return_minutes", "delivery_late_hours")


def lateness(delta: dt.timedelta, unit: int) -> int:
    """A lateness in whole units, rounded up: > 0 exactly when late at all."""
    return math.ceil(delta.total_seconds() / unit)


def elapsed(delta: dt.timedelta, unit: int) -> int:
    """A duration in whole units elapsed, rounded down and never below 0."""
    return max(math.floor(delta.total_seconds() / unit), 0)


def pickup_late_minutes(order: Order | None) -> int | None:
    if order is None or order.fulfilment_type != FulfilmentType.PICKUP:
        return None
    if order.ready_at is None or order.promised_ready_at is None:
        return None
    return lateness(order.ready_at - order.promised_ready_at, MINUTE)


def wait_minutes(order: Order | None) -> int | None:
    if order is None or order.fulfilment_type != FulfilmentType.PICKUP:
        return None
    if order.arrived_at is None or order.completed_at is None:
        return None
    return elapsed(order.completed_at - order.arrived_at, MINUTE)


def refund_paid_at(return_record: Return) -> dt.datetime | None:
    """When the return's refund was paid back (see the module), None while it is still due."""
    if return_record.status != ReturnStatus.REFUNDED:
        return None
    payment = return_record.payment
    if payment is not None and payment.status == PaymentStatus.REFUNDED:
        return payment.created_at
    return return_record.created_at  # nothing went back by a payment: settled at the desk


def return_minutes(order: Order | None, return_record: Return | None) -> int | None:
    if return_record is None and order is not None:
        return_record = order.returns.select_related("payment").order_by("-created_at", "-id").first()
    if return_record is None:
        return None
    paid_at = refund_paid_at(return_record)
    if paid_at is None:
        return None
    return elapsed(paid_at - return_record.created_at, MINUTE)


def delivery_late_hours(order: Order | None) -> int | None:
    if order is None or order.fulfilment_type != FulfilmentType.DELIVERY or order.shipped_at is None:
        return None
    promised = order.created_at + dt.timedelta(hours=settings.FEEDBACK_DISPATCH_PROMISE_HOURS)
    return lateness(order.shipped_at - promised, HOUR)


def facts_for(touchpoint: str, order: Order | None, return_record: Return | None) -> dict[str, Any]:
    """The response's fact columns for this touchpoint (every one of FACT_FIELDS, None when not known)."""
    facts: dict[str, Any] = dict.fromkeys(FACT_FIELDS)
    if touchpoint == Touchpoint.PICKUP:
        facts["pickup_late_minutes"] = pickup_late_minutes(order)
        facts["wait_minutes"] = wait_minutes(order)
    elif touchpoint == Touchpoint.RETURN:
        facts["return_minutes"] = return_minutes(order, return_record)
    elif touchpoint == Touchpoint.DELIVERY:
        facts["delivery_late_hours"] = delivery_late_hours(order)
    return facts
