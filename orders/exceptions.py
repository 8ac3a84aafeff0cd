"""The orders app's domain errors (the contract's codes)."""

from __future__ import annotations

from omni.exceptions import DomainError, InvalidInput, NotFound


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
