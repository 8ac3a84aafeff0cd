"""Staff pages of orders: the list and an order's detail (cancel, ship), and the ship-from-store pick list of
the current location (the till: orders.views.till). They read through orders.selectors and write through
orders.services; a domain error is shown as a message or on the form (omni.pages), never as a 500."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory.selectors import visible_locations
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError
from orders import selectors, services
from orders.forms import CancelForm, OrderFilterForm, ShipForm
from orders.models import FulfilmentType, Order, OrderStatus, ShipmentStatus
from orders.services.slots import waited_minutes
from orders.views.common import current_location

PAGE_SIZE = 50


def _order_or_404(actor: Actor, number: str) -> Order:
    order = selectors.order_detail(actor, number)
    if order is None:
        raise Http404(_("No order %(number)s.") % {"number": number})
    return order


# --- 1. The order list -----------------------------------------------------------------------------------


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
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
    actor = pages.actor(request)
    order = _order_or_404(actor, number)
    here = current_location(request)
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
            # arrival to handover (docs/TIME-IN-STORE.md)
            "waited_minutes": waited_minutes(order, order.completed_at) if order.completed_at else None,
        },
    )


@login_required
@require_POST
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    actor = pages.actor(request)
    _order_or_404(actor, number)
    form = CancelForm(request.POST)
    if not form.is_valid():
        pages.form_errors_as_messages(request, form)
        return redirect("orders:detail", number=number)
    try:
        services.cancel_order(actor=actor, number=number, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        pages.show_as_message(request, exc)
    else:
        messages.success(request, _("Order %(number)s cancelled.") % {"number": number})
    return redirect("orders:detail", number=number)


@login_required
@require_POST
def order_ship(request: HttpRequest, number: str) -> HttpResponse:
    """Ship what leaves from the current location; back to the pick list when sent from there."""
    actor = pages.actor(request)
    _order_or_404(actor, number)
    here = current_location(request)
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
        pages.form_errors_as_messages(request, form)
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
        pages.show_as_message(request, exc)
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
    actor = pages.actor(request)
    here = current_location(request)
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
