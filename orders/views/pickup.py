"""Staff pages of click-and-collect at the current location: the pickup queue, an order's pick list (pick,
short pick, mark ready) and the combined pick list to print. The desk (find the order, hand it over, unlock):
orders.views.pickup_desk.

They read through orders.selectors and write through orders.services (the pickup workflow); a domain error is
shown on the form or as a message (omni.pages), never as a 500. Only the staff of the pickup location (or HQ)
may act. Store staff never see pickup codes: no page writes one out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from inventory.models import TransferStatus
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError
from orders import selectors, services
from orders.forms import PickForm, PickupQueueFilterForm, ShortPickForm
from orders.models import Order, OrderLine, OrderStatus
from orders.views.common import current_location

IN_TRANSIT = (TransferStatus.REQUESTED, TransferStatus.SHIPPED)
QUEUE_REFRESH_SECONDS = 30  # the queue page reloads itself (a meta refresh: no JavaScript, CSP allows it)


# --- Where and who ---------------------------------------------------------------------------------------


def pickup_location(request: HttpRequest, actor: Actor) -> Any:
    """The current location, if the user may act there (None: HQ looking at the whole network)."""
    here = current_location(request)
    if here is not None and not actor.can_act_at(here.pk):
        raise PermissionDenied(_("You may only work on the pickups of your own locations."))
    return here


def pickup_order_or_404(actor: Actor, number: str) -> Order:
    """A pickup order for its location's staff or HQ: 404 if the user may not see it, 403 if he sees it
    (he took it, or it is sourced from his warehouse) but it is picked up elsewhere."""
    order = selectors.pickup_order(actor, number)
    if order is None:
        raise Http404(_("No pickup order %(number)s.") % {"number": number})
    if not actor.can_act_at(order.location_id):
        raise PermissionDenied(
            _("Only the staff of %(code)s work on this pickup.") % {"code": order.location.code}  # type: ignore[union-attr]
        )
    return order


# --- The lines of a pick list ----------------------------------------------------------------------------


@dataclass
class Incoming:
    """Units of a line on their way to the store by transfer."""

    transfer: Any
    quantity: int

    @property
    def received(self) -> bool:
        return bool(self.transfer.status == TransferStatus.RECEIVED)

    @property
    def in_transit(self) -> bool:
        return self.transfer.status in IN_TRANSIT


@dataclass
class PickRow:
    line: OrderLine
    held_here: int = 0  # units reserved on the store's shelves
    incoming: list[Incoming] = field(default_factory=list)
    elsewhere: list[tuple[Any, int]] = field(default_factory=list)  # (location, units) not coming by transfer
    field: Any = None  # the bound picked-quantity field of the pick form, when the line can be picked

    @property
    def held(self) -> int:
        """Units held for the order at the store: its own, and those a received transfer brought."""
        return self.held_here + sum(i.quantity for i in self.incoming if i.received)

    @property
    def pickable(self) -> int:
        """Units that can be in the bag now (pick_lines takes 0 up to this)."""
        return min(self.line.quantity, self.held)

    @property
    def waiting(self) -> int:
        """Units on their way by a transfer requested or shipped: not pickable until received."""
        return sum(i.quantity for i in self.incoming if i.in_transit)

    @property
    def missing(self) -> int:
        """Units neither at the store nor on their way (a transfer arrived short or was cancelled)."""
        return max(self.line.quantity - self.held - self.waiting, 0)

    @property
    def shortable(self) -> int:
        """Units a short pick may declare missing: those that should be at the store."""
        return max(self.line.quantity - self.waiting, 0)

    @property
    def pick_now(self) -> int:
        """Units on the store's shelves still to put in the bag."""
        return max(self.pickable - self.line.picked_quantity, 0)

    @property
    def to_pick(self) -> int:
        return max(self.line.quantity - self.line.picked_quantity, 0)

    @property
    def done(self) -> bool:
        return self.to_pick == 0


def pick_rows(order: Order) -> list[PickRow]:
    rows = []
    for line in order.lines.all():
        row = PickRow(line=line)
        for allocation in line.allocations.all():
            if allocation.transfer_id is not None:
                row.incoming.append(Incoming(allocation.transfer, allocation.quantity))
            elif allocation.location_id == order.location_id:
                row.held_here += allocation.quantity
            else:
                row.elsewhere.append((allocation.location, allocation.quantity))
        rows.append(row)
    return rows


def _pick_form(rows: list[PickRow], data: Any = None) -> PickForm:
    """One field per line that has units to pick on the shelves (arriving lines wait for their transfer)."""
    pickable = [row for row in rows if row.pickable]
    form = PickForm(
        data, lines=[row.line for row in pickable], limits={row.line.pk: row.pickable for row in pickable}
    )
    for row in pickable:
        row.field = form[f"line_{row.line.pk}"]
    return form


def _everything_picked(order: Order, rows: list[PickRow]) -> bool:
    """Every unit still ordered is in the bag, and nothing waits for a transfer: it can be marked ready."""
    return order.status == OrderStatus.PLACED and all(row.done and not row.waiting for row in rows)


# --- 1. The pickup queue ---------------------------------------------------------------------------------


QUEUE_FILTERS: dict[str, Callable[[Order], bool]] = {
    "arrived": lambda o: o.arrived_at is not None,
    "prepare": lambda o: o.status == OrderStatus.PLACED,
    "ready": lambda o: o.status == OrderStatus.READY_FOR_PICKUP,
    "late": lambda o: _flag(o, "is_late"),
    "locked": lambda o: o.pickup_locked_at is not None,
    "expired": lambda o: _flag(o, "is_expired"),
}


def _flag(order: Order, name: str) -> bool:
    """One of the flags selectors.pickup_queue annotates (is_late, is_expired, awaiting_transfer)."""
    return bool(getattr(order, name, False))


@login_required
def pickup_queue(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    here = pickup_location(request, actor)
    form = PickupQueueFilterForm(request.GET)
    show = form.cleaned_data["show"] if form.is_valid() else ""
    queue = list(selectors.pickup_queue(actor, here)) if here is not None else []
    now = timezone.now()
    for order in queue:  # "arrived N min ago"
        order.waiting_minutes = (  # type: ignore[attr-defined]
            max(int((now - order.arrived_at).total_seconds() // 60), 0) if order.arrived_at else None
        )
    counts = {name: sum(1 for o in queue if keep(o)) for name, keep in QUEUE_FILTERS.items()}
    keep = QUEUE_FILTERS.get(show)
    return render(
        request,
        "orders/pickup/queue.html",
        {
            "here": here,
            "form": form,
            "show": show,
            "orders": [o for o in queue if keep(o)] if keep else queue,
            "counts": counts,
            "refresh_seconds": QUEUE_REFRESH_SECONDS,
        },
    )


# --- 2. Pick lists ---------------------------------------------------------------------------------------


@login_required
def pickup_print(request: HttpRequest) -> HttpResponse:
    """Everything to prepare at the current location on one sheet: every SKU once (to walk the shelves
    once), then each order's lines to bag it."""
    actor = pages.actor(request)
    here = pickup_location(request, actor)
    orders = selectors.pickups_to_pick(actor, here) if here is not None else []
    totals: dict[str, dict[str, Any]] = {}
    sheets = []
    for order in orders:
        rows = pick_rows(order)
        sheets.append((order, rows))
        for row in rows:
            units = row.pick_now
            if not units:
                continue
            line = row.line
            total = totals.setdefault(
                line.sku,
                {"sku": line.sku, "name": line.name, "variant": line.variant, "quantity": 0, "orders": []},
            )
            total["quantity"] += units
            total["orders"].append(order.number)
    pick_list = [totals[sku] for sku in sorted(totals)]
    return render(
        request,
        "orders/pickup/print.html",
        {
            "here": here,
            "sheets": sheets,
            "pick_list": pick_list,
            "units": sum(row["quantity"] for row in pick_list),
        },
    )


def _render_pick(request: HttpRequest, order: Order, rows: list[PickRow], form: PickForm) -> HttpResponse:
    placed = order.status == OrderStatus.PLACED
    return render(
        request,
        "orders/pickup/pick.html",
        {
            "order": order,
            "rows": rows,
            "form": form if placed else None,
            "short_form": ShortPickForm() if placed else None,
            "can_pick": placed and any(row.field is not None for row in rows),
            "everything_picked": _everything_picked(order, rows),
            "waiting": any(row.waiting for row in rows),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def pickup_pick(request: HttpRequest, number: str) -> HttpResponse:
    """An order's pick list; POST saves the picked quantities (pick_lines)."""
    actor = pages.actor(request)
    order = pickup_order_or_404(actor, number)
    rows = pick_rows(order)
    if request.method != "POST":
        return _render_pick(request, order, rows, _pick_form(rows))
    if order.status != OrderStatus.PLACED:
        messages.error(request, _("Order %(number)s is no longer to prepare.") % {"number": number})
        return redirect("orders:pickup-pick", number=number)
    form = _pick_form(rows, request.POST)
    if not form.is_valid():
        return _render_pick(request, order, rows, form)
    try:
        services.pick_lines(actor=actor, number=number, picked=form.picked())
    except DomainError as exc:
        pages.show_as_message(request, exc)
    else:
        messages.success(request, _("Picked quantities of %(number)s saved.") % {"number": number})
    return redirect("orders:pickup-pick", number=number)


@login_required
@require_POST
def pickup_short(request: HttpRequest, number: str) -> HttpResponse:
    """Units of a line missing from the shelf: re-source them or cancel them (short_pick)."""
    actor = pages.actor(request)
    order = pickup_order_or_404(actor, number)
    form = ShortPickForm(request.POST)
    if not form.is_valid():
        pages.form_errors_as_messages(request, form)
        return redirect("orders:pickup-pick", number=number)
    data = form.cleaned_data
    line = next((line for line in order.lines.all() if line.pk == data["line"]), None)
    if line is None:
        messages.error(request, _("This line is not part of order %(number)s.") % {"number": number})
        return redirect("orders:pickup-pick", number=number)
    try:
        order = services.short_pick(
            actor=actor,
            number=number,
            line_id=line.pk,
            missing=data["missing"],
            resolution=data["resolution"],
        )
    except DomainError as exc:
        pages.show_as_message(request, exc)
        return redirect("orders:pickup-pick", number=number)
    values = {"sku": line.sku, "count": data["missing"]}
    if order.status == OrderStatus.CANCELLED:
        messages.warning(
            request,
            _("Nothing is left to hand over: order %(number)s is cancelled and the customer told.")
            % {"number": number},
        )
        return redirect("orders:detail", number=number)
    if data["resolution"] == "cancel_line":
        text = ngettext(
            "%(sku)s: %(count)d missing unit taken off the order; the customer is told.",
            "%(sku)s: %(count)d missing units taken off the order; the customer is told.",
            data["missing"],
        )
    else:
        text = ngettext(
            "%(sku)s: %(count)d missing unit asked of another location (what none has is taken off "
            "the order; see the timeline).",
            "%(sku)s: %(count)d missing units asked of another location (what none has is taken off "
            "the order; see the timeline).",
            data["missing"],
        )
    messages.success(request, text % values)
    return redirect("orders:pickup-pick", number=number)


@login_required
@require_POST
def pickup_ready(request: HttpRequest, number: str) -> HttpResponse:
    """Everything is bagged: the order is ready and the customer gets the code (mark_ready)."""
    actor = pages.actor(request)
    pickup_order_or_404(actor, number)
    try:
        services.mark_ready(actor=actor, number=number)
    except DomainError as exc:
        pages.show_as_message(request, exc)
        return redirect("orders:pickup-pick", number=number)
    messages.success(
        request,
        _("Order %(number)s is ready for pickup: the customer has been sent the pickup code.")
        % {"number": number},
    )
    return redirect("orders:pickup-queue")
