"""Staff pages of the pickup desk at the current location: find the order, hand it over against the
customer's code (and, paid at pickup, the payment), unlock a pickup locked by wrong codes.

Store staff never see pickup codes: no page writes one out, the code box never echoes what was typed, and
the desk searches by POST so a scanned code stays out of URLs, browser history and access logs. When the desk
finds an order by its scanned code, that code waits in the (server-side) session for the handover, so the
customer's QR code is scanned once; a code typed at the handover waits the same way when a form error (no
payment method) sends the form back, so nothing typed is lost. Either way `collect` checks the code, counting
a wrong one towards the lockout."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from omni import pages
from omni.actors import Actor
from omni.attempts import minutes_left
from omni.exceptions import DomainError
from orders import services
from orders.exceptions import InvalidPickupCode, PickupLocked
from orders.forms import HandoverForm, PickupSearchForm, UnlockPickupForm
from orders.models import Order, OrderLine, OrderStatus, PaymentMethod, PaymentStatus
from orders.views.pickup import pick_rows, pickup_location, pickup_order_or_404

SCANNED_KEY = "orders_pickup_scanned"
SCANNED_SECONDS = 10 * 60  # how long a code scanned at the desk stands for the handover


def _remember_scanned(request: HttpRequest, number: str, code: str, *, how: str = "scanned") -> None:
    """The customer's code for the order's handover, server-side only: `scanned` (it found the order at the
    desk) or `typed` (kept when a form error sent the handover back: nothing typed is lost). Either way
    collect checks it, counting a wrong one, so keeping it takes nothing from the lockout."""
    request.session[SCANNED_KEY] = {"number": number, "code": code, "at": time.time(), "how": how}


def _kept_code(request: HttpRequest, number: str) -> tuple[str, str]:
    """(the code kept for this order's handover, how it came: "scanned" or "typed"); ("", "") if none."""
    entry = request.session.get(SCANNED_KEY) or {}
    if entry.get("number") == number and time.time() - float(entry.get("at", 0)) < SCANNED_SECONDS:
        return str(entry.get("code", "")), str(entry.get("how", "scanned"))
    return "", ""


def _forget_scanned(request: HttpRequest) -> None:
    request.session.pop(SCANNED_KEY, None)


@login_required
@require_http_methods(["GET", "POST"])
def pickup_desk(request: HttpRequest) -> HttpResponse:
    """One box: an order number, a customer's name or email, or the pickup code (typed, scanned by a
    scanner that types it and Enter, or read by the tablet's camera). One match opens its handover."""
    actor = pages.actor(request)
    here = pickup_location(request, actor)
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
            "rows": pick_rows(order),
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
    actor = pages.actor(request)
    order = pickup_order_or_404(actor, number)
    open_for_handover = order.status == OrderStatus.READY_FOR_PICKUP and order.pickup_locked_at is None
    scanned, how = _kept_code(request, number) if open_for_handover else ("", "")
    needs_payment = _needs_payment(order)
    lines = list(order.lines.all())
    if request.method != "POST":
        form = None
        if open_for_handover:
            form = HandoverForm(needs_payment=needs_payment, code_kept=how, lines=lines)
        return _render_handover(request, actor, order, form)
    if not open_for_handover:
        messages.error(request, _("Order %(number)s cannot be handed over now.") % {"number": number})
        return redirect("orders:pickup-handover", number=number)
    form = HandoverForm(request.POST, needs_payment=needs_payment, code_kept=how, lines=lines)
    if not form.is_valid():
        return _keep_typed_code(request, actor, order, form, lines, needs_payment)
    try:
        _collect(actor, number, form, scanned, needs_payment)
    except InvalidPickupCode as exc:
        return _wrong_code(request, actor, number, exc, needs_payment, lines)
    except PickupLocked as exc:
        _forget_scanned(request)
        messages.error(request, exc.detail)
        return redirect("orders:pickup-handover", number=number)
    except DomainError as exc:
        return _not_handed_over(request, actor, order, form, lines, exc)
    return _handed_over(request, number, form)


def _keep_typed_code(
    request: HttpRequest,
    actor: Actor,
    order: Order,
    form: HandoverForm,
    lines: list[OrderLine],
    needs_payment: bool,
) -> HttpResponse:
    """A form error (no payment method, a refused quantity too high): what was typed stays. The code box
    never writes a code back into the page, so a well-formed code typed is kept server-side for the next
    submit (collect checks it then, as any code), and the form says so."""
    typed = form.cleaned_data.get("code") if "code" not in form.errors else ""
    if typed:
        _remember_scanned(request, order.number, typed, how="typed")
        form = HandoverForm(request.POST, needs_payment=needs_payment, code_kept="typed", lines=lines)
        form.is_valid()
    return _render_handover(request, actor, order, form)


def _collect(actor: Actor, number: str, form: HandoverForm, scanned: str, needs_payment: bool) -> None:
    payment = (
        services.PaymentInput(method=form.cleaned_data["method"], status=PaymentStatus.CAPTURED)
        if needs_payment
        else None
    )
    services.collect(
        actor=actor,
        number=number,
        code=form.cleaned_data["code"] or scanned,
        payment=payment,
        refused=form.refused(),
    )


def _wrong_code(
    request: HttpRequest,
    actor: Actor,
    number: str,
    exc: InvalidPickupCode,
    needs_payment: bool,
    lines: list[OrderLine],
) -> HttpResponse:
    """The form again, saying how many attempts are left; a locked pickup says so as a message."""
    _forget_scanned(request)
    order = pickup_order_or_404(actor, number)  # with the failed attempt counted
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


def _not_handed_over(
    request: HttpRequest,
    actor: Actor,
    order: Order,
    form: HandoverForm,
    lines: list[OrderLine],
    exc: DomainError,
) -> HttpResponse:
    """A refusal the return cannot take: nothing was handed over; say which line, keep the input. Any other
    domain error: a message."""
    refused_errors = {k: v for k, v in (exc.errors or {}).items() if k.startswith("refused.")}
    if not refused_errors:
        pages.show_as_message(request, exc)
        return redirect("orders:pickup-handover", number=order.number)
    by_sku = {line.sku: f"refused_{line.pk}" for line in lines}
    for key, errors in refused_errors.items():
        field = by_sku.get(key.removeprefix("refused."))
        for error in errors:
            form.add_error(field, error)
    return _render_handover(request, actor, order, form)


def _handed_over(request: HttpRequest, number: str, form: HandoverForm) -> HttpResponse:
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
    actor = pages.actor(request)
    pickup_order_or_404(actor, number)
    if not actor.is_manager:
        raise PermissionDenied(_("Only a store manager may unlock a pickup."))
    form = UnlockPickupForm(request.POST)
    if not form.is_valid():
        pages.form_errors_as_messages(request, form)
        return redirect("orders:pickup-handover", number=number)
    try:
        services.unlock_pickup(actor=actor, number=number, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        pages.show_as_message(request, exc)
    else:
        messages.success(request, _("Pickup of %(number)s unlocked.") % {"number": number})
    return redirect("orders:pickup-handover", number=number)
