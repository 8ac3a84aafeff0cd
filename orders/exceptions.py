"""The orders app's domain errors (the contract's codes)."""

from __future__ import annotations

from omni.exceptions import InvalidInput, NotFound


class OrderInvalid(InvalidInput):
    default_detail = "The order has invalid fields."


class OrderNotFound(NotFound):
    default_detail = "No order with this number."
