"""Staff pages of click-and-collect at the current location: the pickup queue, an order's pick list (pick,
short pick, mark ready), the combined pick list to print, and the pickup desk (find the order, hand it over
against the customer's code, unlock a pickup locked by wrong codes).

They read through orders.selectors and write through orders.services (the pickup workflow); a domain error is
shown on the form or as a message, never as a 500. Only the staff of the pickup location (or HQ) may act.

Store staff never see pickup codes: no page writes one out, the code box never echoes what was typed, and
the desk searches by POST so a scanned code stays out of URLs, browser history and access logs. When the desk
finds an order by its scanned code, that code waits in the (server-side) session for the handover, so the
customer's QR code is scanned once."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from inventory.models import TransferStatus
from omni.actors import Actor
from omni.attempts import minutes_left
from omni.exceptions import DomainError
from orders import selectors, services
from orders.exceptions import InvalidPickupCode, PickupLocked
from orders.forms import (
    HandoverForm,
    PickForm,
    PickupQueueFilterForm,
    PickupSearchForm,
    ShortPickForm,
    UnlockPickupForm,
)
from orders.models import Order, OrderLine, OrderStatus, PaymentMethod, PaymentStatus
from orders.views import _actor, _domain_error, _form_errors, _here

SCANNED_KEY = "orders_pickup_scanned"
SCANNED_SECONDS = 10 * 60  # how long a code scanned at the desk stands for the handover
IN_TRANSIT = (TransferStatus.REQUESTED, TransferStatus.SHIPPED)


# --- Where and who ---------------------------------------------------------------------------------------


def _pickup_location(request: HttpRequest, actor: Actor) -> Any:
    """The current location, if the user may act there (None: HQ looking at the whole network)."""
    here = _here(request)
    if here is not None and not actor.can_act_at(here.pk):
        raise PermissionDenied(_("You may only work on the pickups of your own locations."))
    return here


def _pickup_order(actor: Actor, number: str) -> Order:
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


def _pick_rows(order: Order) -> list[PickRow]:
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
    actor = _actor(request)
    here = _pickup_location(request, actor)
    form = PickupQueueFilterForm(request.GET)
    show = form.cleaned_data["show"] if form.is_valid() else ""
    queue = list(selectors.pickup_queue(actor, here)) if here is not None else []
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
        },
    )


# --- 2. Pick lists ---------------------------------------------------------------------------------------


@login_required
def pickup_print(request: HttpRequest) -> HttpResponse:
    """Everything to prepare at the current location on one sheet: every SKU once (to walk the shelves
    once), then each order's lines to bag it."""
    actor = _actor(request)
    here = _pickup_location(request, actor)
    orders = selectors.pickups_to_pick(actor, here) if here is not None else []
    totals: dict[str, dict[str, Any]] = {}
    sheets = []
    for order in orders:
        rows = _pick_rows(order)
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
    actor = _actor(request)
    order = _pickup_order(actor, number)
    rows = _pick_rows(order)
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
        _domain_error(request, exc)
    else:
        messages.success(request, _("Picked quantities of %(number)s saved.") % {"number": number})
    return redirect("orders:pickup-pick", number=number)


@login_required
@require_POST
def pickup_short(request: HttpRequest, number: str) -> HttpResponse:
    """Units of a line missing from the shelf: re-source them or cancel them (short_pick)."""
    actor = _actor(request)
    order = _pickup_order(actor, number)
    form = ShortPickForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
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
        _domain_error(request, exc)
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
    actor = _actor(request)
    _pickup_order(actor, number)
    try:
        services.mark_ready(actor=actor, number=number)
    except DomainError as exc:
        _domain_error(request, exc)
        return redirect("orders:pickup-pick", number=number)
    messages.success(
        request,
        _("Order %(number)s is ready for pickup: the customer has been sent the pickup code.")
        % {"number": number},
    )
    return redirect("orders:pickup-queue")


# --- 3. The pickup desk ----------------------------------------------------------------------------------


def _remember_scanned(request: HttpRequest, number: str, code: str) -> None:
    request.session[SCANNED_KEY] = {"number": number, "code": code, "at": time.time()}


def _scanned_code(request: HttpRequest, number: str) -> str:
    entry = request.session.get(SCANNED_KEY) or {}
    if entry.get("number") == number and time.time() - float(entry.get("at", 0)) < SCANNED_SECONDS:
        return str(entry.get("code", ""))
    return ""


def _forget_scanned(request: HttpRequest) -> None:
    request.session.pop(SCANNED_KEY, None)


@login_required
@require_http_methods(["GET", "POST"])
def pickup_desk(request: HttpRequest) -> HttpResponse:
    """One box: an order number, a customer's name or email, or the pickup code (typed, scanned by a
    scanner that types it and Enter, or read by the tablet's camera). One match opens its handover."""
    actor = _actor(request)
    here = _pickup_location(request, actor)
    form = PickupSearchForm(request.POST or None)
    results: list[Order] | None = None
    shown_query = ""
    if request.method == "POST" and here is not None and form.is_valid():
        query = form.cleaned_data["q"]
        # a name or an email is put back in the box; digits never are (they may be a pickup code)
        shown_query = "" if any(c.isdigit() for c in query) else query
        search = services.desk_search(actor=actor, location=here, query=query)
        if search.by_code is not None:  # its handover opens with the scanned code as the customer's code
            _remember_scanned(request, search.by_code.number, "".join(query.split()))
            return redirect("orders:pickup-handover", number=search.by_code.number)
        results = search.results
        if search.paused_until is not None:
            minutes = minutes_left(search.paused_until)
            messages.warning(
                request,
                ngettext(
                    "Too many pickup codes matched no order ready here: searching by pickup code is paused "
                    "for %(minutes)d minute. Search by the order number with its prefix, the customer's "
                    "name or email.",
                    "Too many pickup codes matched no order ready here: searching by pickup code is paused "
                    "for %(minutes)d minutes. Search by the order number with its prefix, the customer's "
                    "name or email.",
                    minutes,
                )
                % {"minutes": minutes},
            )
        elif len(results) == 1:
            _forget_scanned(request)
            return redirect("orders:pickup-handover", number=results[0].number)
    return render(
        request,
        "orders/pickup/desk.html",
        {"here": here, "form": form, "results": results, "shown_query": shown_query},
        status=400 if form.is_bound and form.errors else 200,
    )


def _needs_payment(order: Order) -> bool:
    """Paid at pickup and not paid yet: the desk takes the payment with the handover."""
    return any(
        p.method == PaymentMethod.PAY_AT_PICKUP and p.status == PaymentStatus.PENDING
        for p in order.payments.all()
    )


def _render_handover(
    request: HttpRequest, actor: Actor, order: Order, form: HandoverForm | None
) -> HttpResponse:
    locked = order.pickup_locked_at is not None
    can_unlock = locked and actor.is_manager and order.status == OrderStatus.READY_FOR_PICKUP
    return render(
        request,
        "orders/pickup/handover.html",
        {
            "order": order,
            "rows": _pick_rows(order),
            "payments": list(order.payments.all()),
            "needs_payment": _needs_payment(order),
            "form": form,
            "locked": locked,
            "unlock_form": UnlockPickupForm() if can_unlock else None,
            "attempts_left": max(services.MAX_PICKUP_ATTEMPTS - order.pickup_failed_attempts, 0),
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def pickup_handover(request: HttpRequest, number: str) -> HttpResponse:
    """The order, its lines and payment; the customer's code (and, paid at pickup, the payment) -> collect."""
    actor = _actor(request)
    order = _pickup_order(actor, number)
    open_for_handover = order.status == OrderStatus.READY_FOR_PICKUP and order.pickup_locked_at is None
    scanned = _scanned_code(request, number) if open_for_handover else ""
    needs_payment = _needs_payment(order)
    lines = list(order.lines.all())
    if request.method != "POST":
        form = (
            HandoverForm(needs_payment=needs_payment, code_checked=bool(scanned), lines=lines)
            if open_for_handover
            else None
        )
        return _render_handover(request, actor, order, form)
    if not open_for_handover:
        messages.error(request, _("Order %(number)s cannot be handed over now.") % {"number": number})
        return redirect("orders:pickup-handover", number=number)
    form = HandoverForm(request.POST, needs_payment=needs_payment, code_checked=bool(scanned), lines=lines)
    if not form.is_valid():
        return _render_handover(request, actor, order, form)
    payment = (
        services.PaymentInput(method=form.cleaned_data["method"], status=PaymentStatus.CAPTURED)
        if needs_payment
        else None
    )
    try:
        services.collect(
            actor=actor,
            number=number,
            code=form.cleaned_data["code"] or scanned,
            payment=payment,
            refused=form.refused(),
        )
    except InvalidPickupCode as exc:
        _forget_scanned(request)
        order = _pickup_order(actor, number)  # with the failed attempt counted
        if order.pickup_locked_at is not None:
            messages.error(request, exc.detail)
            return redirect("orders:pickup-handover", number=number)
        left = max(services.MAX_PICKUP_ATTEMPTS - order.pickup_failed_attempts, 1)
        form = HandoverForm(request.POST, needs_payment=needs_payment, lines=lines)
        form.is_valid()
        form.add_error(
            "code",
            ngettext(
                "Wrong pickup code: %(left)d attempt left before the pickup locks.",
                "Wrong pickup code: %(left)d attempts left before the pickup locks.",
                left,
            )
            % {"left": left},
        )
        return _render_handover(request, actor, order, form)
    except PickupLocked as exc:
        _forget_scanned(request)
        messages.error(request, exc.detail)
        return redirect("orders:pickup-handover", number=number)
    except DomainError as exc:
        refused_errors = {k: v for k, v in (exc.errors or {}).items() if k.startswith("refused.")}
        if refused_errors:
            # a refusal the return cannot take: nothing was handed over; say which line, keep the input
            by_sku = {line.sku: f"refused_{line.pk}" for line in lines}
            for key, errors in refused_errors.items():
                field = by_sku.get(key.removeprefix("refused."))
                for error in errors:
                    form.add_error(field, error)
            return _render_handover(request, actor, order, form)
        _domain_error(request, exc)
        return redirect("orders:pickup-handover", number=number)
    _forget_scanned(request)
    if form.refused():
        returned = sum(form.refused().values())
        messages.info(
            request,
            ngettext(
                "%(n)d refused unit is taken back as a return.",
                "%(n)d refused units are taken back as a return.",
                returned,
            )
            % {"n": returned},
        )
    messages.success(request, _("Order %(number)s handed over to the customer.") % {"number": number})
    return redirect("orders:pickup-handover", number=number)


@login_required
@require_POST
def pickup_unlock(request: HttpRequest, number: str) -> HttpResponse:
    """A store manager (or HQ) unlocks a pickup locked by wrong codes, saying why (unlock_pickup)."""
    actor = _actor(request)
    _pickup_order(actor, number)
    if not actor.is_manager:
        raise PermissionDenied(_("Only a store manager may unlock a pickup."))
    form = UnlockPickupForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("orders:pickup-handover", number=number)
    try:
        services.unlock_pickup(actor=actor, number=number, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        _domain_error(request, exc)
    else:
        messages.success(request, _("Pickup of %(number)s unlocked.") % {"number": number})
    return redirect("orders:pickup-handover", number=number)
