"""Staff pages of the till: sell at the counter of the current store. The basket (SKU -> units, the loyalty
member whose card was scanned and the points to redeem) waits in the session, priced as the order will be;
each scan is checked against the units the store has. Removing a line or emptying the basket can be undone
once. Taking the payment places a carry_out order through the one placement path (orders.services), which
redeems the points and lets the member earn; the receipts are orders.views.receipts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from inventory.exceptions import InsufficientStock
from loyalty.cards import is_valid_card_number
from loyalty.selectors.customers import card_candidate
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError
from omni.formatting import format_money
from orders import cart_checkout, services
from orders.forms import BasketAddForm, BasketQuantityForm, CheckoutForm, LoyaltyCardForm, RedeemPointsForm
from orders.models import Channel, FulfilmentType, Order
from orders.services.points import discount_for
from orders.services.pricing import ZERO
from orders.views import till_loyalty
from orders.views.common import available_here, current_location, priced_at_till, shortage_message

BASKET_KEY = "orders_counter_basket"
UNDO_KEY = "orders_counter_undo"
LAST_SALE_KEY = "orders_counter_last_sale"
MAX_UNITS = 999


@dataclass
class Basket:
    """What the till's session holds for one store: the lines, the member attached, the points to redeem."""

    lines: dict[str, int] = field(default_factory=dict)
    member: int | None = None
    redeem: int = 0
    cart: str = ""  # the customer's cart it was loaded from (carts.views.till), sold with it
    cart_channel: str = ""  # the channel that cart was started in

    @classmethod
    def from_session(cls, stored: Any, location: Any) -> Basket:
        if not isinstance(stored, dict) or stored.get("location") != location.pk:
            return cls()  # a new location starts empty
        member = stored.get("member")
        return cls(
            lines={str(sku): int(qty) for sku, qty in (stored.get("lines") or {}).items()},
            member=int(member) if member else None,
            redeem=int(stored.get("redeem") or 0),
            cart=str(stored.get("cart") or ""),
            cart_channel=str(stored.get("cart_channel") or ""),
        )

    def to_session(self, location: Any) -> dict[str, Any]:
        lines = dict(self.lines)  # a copy: the session is written when the response leaves
        return {
            "location": location.pk,
            "lines": lines,
            "member": self.member,
            "redeem": self.redeem,
            "cart": self.cart,
            "cart_channel": self.cart_channel,
        }

    @property
    def is_empty(self) -> bool:
        return not self.lines and self.member is None


def _basket(request: HttpRequest, location: Any) -> Basket:
    return Basket.from_session(request.session.get(BASKET_KEY), location)


def _save_basket(request: HttpRequest, location: Any, basket: Basket) -> None:
    if basket.is_empty:
        request.session.pop(BASKET_KEY, None)
    else:
        request.session[BASKET_KEY] = basket.to_session(location)


def load_into_basket(
    request: HttpRequest,
    location: Any,
    *,
    lines: dict[str, int],
    member: int | None,
    cart: str,
    cart_channel: str,
) -> None:
    """The till's basket becomes a customer's cart (carts.views.till loads it by card or QR code): its
    lines, its member, and the cart itself, converted when the payment is taken (orders.cart_checkout). The
    basket it replaces can be had back once with undo."""
    before = _basket(request, location)
    if not before.is_empty:
        _keep_for_undo(request, location, before, "clear")
    else:
        request.session.pop(UNDO_KEY, None)
    basket = Basket(lines=dict(lines), member=member, cart=cart, cart_channel=cart_channel)
    request.session[BASKET_KEY] = basket.to_session(location)


def _keep_for_undo(request: HttpRequest, location: Any, basket: Basket, what: str, sku: str = "") -> None:
    """The basket as it was before a line was removed or the basket emptied: one step back, no more."""
    request.session[UNDO_KEY] = {"basket": basket.to_session(location), "what": what, "sku": sku}


def _undo_offer(request: HttpRequest, location: Any) -> dict[str, Any] | None:
    offer = request.session.get(UNDO_KEY)
    if not isinstance(offer, dict) or (offer.get("basket") or {}).get("location") != location.pk:
        return None
    return offer


# --- The actions --------------------------------------------------------------------------------------


def _set_quantity(request: HttpRequest, here: Any, basket: Basket, sku: str, quantity: int) -> None:
    """The line of `sku` at `quantity` units, if the store has them; else a message and the line as it was."""
    available = available_here(here, [sku])[sku]
    if quantity > available:
        messages.error(
            request,
            _(
                "Not enough stock of %(sku)s at %(code)s: %(available)d available, %(wanted)d wanted. "
                "The basket keeps %(kept)d."
            )
            % {
                "sku": sku,
                "code": here.code,
                "available": available,
                "wanted": quantity,
                "kept": basket.lines.get(sku, 0),
            },
        )
        return
    basket.lines[sku] = quantity


def _attach_card(request: HttpRequest, actor: Actor, basket: Basket, card: str) -> None:
    member = till_loyalty.member_to_attach(request, actor, card)
    if member is None:
        return  # the basket as it was, with a message
    if basket.member != member.pk:
        basket.redeem = 0  # points chosen for another member are not this one's
    basket.member = member.pk


def _add(request: HttpRequest, actor: Actor, here: Any, basket: Basket) -> None:
    form = BasketAddForm(request.POST)
    if form.is_valid():
        variant = form.cleaned_data["sku"]
        sku = variant.sku
        if not (variant.active and variant.product.active):
            message = _("%(sku)s is not on sale: it cannot be sold at the till.")
            messages.error(request, message % {"sku": sku})
            return
        _set_quantity(
            request,
            here,
            basket,
            sku,
            min(basket.lines.get(sku, 0) + (form.cleaned_data["quantity"] or 1), MAX_UNITS),
        )
        return
    card = card_candidate(request.POST.get("sku", ""))
    if card and is_valid_card_number(card):  # a loyalty card scanned into the SKU box
        _attach_card(request, actor, basket, card)
        return
    pages.form_errors_as_messages(request, form)


def _change(request: HttpRequest, here: Any, basket: Basket) -> None:
    form = BasketQuantityForm(request.POST)
    if not (form.is_valid() and form.cleaned_data["sku"] in basket.lines):
        pages.form_errors_as_messages(request, form)
        return
    sku, quantity = form.cleaned_data["sku"], form.cleaned_data["quantity"]
    if quantity:
        _set_quantity(request, here, basket, sku, quantity)
    else:
        _keep_for_undo(request, here, basket, "remove", sku)
        basket.lines.pop(sku)


def _redeem(request: HttpRequest, actor: Actor, basket: Basket) -> None:
    form = RedeemPointsForm(request.POST)
    if not form.is_valid():
        pages.form_errors_as_messages(request, form)
        return
    points = form.cleaned_data["points"]
    member = till_loyalty.attached_member(actor, basket.member)
    total = priced_at_till(basket.lines, customer_email=till_loyalty.member_email(member))[1]
    problem = till_loyalty.redemption_problem(member, points, total)
    if problem:
        messages.error(request, problem)
        return
    basket.redeem = points


def _counter_action(request: HttpRequest, actor: Actor, here: Any, basket: Basket) -> HttpResponse:
    """Apply one posted action to the basket; answer with the next page (the till, or the order paid)."""
    action = request.POST.get("action", "add")
    if action == "undo":
        offer = _undo_offer(request, here)
        request.session.pop(UNDO_KEY, None)
        if offer is not None:
            _save_basket(request, here, Basket.from_session(offer["basket"], here))
            messages.success(request, _("Undone: the basket is back as it was."))
        return redirect("orders:counter")
    before = replace(basket, lines=dict(basket.lines))
    request.session.pop(UNDO_KEY, None)  # undo is offered for one step only
    if action == "add":
        _add(request, actor, here, basket)
    elif action == "set":
        _change(request, here, basket)
    elif action == "remove" and request.POST.get("sku", "") in basket.lines:
        _keep_for_undo(request, here, before, "remove", request.POST["sku"])
        basket.lines.pop(request.POST["sku"])
    elif action == "clear" and not basket.is_empty:
        _keep_for_undo(request, here, before, "clear")
        basket = Basket()
    elif action == "card":
        card_form = LoyaltyCardForm(request.POST)
        if card_form.is_valid():
            _attach_card(request, actor, basket, card_form.cleaned_data["card"])
        else:
            pages.form_errors_as_messages(request, card_form)
    elif action == "card-remove":
        basket.member, basket.redeem = None, 0
    elif action == "cart-remove":
        basket.cart, basket.cart_channel = "", ""
    elif action == "redeem":
        _redeem(request, actor, basket)
    elif action == "pay":
        return _take_payment(request, actor, here, basket)
    _save_basket(request, here, basket)
    return redirect("orders:counter")


# --- The payment --------------------------------------------------------------------------------------


def _customer(member: Any, form: CheckoutForm) -> services.CustomerInput:
    """The member's own email and name when a card is attached (the order earns them points), else the
    email the customer gave for an emailed receipt, if any."""
    if member is not None:
        customer = member.customer
        return services.CustomerInput(
            email=customer.email, first_name=customer.first_name, last_name=customer.last_name
        )
    return services.CustomerInput(email=form.cleaned_data["email"] or "")


def _payment_problem(actor: Actor, basket: Basket) -> tuple[Any, str]:
    """The attached member, and why the payment cannot be taken as it stands ("" when it can)."""
    if not basket.lines:
        return None, _("The basket is empty: scan a SKU first.")
    member = till_loyalty.attached_member(actor, basket.member)
    if basket.member is not None and member is None:
        return None, _("The loyalty card attached is no longer valid: scan it again or remove it.")
    if basket.redeem:
        total = priced_at_till(basket.lines, customer_email=till_loyalty.member_email(member))[1]
        return member, till_loyalty.redemption_problem(member, basket.redeem, total)
    return member, ""


def _take_payment(request: HttpRequest, actor: Actor, here: Any, basket: Basket) -> HttpResponse:
    form = CheckoutForm(request.POST)
    member, problem = _payment_problem(actor, basket)
    if problem:
        messages.error(request, problem)
        return redirect("orders:counter")
    if not form.is_valid():
        pages.form_errors_as_messages(request, form)
        return redirect("orders:counter")

    def place(started_channel: str | None) -> Order:
        return services.place_order(
            actor=actor,
            channel=Channel.STORE,
            lines=[services.LineInput(sku=sku, quantity=qty) for sku, qty in basket.lines.items()],
            fulfilment=services.FulfilmentInput(type=FulfilmentType.CARRY_OUT, location=here.code),
            customer=_customer(member, form),
            redeem_points=basket.redeem if member is not None else 0,
            payment=services.PaymentInput(method=form.cleaned_data["method"], status="captured"),
            started_channel=started_channel,
        )

    try:
        order = cart_checkout.sell(actor, basket.cart, place)
    except InsufficientStock as exc:
        messages.error(request, shortage_message(exc, here))
        return redirect("orders:counter")
    except DomainError as exc:
        pages.show_as_message(request, exc)
        return redirect("orders:counter")
    _save_basket(request, here, Basket())
    request.session[LAST_SALE_KEY] = {"location": here.pk, "number": order.number}
    _paid_messages(request, order, member)
    return redirect("orders:detail", number=order.number)


def _paid_messages(request: HttpRequest, order: Order, member: Any) -> None:
    messages.success(
        request,
        _("Payment taken: order %(number)s, %(total)s.")
        % {"number": order.number, "total": format_money(order.total, order.currency)},
    )
    if member is not None:
        messages.success(
            request,
            _("%(name)s earned %(earned)d points and redeemed %(redeemed)d.")
            % {
                "name": till_loyalty.member_name(member),
                "earned": till_loyalty.points_earned(order),
                "redeemed": order.points_redeemed,
            },
        )


# --- The page -----------------------------------------------------------------------------------------


def _last_sale(request: HttpRequest, here: Any) -> str:
    last = request.session.get(LAST_SALE_KEY)
    if isinstance(last, dict) and last.get("location") == here.pk:
        return str(last.get("number") or "")
    return ""


def _counter_context(request: HttpRequest, actor: Actor, here: Any) -> dict[str, Any]:
    basket = _basket(request, here)
    member = till_loyalty.attached_member(actor, basket.member)
    discount = discount_for(basket.redeem) if member is not None and basket.redeem else ZERO
    priced, total = priced_at_till(basket.lines, discount, till_loyalty.member_email(member))
    before_points = sum((p.after_promotion for p in priced), ZERO)
    redeem_problem = till_loyalty.redemption_problem(member, basket.redeem, before_points) if discount else ""
    if redeem_problem:  # shown as a warning; the payment is refused until the points are changed
        discount, total = ZERO, before_points
        for line in priced:
            line.order_discount = ZERO
    available = available_here(here, basket.lines)
    return {
        "priced": [
            (
                p,
                BasketQuantityForm(initial={"sku": p.variant.sku, "quantity": p.quantity}),
                available.get(p.variant.sku, 0),
            )
            for p in priced
        ],
        "units": sum(basket.lines.values()),
        "before_points": before_points,
        "total": total,
        "currency": settings.OMNI_CURRENCY,
        "member": member,
        "member_lost": basket.member is not None and member is None,
        "cart": basket.cart,
        "cart_channel": Channel(basket.cart_channel).label if basket.cart_channel in Channel.values else "",
        "redeem": basket.redeem if member is not None else 0,
        "discount": discount,
        "redeem_problem": redeem_problem,
        "most_points": till_loyalty.most_points(member, before_points),
        "undo": _undo_offer(request, here),
        "last_sale": _last_sale(request, here),
        "add_form": BasketAddForm(),
        "card_form": LoyaltyCardForm(),
        "redeem_form": RedeemPointsForm(initial={"points": basket.redeem or ""}),
        "checkout_form": CheckoutForm(),
    }


@login_required
def counter(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    here = current_location(request)
    if here is not None and not actor.can_act_at(here.pk):
        raise PermissionDenied(_("You may only sell at your own store."))
    is_store = here is not None and here.kind == "store"
    if request.method == "POST":
        if not is_store:
            raise PermissionDenied(_("Sales at the counter are taken at a store."))
        return _counter_action(request, actor, here, _basket(request, here))
    context: dict[str, Any] = {"here": here, "is_store": is_store}
    if is_store:
        context.update(_counter_context(request, actor, here))
    return render(request, "orders/counter.html", context)
