"""Every write to carts: create, change lines, merge, check out (through orders' one placement path) and
expire. Each locks the cart row first and re-checks it is open (409 `invalid_transition` otherwise)."""

from carts.services.carts import (
    MAX_CART_LINES,
    add_line,
    create_cart,
    delete_line,
    merge_carts,
    replace_lines,
)
from carts.services.checkout import checkout_cart, convert_at_till
from carts.services.expiry import expire_carts

__all__ = [
    "MAX_CART_LINES",
    "add_line",
    "checkout_cart",
    "convert_at_till",
    "create_cart",
    "delete_line",
    "expire_carts",
    "merge_carts",
    "replace_lines",
]
