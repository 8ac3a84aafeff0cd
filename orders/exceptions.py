"""The orders app's domain errors (the contract's codes)."""

from __future__ import annotations

from django.db import models
from django.utils import translation

from omni.exceptions import DomainError, InvalidInput, InvalidTransition, NotFound


def label_of(choices: type[models.TextChoices], value: str) -> str:
    """A code's label for an error's sentence (English, as the sentence): "carry_out" -> "carried out at
    the till". A person reads the detail; the code stays in `code` and in the field path."""
    try:
        label = choices(value).label
    except ValueError:
        return str(value)
    with translation.override("en"):
        return str(label)


class OrderInvalid(InvalidInput):
    default_detail = "The order has invalid fields."


class OrderNotFound(NotFound):
    default_detail = "No order with this number."


class InvalidPickupCode(DomainError):
    """A wrong pickup code at the desk (counted: too many lock the pickup)."""

    code = "invalid_pickup_code"
    status = 400
    title = "Invalid pickup code"
    default_detail = "This is not the order's pickup code."


class PickupLocked(DomainError):
    """Too many wrong codes: a store manager or HQ unlocks the pickup before it is handed over."""

    code = "pickup_locked"
    status = 409
    title = "Pickup locked"
    default_detail = "Too many wrong pickup codes: the pickup is locked until a manager unlocks it."


class ReturnWindowClosed(DomainError):
    """Past the return window of the order's channel: a store manager (or HQ) overrides it, with a reason."""

    code = "return_window_closed"
    status = 400
    title = "Return window closed"
    default_detail = "The return window of this order has closed."


class RefundNotDue(InvalidTransition):
    """A return whose refund is not owed: paid back at the desk, by an exchange, or settled already."""

    default_detail = "This return's refund is not due: it has been paid back already."


class SegmentInvalid(InvalidInput):
    """A customer segment's rules or fields refused (orders.segment_rules)."""

    default_detail = "The segment has invalid fields."
