"""Checking a cart out: an order of its lines through orders' one placement path
(orders.services.place_order), remembering the channel the cart was started in (`started_channel`), and the
cart converted with its order, in one transaction.

The cart row is locked first and re-checked open, then the order is placed (which locks stock): two
checkouts of one cart (two devices, a retry, the till and the app) queue on the cart's lock and the second
finds it converted: 409 `invalid_transition`, and exactly one order exists. Carts are always locked before
stock, on every path (API checkout and the till), so the two never deadlock."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _

from carts.exceptions import CartInvalid, OtherCustomersCart
from carts.models import Cart, CartLine, CartStatus
from carts.services.carts import lock_open_cart
from loyalty.contacts import normalize_email
from omni.actors import Actor
from omni.transactions import service_atomic
from orders import services as orders
from orders.models import Order


def _convert(cart: Cart, order: Order) -> None:
    now = timezone.now()
    cart.status, cart.order, cart.closed_at, cart.updated_at = CartStatus.CONVERTED, order, now, now
    cart.save(update_fields=["status", "order", "closed_at", "updated_at"])


@service_atomic
def checkout_cart(
    *,
    actor: Actor,
    cart_id: UUID | str,
    channel: str,
    fulfilment: orders.FulfilmentInput,
    customer: orders.CustomerInput | None = None,
    redeem_points: int = 0,
    payment: orders.PaymentInput | None = None,
) -> tuple[Cart, Order]:
    """Place the order of the cart's lines (in the order they were added) and convert the cart. Without a
    customer, the cart's own (its email); with one, an identified cart's customer must be the same person
    (403). Lines of SKUs no longer on sale are refused by placement (400 naming `lines.N.sku`)."""
    cart = lock_open_cart(actor, cart_id)
    lines = [
        orders.LineInput(sku=sku, quantity=quantity)
        for sku, quantity in CartLine.objects.filter(cart=cart)
        .order_by("added_at", "id")
        .values_list("variant__sku", "quantity")
    ]
    if not lines:
        raise CartInvalid(
            _("The cart is empty: add a line first."), errors={"lines": [_("The cart is empty.")]}
        )
    if customer is None or not customer.email:
        customer = orders.CustomerInput(
            email=cart.customer_email,
            first_name=customer.first_name if customer else "",
            last_name=customer.last_name if customer else "",
            phone=customer.phone if customer else "",
        )
    elif cart.customer_email and normalize_email(customer.email) != cart.customer_email:
        raise OtherCustomersCart(_("This cart belongs to another customer: check it out with their email."))
    order = orders.place_order(
        actor=actor,
        channel=channel,
        lines=lines,
        fulfilment=fulfilment,
        customer=customer,
        redeem_points=redeem_points,
        payment=payment,
        started_channel=cart.channel,
    )
    _convert(cart, order)
    return cart, order


@service_atomic
def convert_at_till(actor: Actor, cart_id: str, place: Callable[[str], Order]) -> Order:
    """The till takes payment for a basket loaded from a cart (orders.cart_checkout): the cart is locked and
    re-checked open first, then `place(started_channel)` places the sale, then the cart is converted."""
    cart = lock_open_cart(actor, cart_id)
    order = place(cart.channel)
    _convert(cart, order)
    return order
