"""Staff pages of the returns desk at the current location: find the order (its number, the receipt's barcode
as a scanner types it, the customer's email or loyalty card), pick the lines, quantities, condition and
reason, see the refund before confirming (orders.services.create_return in dry run: the very computation the
confirmation makes), confirm, and the receipt. An exchange on the same page: scan the new items, and the
return pays for them (the difference is charged or paid back).

They read through orders.selectors and write through orders.services; a domain error is shown on the page,
never as a 500 (omni.pages, each error with the field it names). Only the staff of a location that accepts
returns (or HQ, there) take returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inventory.exceptions import InsufficientStock
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError
from orders import selectors, services
from orders.forms import ExchangeScanForm, ReturnForm, ReturnSearchForm
from orders.models import Order, OrderLine
from orders.views.common import current_location, priced_at_till, shortage_message

EXCHANGE_KEY = "orders_return_exchange"


def _desk(request: HttpRequest, actor: Actor) -> Any:
    """The current location if it takes returns and the user may act there (None: no location chosen)."""
    here = current_location(request)
    if here is not None and not actor.can_act_at(here.pk):
        raise PermissionDenied(_("You may only take returns at your own locations."))
    return here


@login_required
def returns_desk(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    here = _desk(request, actor)
    form = ReturnSearchForm(request.GET or None)
    results: list[Order] | None = None
    if here is not None and here.accepts_returns and form.is_valid():
        results = selectors.returnable_orders(actor, form.cleaned_data["q"])
        if len(results) == 1:
            return redirect("orders:return-order", number=results[0].number)
    return render(
        request,
        "orders/returns/desk.html",
        {"here": here, "form": form, "results": results},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- The exchange's new items: SKU -> units, in the session, for one order --------------------------------


def _exchange(request: HttpRequest, number: str) -> dict[str, int]:
    stored = request.session.get(EXCHANGE_KEY) or {}
    if stored.get("order") != number:
        return {}
    return {str(sku): int(q) for sku, q in (stored.get("lines") or {}).items()}


def _save_exchange(request: HttpRequest, number: str, lines: dict[str, int]) -> None:
    if lines:
        request.session[EXCHANGE_KEY] = {"order": number, "lines": lines}
    else:
        request.session.pop(EXCHANGE_KEY, None)


def _show_error(request: HttpRequest, form: ReturnForm, exc: DomainError, here: Any) -> None:
    """A shortage says which SKUs (the exchange's); the rest on the form, each error with the field it names
    (`lines.0.quantity: ...`), so the desk knows which line to correct."""
    pages.raise_for_access(exc)
    if isinstance(exc, InsufficientStock):
        messages.error(request, shortage_message(exc, here))
        return
    if not exc.errors:
        pages.show_on_form(form, exc)
        return
    for path, errors in exc.errors.items():
        for error in errors:
            form.add_error(None, f"{path}: {error}")


@dataclass
class _Desk:
    """An order at the returns desk: what is left to return of each line, its window, the exchange."""

    here: Any
    order: Order
    lines: list[OrderLine]
    left: dict[int, int]
    days: int
    closes_at: Any
    window_closed: bool
    exchange: dict[str, int]


@login_required
@require_http_methods(["GET", "POST"])
def return_order(request: HttpRequest, number: str) -> HttpResponse:
    """The order's lines with what is left to return; preview the refund, then confirm."""
    actor = pages.actor(request)
    here = _desk(request, actor)
    if here is None or not here.accepts_returns:
        messages.error(request, _("Choose a location that accepts returns first."))
        return redirect("orders:returns-desk")
    desk = _prepare_desk(request, actor, here, number)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    keep_typed = action in ("add_exchange", "clear_exchange") or action.startswith("remove_exchange:")
    form = ReturnForm(
        None if keep_typed or not action else request.POST,
        lines=desk.lines,
        left=desk.left,
        warehouses=selectors.return_warehouses(),
        window_closed=desk.window_closed,
    )
    if keep_typed:
        form.initial = request.POST.dict()
    scan_form = ExchangeScanForm(request.POST if action == "add_exchange" else None)
    preview = None
    status = 200
    if action in ("preview", "confirm"):
        outcome = _create_return(request, actor, desk, form, preview=action == "preview")
        if outcome is None:
            status = 400
        elif action == "confirm":
            return _confirmed(request, number, outcome)
        else:
            preview = outcome
    elif action:
        scan_form = _change_exchange(request, number, desk.exchange, action, scan_form)
    return _render_return(request, actor, desk, form, scan_form, preview, status)


def _prepare_desk(request: HttpRequest, actor: Actor, here: Any, number: str) -> _Desk:
    order = selectors.returnable_order(actor, number)
    if order is None:
        raise Http404(_("No completed order %(number)s.") % {"number": number})
    returned = selectors.returned_quantities(order)
    lines = list(order.lines.all())
    for line in lines:
        line.returned_units = returned.get(line.pk, 0)  # type: ignore[attr-defined]
    left = {line.pk: line.quantity - returned.get(line.pk, 0) for line in lines}
    days, closes_at = services.return_window(order)
    window_closed = timezone.now() > closes_at
    return _Desk(here, order, lines, left, days, closes_at, window_closed, _exchange(request, number))


def _change_exchange(
    request: HttpRequest, number: str, exchange: dict[str, int], action: str, scan_form: ExchangeScanForm
) -> ExchangeScanForm:
    """Add a scanned SKU to the exchange, remove one, or clear it; the scan box, empty again after a scan."""
    if action == "add_exchange":
        if scan_form.is_valid() and scan_form.cleaned_data["exchange_sku"] is not None:
            sku = scan_form.cleaned_data["exchange_sku"].sku
            exchange[sku] = min(exchange.get(sku, 0) + 1, 999)
            _save_exchange(request, number, exchange)
            scan_form = ExchangeScanForm()
    elif action.startswith("remove_exchange:"):
        exchange.pop(action.partition(":")[2], None)
        _save_exchange(request, number, exchange)
    elif action == "clear_exchange":
        exchange.clear()
        _save_exchange(request, number, exchange)
    return scan_form


def _create_return(
    request: HttpRequest, actor: Actor, desk: _Desk, form: ReturnForm, *, preview: bool
) -> services.ReturnOutcome | None:
    """The return (or, to preview, the same computation rolled back); None when the form or the service
    refuses it (the errors are on the page)."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    exchange = desk.exchange
    try:
        return services.create_return(
            actor=actor,
            order_number=desk.order.number,
            location_code=desk.here.code,
            lines=form.return_lines(),
            refund_method=data["refund_method"],
            send_to=data["send_to"] or "",
            override_reason=data["override_reason"] if desk.window_closed else "",
            exchange=(
                services.ExchangeInput(
                    lines=[services.LineInput(sku=s, quantity=q) for s, q in exchange.items()],
                    payment_method=data["exchange_method"] or "card",
                )
                if exchange
                else None
            ),
            dry_run=preview,
        )
    except DomainError as exc:
        _show_error(request, form, exc, desk.here)
        return None


def _confirmed(request: HttpRequest, number: str, outcome: services.ReturnOutcome) -> HttpResponse:
    _save_exchange(request, number, {})
    ret = outcome.return_doc
    messages.success(
        request,
        _("Return %(number)s received: refund %(amount)s %(currency)s.")
        % {
            "number": ret.number,
            "amount": number_format(ret.refund_amount, 2),
            "currency": ret.currency,
        },
    )
    return redirect("orders:return-detail", number=ret.number)


def _render_return(
    request: HttpRequest,
    actor: Actor,
    desk: _Desk,
    form: ReturnForm,
    scan_form: ExchangeScanForm,
    preview: services.ReturnOutcome | None,
    status: int,
) -> HttpResponse:
    priced, exchange_total = priced_at_till(desk.exchange)
    return render(
        request,
        "orders/returns/return.html",
        {
            "here": desk.here,
            "order": desk.order,
            "form": form,
            "scan_form": scan_form,
            "exchange": priced,
            "exchange_total": exchange_total,
            "preview": preview,
            "window_days": desk.days,
            "window_closes_at": desk.closes_at,
            "window_closed": desk.window_closed,
            "may_override": actor.is_manager,
            "nothing_left": not any(desk.left.values()),
        },
        status=status,
    )


@login_required
def return_detail(request: HttpRequest, number: str) -> HttpResponse:
    """A return's receipt, to print or show the customer."""
    actor = pages.actor(request)
    ret = selectors.return_detail(actor, number)
    if ret is None:
        raise Http404(_("No return %(number)s.") % {"number": number})
    return render(request, "orders/returns/receipt.html", {"ret": ret, "order": ret.order})
