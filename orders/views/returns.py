"""Staff pages of the returns desk at the current location: find the order (its number, the receipt's barcode
as a scanner types it, the customer's email or loyalty card; without a receipt, the product scanned: the
customer's orders with it, or this store's latest), pick the lines (each product scanned marks one unit
more), quantities, condition and reason (always chosen, never assumed), see the refund before confirming
(orders.services.create_return in dry run: the very computation the confirmation makes), confirm, and the
receipt; a refund left due, settled later (how it was paid back, its reference). An exchange on the same
page: scan the new items, and the return pays for them (the difference is charged or paid back).

They read through orders.selectors and write through orders.services; a domain error is shown on the page,
never as a 500 (omni.pages, each error with the field it names). Only the staff of a location that accepts
returns (or HQ, there) take returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from inventory.exceptions import InsufficientStock
from inventory.selectors import variant_by_code
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError
from omni.formatting import format_money
from orders import selectors, services
from orders.exceptions import RefundNotDue
from orders.forms import ExchangeScanForm, ReturnForm, ReturnScanForm, ReturnSearchForm, SettleRefundForm
from orders.models import Order, OrderLine, ReturnStatus
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
    """One scan box: the receipt (or the order's number, the customer's email or card) opens the order; a
    product scanned without a receipt lists the orders it may come from."""
    actor = pages.actor(request)
    here = _desk(request, actor)
    form = ReturnSearchForm(request.GET or None)
    results: list[Order] | None = None
    scanned = None  # the product scanned, when the search is by product (no receipt)
    customer_email = None
    if here is not None and here.accepts_returns and form.is_valid():
        results = selectors.returnable_orders(actor, form.cleaned_data["q"])
        if not results and (scanned := variant_by_code(form.cleaned_data["q"])) is not None:
            results, customer_email = _by_product(actor, here, form, scanned.sku)
        elif len(results) == 1:
            return redirect("orders:return-order", number=results[0].number)
    refunds_due = (
        selectors.refunds_due_at(actor, here.pk) if here is not None and here.accepts_returns else []
    )
    return render(
        request,
        "orders/returns/desk.html",
        {
            "here": here,
            "form": form,
            "results": results,
            "scanned": scanned,
            "customer_email": customer_email,
            "refunds_due": refunds_due,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _by_product(
    actor: Actor, here: Any, form: ReturnSearchForm, sku: str
) -> tuple[list[Order] | None, str | None]:
    """Without a receipt: the customer's orders with the SKU (their email or card given), else this store's
    latest ones. A customer the desk cannot identify is an error on that box (nothing listed)."""
    given = form.cleaned_data.get("customer") or ""
    email = selectors.customer_email_for(given) if given.strip() else None
    if given.strip() and email is None:
        form.add_error(
            "customer",
            _("No loyalty card or email %(value)s: check it, or leave it empty.") % {"value": given.strip()},
        )
        return None, None
    return selectors.orders_with_sku(actor, sku=sku, location_id=here.pk, customer_email=email), email


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
    """A shortage says which SKUs (the exchange's); the rest on the form, each error by the field it names
    (`lines.0.quantity`: that line's quantity), so the desk knows which line to correct."""
    pages.raise_for_access(exc)
    if isinstance(exc, InsufficientStock):
        messages.error(request, shortage_message(exc, here))
        return
    if not exc.errors:
        pages.show_on_form(form, exc)
        return
    returned = [line for line in form.lines if form.cleaned_data.get(f"qty_{line.pk}")]
    for path, errors in exc.errors.items():
        for error in errors:
            form.add_error(_field_of(form, returned, path), error)


def _field_of(form: ReturnForm, returned: list[OrderLine], path: str) -> str | None:
    """The form's field an error's path names ("lines.0.quantity": the quantity of the first line returned;
    "refund_method"), so the message sits by its box and never shows the path; None: the whole form."""
    parts = path.split(".")
    if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(returned):
        name = {"quantity": "qty", "condition": "condition", "reason": "reason"}.get(parts[2], "qty")
        return f"{name}_{returned[int(parts[1])].pk}"
    return parts[-1] if parts[-1] in form.fields else None


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
    if action == "scan" and not request.POST.get("return_sku", "").strip():
        # Enter in the exchange's box (the scan button is the form's first: Enter never confirms)
        action = "add_exchange" if request.POST.get("exchange_sku", "").strip() else "scan"
    keep_typed = action in ("scan", "add_exchange", "clear_exchange") or action.startswith("remove_exchange:")
    form = ReturnForm(
        None if keep_typed or not action else request.POST,
        lines=desk.lines,
        left=desk.left,
        warehouses=selectors.return_warehouses(),
        window_closed=desk.window_closed,
    )
    if keep_typed:
        form.initial = request.POST.dict()
    elif not action:
        _mark_scanned(form, desk, request.GET.get("scan", ""), None)  # opened from a product scanned
    scan_form = ExchangeScanForm(request.POST if action == "add_exchange" else None)
    return_scan = ReturnScanForm(request.POST if action == "scan" else None)
    preview = None
    status = 200
    if action == "scan":
        return_scan = _scan_to_return(form, desk, return_scan)
    elif action in ("preview", "confirm"):
        outcome = _create_return(request, actor, desk, form, preview=action == "preview")
        if outcome is None:
            status = 400
        elif action == "confirm":
            return _confirmed(request, number, outcome)
        else:
            preview = outcome
    elif action:
        scan_form = _change_exchange(request, number, desk.exchange, action, scan_form)
    if action.endswith("exchange") or action.startswith("remove_exchange:"):
        _focus_exchange(return_scan, scan_form)
    return _render_return(request, actor, desk, form, (return_scan, scan_form), preview, status)


def _scan_to_return(form: ReturnForm, desk: _Desk, scan: ReturnScanForm) -> ReturnScanForm:
    """One unit more of the scanned SKU to return (on the first of its lines with room), the rest as typed;
    the box empty again for the next scan. A SKU not on the order, or all its units marked: on the box."""
    if not scan.is_valid() or scan.cleaned_data["return_sku"] is None:
        return scan
    sku = scan.cleaned_data["return_sku"].sku
    error = _mark_scanned(form, desk, sku, form.initial)
    if error:
        scan.add_error("return_sku", error)
        return scan
    return ReturnScanForm()


def _mark_scanned(form: ReturnForm, desk: _Desk, sku: str, typed: Mapping[str, Any] | None) -> str:
    """Add one unit of `sku` to the quantities (as typed, else none); an error message, or "" when done."""
    if not sku:
        return ""
    lines = [line for line in desk.lines if line.sku == sku]
    if not lines:
        return _("%(sku)s is not on this order.") % {"sku": sku}
    for line in lines:
        key = f"qty_{line.pk}"
        try:
            marked = max(int(str((typed or {}).get(key) or 0).strip()), 0)
        except ValueError:
            marked = 0
        if key in form.fields and marked < desk.left[line.pk]:
            form.initial[key] = marked + 1
            return ""
    left = sum(desk.left[line.pk] for line in lines)
    if not left:
        return _("Every unit of %(sku)s on this order has been returned already.") % {"sku": sku}
    return ngettext(
        "All %(n)d unit of %(sku)s that can come back is marked already.",
        "All %(n)d units of %(sku)s that can come back are marked already.",
        left,
    ) % {"n": left, "sku": sku}


def _focus_exchange(return_scan: ReturnScanForm, scan_form: ExchangeScanForm) -> None:
    """After the exchange's scan, the next scan goes to the exchange's box again."""
    return_scan.fields["return_sku"].widget.attrs.update(autofocus=False)
    return_scan.fields["return_sku"].widget.attrs.pop("data-scan-box", None)
    scan_form.fields["exchange_sku"].widget.attrs.update({"autofocus": True, "data-scan-box": True})


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
        _("Return %(number)s received: refund %(amount)s.")
        % {"number": ret.number, "amount": format_money(ret.refund_amount, ret.currency)},
    )
    return redirect("orders:return-detail", number=ret.number)


def _render_return(
    request: HttpRequest,
    actor: Actor,
    desk: _Desk,
    form: ReturnForm,
    scans: tuple[ReturnScanForm, ExchangeScanForm],
    preview: services.ReturnOutcome | None,
    status: int,
) -> HttpResponse:
    return_scan, scan_form = scans
    if return_scan.errors:
        status = 400
    # the exchange sale is placed with the original order's customer (their segment promotions included)
    priced, exchange_total = priced_at_till(desk.exchange, customer_email=desk.order.customer_email)
    return render(
        request,
        "orders/returns/return.html",
        {
            "here": desk.here,
            "order": desk.order,
            "form": form,
            "return_scan": return_scan,
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


@login_required
@require_http_methods(["GET", "POST"])
def settle_refund(request: HttpRequest, number: str) -> HttpResponse:
    """A refund left due on the original payment, paid back now (or later): how, and its reference. Once:
    a return already refunded says so."""
    actor = pages.actor(request)
    ret = selectors.settleable_return(actor, number)
    if ret is None:
        raise Http404(_("No return %(number)s.") % {"number": number})
    if not actor.can_act_at(ret.location_id):
        raise PermissionDenied(
            _("Only %(code)s, where the return was received, pays its refund back.")
            % {"code": ret.location.code}
        )
    if ret.status != ReturnStatus.REFUND_DUE:
        messages.info(
            request, _("The refund of return %(number)s has been paid back already.") % {"number": number}
        )
        return redirect("orders:return-detail", number=number)
    form = SettleRefundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.settle_refund(
                actor=actor,
                return_number=number,
                method=form.cleaned_data["method"],
                reference=form.cleaned_data["reference"],
            )
        except RefundNotDue:
            messages.info(
                request, _("The refund of return %(number)s has been paid back already.") % {"number": number}
            )
            return redirect("orders:return-detail", number=number)
        except DomainError as exc:
            pages.show_on_form(form, exc)
        else:
            messages.success(
                request,
                _("Refund of return %(number)s recorded as paid back: %(amount)s.")
                % {"number": number, "amount": format_money(ret.refund_paid, ret.currency)},
            )
            return redirect("orders:return-detail", number=number)
    return render(
        request,
        "orders/returns/settle.html",
        {"ret": ret, "order": ret.order, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
