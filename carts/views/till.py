"""The till's "load the customer's cart": the cashier scans the customer's loyalty card or the cart's QR code
(`omni-cart:<id>`, shown by the app or the kiosk) into the box on the counter page; the till's basket becomes
that cart (orders.views.till.load_into_basket), with its member, and taking the payment converts the cart
(orders.cart_checkout), keeping the channel it was started in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carts.models import Cart, CartStatus
from carts.selectors import cart_for, open_carts_for_card, parse_cart_id, price_cart
from loyalty.cards import is_valid_card_number
from loyalty.selectors.customers import card_candidate
from loyalty.selectors.members import member_for_email
from omni import pages
from omni.actors import Actor
from orders.views.common import current_location
from orders.views.till import load_into_basket


def _find(request: HttpRequest, actor: Actor, code: str) -> Cart | None:
    """The open cart a scanned card (the customer's newest) or QR code leads to; None with a message."""
    card = card_candidate(code)
    if card:
        if not is_valid_card_number(card):
            messages.error(request, _("%(card)s is not a valid card number: scan it again.") % {"card": card})
            return None
        carts = list(open_carts_for_card(actor, card)[:2])
        if not carts:
            messages.error(request, _("The customer with card %(card)s has no open cart.") % {"card": card})
            return None
        if len(carts) > 1:
            messages.info(request, _("The customer has more than one open cart: the latest is loaded."))
        return carts[0]
    cart_id = parse_cart_id(code)
    cart = cart_for(actor, cart_id) if cart_id is not None else None
    if cart is None:
        messages.error(request, _("This is neither a loyalty card nor a cart's QR code: scan it again."))
        return None
    if cart.status != CartStatus.OPEN:
        messages.error(request, _("This cart is no longer open: it was bought or has expired."))
        return None
    return cart


@login_required
@require_POST
def load_cart(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    here = current_location(request)
    if here is None or here.kind != "store" or not actor.can_act_at(here.pk):
        raise PermissionDenied(_("Carts are loaded at the till of your own store."))
    code = " ".join(request.POST.get("code", "").split())[:80]
    if not code:
        messages.error(request, _("Scan the customer's loyalty card or the cart's QR code."))
        return redirect("orders:counter")
    cart = _find(request, actor, code)
    if cart is None:
        return redirect("orders:counter")
    priced = price_cart(cart)
    lines = {line.sku: line.quantity for line in priced.lines if line.on_sale}
    left_out = [line.sku for line in priced.lines if not line.on_sale]
    member_id = cart.member_id
    if member_id is None and cart.customer_email:
        member = member_for_email(cart.customer_email)
        member_id = member.pk if member is not None else None
    load_into_basket(
        request, here, lines=lines, member=member_id, cart=str(cart.pk), cart_channel=cart.channel
    )
    messages.success(
        request,
        _("The customer's cart is in the basket: %(units)d units, started in: %(channel)s.")
        % {"units": sum(lines.values()), "channel": cart.get_channel_display()},
    )
    if left_out:
        messages.warning(
            request,
            _("Left out, no longer on sale: %(skus)s.") % {"skus": ", ".join(left_out)},
        )
    return redirect("orders:counter")
