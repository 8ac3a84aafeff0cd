"""Staff pages of the till: sell at the counter of the current store. The basket (SKU -> units) waits in the
session, priced as the order will be; taking the payment places a carry_out order (orders.services)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from inventory.exceptions import InsufficientStock
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError
from orders import services
from orders.forms import BasketAddForm, BasketQuantityForm, CheckoutForm
from orders.models import Channel, FulfilmentType
from orders.views.common import current_location, priced_at_till, shortage_message

BASKET_KEY = "orders_counter_basket"


def _basket(request: HttpRequest, location: Any) -> dict[str, int]:
    """The till's basket in the session: SKU -> units, for one location (a new location starts empty)."""
    stored = request.session.get(BASKET_KEY) or {}
    if stored.get("location") != location.pk:
        return {}
    return {str(sku): int(qty) for sku, qty in (stored.get("lines") or {}).items()}


def _save_basket(request: HttpRequest, location: Any, lines: dict[str, int]) -> None:
    if lines:
        request.session[BASKET_KEY] = {"location": location.pk, "lines": lines}
    else:
        request.session.pop(BASKET_KEY, None)


def _counter_action(
    request: HttpRequest, actor: Actor, here: Any, lines: dict[str, int]
) -> HttpResponse | None:
    """Apply one posted action to the basket; a response when it ends the page (payment taken)."""
    action = request.POST.get("action", "add")
    if action == "add":
        form = BasketAddForm(request.POST)
        if form.is_valid():
            sku = form.cleaned_data["sku"].sku
            lines[sku] = min(lines.get(sku, 0) + (form.cleaned_data["quantity"] or 1), 999)
        else:
            pages.form_errors_as_messages(request, form)
    elif action == "set":
        quantity_form = BasketQuantityForm(request.POST)
        if quantity_form.is_valid() and quantity_form.cleaned_data["sku"] in lines:
            sku, quantity = quantity_form.cleaned_data["sku"], quantity_form.cleaned_data["quantity"]
            if quantity:
                lines[sku] = quantity
            else:
                lines.pop(sku)
        else:
            pages.form_errors_as_messages(request, quantity_form)
    elif action == "remove":
        lines.pop(request.POST.get("sku", ""), None)
    elif action == "clear":
        lines.clear()
    elif action == "pay":
        return _take_payment(request, actor, here, lines)
    _save_basket(request, here, lines)
    return redirect("orders:counter")


def _take_payment(
    request: HttpRequest, actor: Actor, here: Any, lines: dict[str, int]
) -> HttpResponse | None:
    form = CheckoutForm(request.POST)
    if not lines:
        messages.error(request, _("The basket is empty: scan a SKU first."))
        return redirect("orders:counter")
    if not form.is_valid():
        pages.form_errors_as_messages(request, form)
        return redirect("orders:counter")
    try:
        order = services.place_order(
            actor=actor,
            channel=Channel.STORE,
            lines=[services.LineInput(sku=sku, quantity=qty) for sku, qty in lines.items()],
            fulfilment=services.FulfilmentInput(type=FulfilmentType.CARRY_OUT, location=here.code),
            customer=services.CustomerInput(email=form.cleaned_data["email"] or ""),
            payment=services.PaymentInput(method=form.cleaned_data["method"], status="captured"),
        )
    except InsufficientStock as exc:
        messages.error(request, shortage_message(exc, here))
        return redirect("orders:counter")
    except DomainError as exc:
        pages.show_as_message(request, exc)
        return redirect("orders:counter")
    _save_basket(request, here, {})
    messages.success(
        request,
        _("Payment taken: order %(number)s, %(total)s %(currency)s.")
        % {"number": order.number, "total": number_format(order.total, 2), "currency": order.currency},
    )
    return redirect("orders:detail", number=order.number)


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
        response = _counter_action(request, actor, here, _basket(request, here))
        if response is not None:
            return response
    lines = _basket(request, here) if is_store else {}
    priced, total = priced_at_till(lines)
    return render(
        request,
        "orders/counter.html",
        {
            "here": here,
            "is_store": is_store,
            "priced": [
                (p, BasketQuantityForm(initial={"sku": p.variant.sku, "quantity": p.quantity}))
                for p in priced
            ],
            "units": sum(lines.values()),
            "total": total,
            "add_form": BasketAddForm(),
            "checkout_form": CheckoutForm(),
        },
    )
