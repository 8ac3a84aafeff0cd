"""Reads of carts: who may reach which cart (access), a customer's open carts (lookup), a cart priced live
as an order placed now would be (pricing)."""

from carts.selectors.access import cart_for, parse_cart_id, visible_carts
from carts.selectors.lookup import open_carts_for_card, open_carts_for_email, open_carts_of_person
from carts.selectors.pricing import PricedCart, PricedCartLine, price_cart

__all__ = [
    "PricedCart",
    "PricedCartLine",
    "cart_for",
    "open_carts_for_card",
    "open_carts_for_email",
    "open_carts_of_person",
    "parse_cart_id",
    "price_cart",
    "visible_carts",
]
