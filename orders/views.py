"""Staff pages of orders: the list and an order's detail (cancel, ship), the ship-from-store pick list of the
current location and the till (sell at the counter). They read through orders.selectors and write through
orders.services; a domain error is shown as a message or on the form, never as a 500."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory.exceptions import InsufficientStock
from inventory.models import Variant
from inventory.selectors.pages import visible_locations
from omni.actors import Actor
from omni.exceptions import DomainError, Forbidden, NotFound
from orders import selectors, services
from orders.forms import (
    BasketAddForm,
    BasketQuantityForm,
    CancelForm,
    CheckoutForm,
    OrderFilterForm,
    ShipForm,
)
from orders.models import (
    Channel,
    FulfilmentType,
    Order,
    OrderStatus,
    ShipmentStatus,
)
from orders.services.pricing import ZERO, price_lines

PAGE_SIZE = 50
BASKET_KEY = "orders_counter_basket"


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)  # type: ignore[arg-type]


def _here(request: HttpRequest) -> Any:
    return getattr(request, "current_location", None)


def _order_or_404(actor: Actor, number: str) -> Order:
    order = selectors.order_detail(actor, number)
    if order is None:
        raise Http404(_("No order %(number)s.") % {"number": number})
    return order


def _domain_error(request: HttpRequest, exc: DomainError) -> None:
    """A refusal is a 403, an order the user may not see a 404, any other domain error a message."""
    if isinstance(exc, Forbidden):
        raise PermissionDenied(exc.detail) from exc
    if isinstance(exc, NotFound):
        raise Http404(exc.detail) from exc
    messages.error(request, exc.detail)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))


# --- 1. The order list -----------------------------------------------------------------------------------


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = OrderFilterForm(request.GET, locations=visible_locations(actor))
    orders: QuerySet[Order] = selectors.order_list(actor).none()
    if form.is_valid():
        data = form.cleaned_data
        query = data["q"].strip()
        orders = selectors.order_list(
            actor,
            status=data["status"] or None,
            channel=data["channel"] or None,
            location=data["location"] or None,
            query=query or None,
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    params = request.GET.copy()
    params.pop("page", None)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/order_list.html",
        {"form": form, "page": page, "querystring": params.urlencode()},
    )


# --- 2. An order, with cancel and ship ---------------------------------------------------------------------


def _shippable_here(order: Order, actor: Actor, here: Any) -> bool:
    """A delivery order with a pending shipment at the current location, which the user may ship."""
    if here is None or order.fulfilment_type != FulfilmentType.DELIVERY or not actor.can_act_at(here.pk):
        return False
    if order.status != OrderStatus.PLACED:
        return False
    return any(s.location_id == here.pk and s.status == ShipmentStatus.PENDING for s in order.shipments.all())


@login_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = _actor(request)
    order = _order_or_404(actor, number)
    here = _here(request)
    lines = list(order.lines.all())
    for line in lines:
        line.discount_total = line.promotion_discount + line.order_discount  # type: ignore[attr-defined]
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "here": here,
            "cancel_form": CancelForm() if order.status == OrderStatus.PLACED else None,
            "ship_form": ShipForm() if _shippable_here(order, actor, here) else None,
        },
    )


@login_required
@require_POST
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    actor = _actor(request)
    _order_or_404(actor, number)
    form = CancelForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("orders:detail", number=number)
    try:
        services.cancel_order(actor=actor, number=number, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        _domain_error(request, exc)
    else:
        messages.success(request, _("Order %(number)s cancelled.") % {"number": number})
    return redirect("orders:detail", number=number)


@login_required
@require_POST
def order_ship(request: HttpRequest, number: str) -> HttpResponse:
    """Ship what leaves from the current location; back to the pick list when sent from there."""
    actor = _actor(request)
    _order_or_404(actor, number)
    here = _here(request)
    back = (
        redirect("orders:picking")
        if request.POST.get("back") == "picking"
        else redirect("orders:detail", number=number)
    )
    if here is None:
        messages.error(request, _("Choose the location you ship from first."))
        return back
    if not actor.can_act_at(here.pk):
        raise PermissionDenied(_("You may only ship from your own locations."))
    form = ShipForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return back
    try:
        order = services.ship_order(
            actor=actor,
            number=number,
            carrier=form.cleaned_data["carrier"],
            tracking=form.cleaned_data["tracking"],
            location_code=here.code,
        )
    except DomainError as exc:
        _domain_error(request, exc)
    else:
        messages.success(
            request,
            _("Order %(number)s shipped from %(code)s (%(status)s).")
            % {"number": number, "code": here.code, "status": order.get_status_display()},  # type: ignore[attr-defined]
        )
    return back


# --- 3. Ship from store: the pick list ---------------------------------------------------------------------


@login_required
def picking(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    here = _here(request)
    if here is not None and not actor.can_act_at(here.pk):
        raise PermissionDenied(_("You may only pick at your own locations."))
    shipments = selectors.pending_shipments(actor, here) if here is not None else []
    totals: dict[str, dict[str, Any]] = {}
    orders_by_sku: dict[str, list[str]] = defaultdict(list)
    for shipment in shipments:
        for allocation in shipment.allocations.all():
            line = allocation.line
            row = totals.setdefault(
                line.sku,
                {"sku": line.sku, "name": line.name, "variant": line.variant, "quantity": 0},
            )
            row["quantity"] += allocation.quantity
            orders_by_sku[line.sku].append(shipment.order.number)
    pick_list = [{**row, "orders": sorted(set(orders_by_sku[sku]))} for sku, row in sorted(totals.items())]
    return render(
        request,
        "orders/picking.html",
        {
            "here": here,
            "shipments": shipments,
            "pick_list": pick_list,
            "units": sum(row["quantity"] for row in pick_list),
            "ship_form": ShipForm(),
        },
    )


# --- 4. Sell at the counter ---------------------------------------------------------------------------


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


def _priced_basket(lines: dict[str, int]) -> tuple[list[Any], Decimal]:
    """A read-only preview with the catalog prices and promotions the order will get."""
    if not lines:
        return [], ZERO
    variants = {v.sku: v for v in Variant.objects.select_related("product").filter(sku__in=lines)}
    wanted = [(variants[sku], qty) for sku, qty in lines.items() if sku in variants]
    priced = price_lines(wanted, channel=Channel.STORE, at=timezone.now())
    return priced, sum((p.line_total for p in priced), ZERO)


def _shortage_message(exc: InsufficientStock, location: Any) -> str:
    parts = [
        _("%(sku)s: %(available)d available, %(requested)d wanted")
        % {"sku": s["sku"], "available": max(int(s.get("available", 0)), 0), "requested": s["requested"]}
        for s in exc.extra.get("shortages", [])
        if "requested" in s
    ]
    if not parts:
        return exc.detail
    return _("Not enough stock at %(code)s for %(lines)s. The basket is kept.") % {
        "code": location.code,
        "lines": "; ".join(parts),
    }


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
            _form_errors(request, form)
    elif action == "set":
        quantity_form = BasketQuantityForm(request.POST)
        if quantity_form.is_valid() and quantity_form.cleaned_data["sku"] in lines:
            sku, quantity = quantity_form.cleaned_data["sku"], quantity_form.cleaned_data["quantity"]
            if quantity:
                lines[sku] = quantity
            else:
                lines.pop(sku)
        else:
            _form_errors(request, quantity_form)
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
        _form_errors(request, form)
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
        messages.error(request, _shortage_message(exc, here))
        return redirect("orders:counter")
    except DomainError as exc:
        _domain_error(request, exc)
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
    actor = _actor(request)
    here = _here(request)
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
    priced, total = _priced_basket(lines)
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
