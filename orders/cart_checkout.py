"""The till's sale of a basket loaded from a customer's cart, without importing carts (the arrows run
carts -> orders): the carts app registers, in its AppConfig.ready(), the one function that checks a cart out
around a sale (carts.services.convert_at_till). It locks the cart and re-checks it is open, calls
`place(started_channel)` (the till's placement, through orders.services.place_order, which keeps the channel
the cart was started in), then marks the cart converted with its order, all in one transaction: a kiosk
basket paid at the till counts for the kiosk, and a cart is never sold twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

from omni.actors import Actor

if TYPE_CHECKING:
    from orders.models import Order

Place = Callable[[str | None], "Order"]
CartCheckout = Callable[[Actor, str, Place], "Order"]

_registered: list[CartCheckout] = []


def register_cart_checkout(checkout: CartCheckout) -> CartCheckout:
    """Called once, by the carts app; a second registration replaces the first."""
    _registered[:] = [checkout]
    return checkout


def sell(actor: Actor, cart_id: str, place: Place) -> Order:
    """`place(None)` for a basket not loaded from a cart; else through the registered cart checkout."""
    if not cart_id:
        return place(None)
    if not _registered:
        raise ImproperlyConfigured("No app has registered the till's cart checkout (carts/apps.py).")
    return _registered[0](actor, cart_id, place)
