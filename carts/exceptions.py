"""The carts app's domain errors (the contract's codes: omni.exceptions)."""

from __future__ import annotations

from omni.exceptions import Forbidden, InvalidInput, InvalidTransition, NotFound


class CartNotFound(NotFound):
    default_detail = "No such cart."


class CartInvalid(InvalidInput):
    default_detail = "The cart has invalid fields."


class CartInvalidTransition(InvalidTransition):
    default_detail = "This cart is not open: it was checked out or has expired."


class OtherCustomersCart(Forbidden):
    default_detail = "This cart belongs to another customer."
