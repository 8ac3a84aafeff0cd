"""Staff pages of transfers between locations: the list (in, out or both), requesting one, its detail,
shipping, receiving (with what arrived short) and cancelling."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory import selectors, services
from inventory.forms import (
    ReceiveTransferForm,
    ShipTransferForm,
    TransferDraftLineForm,
    TransferForm,
    TransferScanForm,
)
from inventory.models import Transfer, TransferStatus
from inventory.views.common import chosen_location, forbid_posted_location, page_of, url_with_query, write
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError, NotFound


def _transfer_or_404(transfer_id: int) -> Transfer:
    """Any location's transfer, for a write: the page answers 403 for another location's."""
    transfer = selectors.transfer_by_id(transfer_id)
    if transfer is None:
        raise Http404(_("No such transfer."))
    return transfer


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    location = chosen_location(request, actor)
    direction = request.GET.get("direction", "")
    direction = direction if direction in ("in", "out") else ""
    transfers = selectors.transfers_for_actor(
        actor, location_id=location.pk if location else None, direction=direction or None
    )
    page, querystring = page_of(request, transfers)
    return render(
        request,
        "inventory/transfer_list.html",
        {"location": location, "direction": direction, "page": page, "querystring": querystring},
    )


# --- A new transfer: a draft built by scanning, kept in the session until it is requested ---------------
# Like the till's basket: SKU -> units, with the route, reference and note, so that nothing scanned is lost
# between scans and Enter in the scan box never requests the transfer (only its own button does).

DRAFT_KEY = "inventory_transfer_draft"
MAX_DRAFT_LINES = 200
MAX_LINE_UNITS = 100000


def _draft(request: HttpRequest) -> dict[str, Any]:
    stored = request.session.get(DRAFT_KEY) or {}
    return {
        "from": stored.get("from"),
        "to": stored.get("to"),
        "reference": str(stored.get("reference") or ""),
        "note": str(stored.get("note") or ""),
        "lines": {str(sku): int(qty) for sku, qty in (stored.get("lines") or {}).items()},
    }


def _save_draft(request: HttpRequest, draft: dict[str, Any]) -> None:
    request.session[DRAFT_KEY] = draft


def _keep_header(draft: dict[str, Any], form: TransferForm) -> None:
    data = form.cleaned_data
    draft.update(
        {
            "from": data["from_location"].pk,
            "to": data["to_location"].pk,
            "reference": data["reference"],
            "note": data["note"],
        }
    )


def _draft_lines(draft: dict[str, Any]) -> list[dict[str, Any]]:
    """The draft's lines with their SKUs and what the source has available (in scanning order)."""
    variants = {v.sku: v for v in selectors.variant_list().filter(sku__in=list(draft["lines"]))}
    available = (
        selectors.available_at(draft["from"], [v.pk for v in variants.values()]) if draft["from"] else {}
    )
    rows = []
    for sku, quantity in draft["lines"].items():
        variant = variants.get(sku)
        if variant is None:
            continue  # taken out of the catalog since it was scanned
        free = available.get(variant.pk) if draft["from"] else None
        rows.append(
            {
                "variant": variant,
                "quantity": quantity,
                "available": free,
                "short": free is not None and quantity > free,
            }
        )
    return rows


def _shortage(variant: Any, wanted: int, location_id: int) -> str | None:
    """The message when the source cannot give `wanted` units of the SKU, else None."""
    free = selectors.available_at(location_id, [variant.pk])[variant.pk]
    if wanted <= free:
        return None
    location = selectors.network_locations().filter(pk=location_id).first()
    return _("Only %(available)d of %(sku)s available at %(location)s.") % {
        "available": free,
        "sku": variant.sku,
        "location": location.code if location else "",
    }


def _scan(
    request: HttpRequest, draft: dict[str, Any], form: TransferForm, scan: TransferScanForm
) -> HttpResponse | None:
    """Keep the route, reference and note; add one unit of the scanned SKU (if the source has it)."""
    if not form.is_valid():
        scan.is_valid()
        return None
    _keep_header(draft, form)
    _save_draft(request, draft)
    if not scan.is_valid():
        return None
    variant = scan.cleaned_data["sku"]
    if variant is None:
        return redirect("inventory:transfer-new")
    lines = draft["lines"]
    if variant.sku not in lines and len(lines) >= MAX_DRAFT_LINES:
        scan.add_error("sku", _("A transfer has at most %(max)d lines.") % {"max": MAX_DRAFT_LINES})
        return None
    wanted = min(lines.get(variant.sku, 0) + 1, MAX_LINE_UNITS)
    if problem := _shortage(variant, wanted, draft["from"]):
        scan.add_error("sku", problem)
        return None
    lines[variant.sku] = wanted
    _save_draft(request, draft)
    messages.success(
        request, _("%(sku)s: %(quantity)d on the transfer.") % {"sku": variant.sku, "quantity": wanted}
    )
    return redirect(url_with_query("inventory:transfer-new", scanned=variant.sku))


def _set_line(request: HttpRequest, draft: dict[str, Any]) -> HttpResponse:
    form = TransferDraftLineForm(request.POST)
    if not form.is_valid():
        pages.form_errors_as_messages(request, form)
        return redirect("inventory:transfer-new")
    if form.cleaned_data["sku"] not in draft["lines"]:
        messages.error(request, _("%(sku)s is not on this transfer.") % {"sku": form.cleaned_data["sku"]})
        return redirect("inventory:transfer-new")
    sku, quantity = form.cleaned_data["sku"], form.cleaned_data["quantity"]
    variant = selectors.variant_by_sku(sku)
    if not quantity or variant is None:
        draft["lines"].pop(sku)
    elif draft["from"] and (problem := _shortage(variant, quantity, draft["from"])):
        messages.error(request, problem)
        return redirect("inventory:transfer-new")
    else:
        draft["lines"][sku] = quantity
    _save_draft(request, draft)
    return redirect(url_with_query("inventory:transfer-new", scanned=sku if quantity else None))


def _request(
    request: HttpRequest, actor: Actor, draft: dict[str, Any], form: TransferForm
) -> HttpResponse | None:
    """Request the transfer the draft holds; the draft is emptied once it is."""
    if not form.is_valid():
        return None
    _keep_header(draft, form)
    _save_draft(request, draft)
    wanted = [
        services.TransferLineInput(variant_id=row["variant"].pk, quantity=row["quantity"])
        for row in _draft_lines(draft)
    ]
    if not wanted:
        form.add_error(None, _("Scan at least one SKU first."))
        return None
    transfer = write(
        form,
        lambda: services.request_transfer(
            actor=actor,
            from_location_id=draft["from"],
            to_location_id=draft["to"],
            lines=wanted,
            reference=draft["reference"],
            note=draft["note"],
        ),
    )
    if transfer is None:
        return None
    request.session.pop(DRAFT_KEY, None)
    messages.success(request, _("Transfer %(number)s requested.") % {"number": transfer.number})
    return redirect("inventory:transfer-detail", transfer_id=transfer.pk)


@login_required
def transfer_new(request: HttpRequest) -> HttpResponse:
    """The new-transfer page: choose the route, scan (each scan one unit), correct or remove lines, then
    request it with its own button."""
    actor = pages.actor(request)
    locations = selectors.network_locations()
    draft = _draft(request)
    form: TransferForm | None = None
    scan: TransferScanForm | None = None
    if request.method == "POST":
        action = request.POST.get("action", "scan")
        response: HttpResponse | None
        if action in ("scan", "request"):
            forbid_posted_location(actor, request.POST.get("from_location"), request.POST.get("to_location"))
            form = TransferForm(request.POST, locations=locations)
            if action == "request":
                response = _request(request, actor, draft, form)
            else:
                scan = TransferScanForm(request.POST)
                response = _scan(request, draft, form, scan)
        elif action == "set":
            response = _set_line(request, draft)
        elif action in ("remove", "clear"):
            if action == "remove":
                draft["lines"].pop(request.POST.get("sku", ""), None)
            else:
                draft["lines"].clear()
            _save_draft(request, draft)
            response = redirect("inventory:transfer-new")
        else:
            response = redirect("inventory:transfer-new")
        if response is not None:
            return response
    if form is None:
        here = getattr(request, "current_location", None)
        form = TransferForm(
            locations=locations,
            initial={
                "from_location": draft["from"] or (here.pk if here else None),
                "to_location": draft["to"],
                "reference": draft["reference"],
                "note": draft["note"],
            },
        )
    lines = _draft_lines(draft)
    scanned = request.GET.get("scanned", "")
    return render(
        request,
        "inventory/transfer_form.html",
        {
            "form": form,
            "scan_form": scan or TransferScanForm(),
            "lines": lines,
            "units": sum(row["quantity"] for row in lines),
            "last": next((row for row in lines if row["variant"].sku == scanned), None) if scanned else None,
            "source": locations.filter(pk=draft["from"]).first() if draft["from"] else None,
        },
    )


def _transfer_page(
    request: HttpRequest,
    actor: Actor,
    transfer: Transfer,
    ship_form: ShipTransferForm | None = None,
    receive_form: ReceiveTransferForm | None = None,
) -> HttpResponse:
    lines = list(selectors.transfer_lines(transfer))
    requested = transfer.status == TransferStatus.REQUESTED
    can_ship = requested and actor.can_act_at(transfer.from_location_id)
    can_cancel = requested and (
        actor.can_act_at(transfer.from_location_id) or actor.can_act_at(transfer.to_location_id)
    )
    can_receive = transfer.status == TransferStatus.SHIPPED and actor.can_act_at(transfer.to_location_id)
    return render(
        request,
        "inventory/transfer_detail.html",
        {
            "transfer": transfer,
            "lines": lines,
            "units": sum(line.quantity for line in lines),
            "ship_form": (ship_form or ShipTransferForm()) if can_ship else None,
            "receive_form": (receive_form or ReceiveTransferForm(lines=lines)) if can_receive else None,
            "can_cancel": can_cancel,
        },
    )


@login_required
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    actor = pages.actor(request)
    try:
        transfer = selectors.transfer_for_actor(actor, transfer_id)
    except NotFound as exc:
        raise Http404(_("No such transfer.")) from exc
    return _transfer_page(request, actor, transfer)


@login_required
def transfer_delivery_note(request: HttpRequest, transfer_id: int) -> HttpResponse:
    """The printable delivery note that travels with the goods (A4): number, route, dates, lines and the
    receiver's signature."""
    actor = pages.actor(request)
    try:
        transfer = selectors.transfer_for_actor(actor, transfer_id)
    except NotFound as exc:
        raise Http404(_("No such transfer.")) from exc
    lines = list(selectors.transfer_lines(transfer))
    return render(
        request,
        "inventory/transfer_delivery_note.html",
        {"transfer": transfer, "lines": lines, "units": sum(line.quantity for line in lines)},
    )


@login_required
@require_POST
def transfer_ship(request: HttpRequest, transfer_id: int) -> HttpResponse:
    actor = pages.actor(request)
    transfer = _transfer_or_404(transfer_id)
    if not actor.can_act_at(transfer.from_location_id):
        raise PermissionDenied(_("Only the source location ships a transfer."))
    form = ShipTransferForm(request.POST)
    if form.is_valid():
        shipped = write(
            form,
            lambda: services.ship_transfer(
                actor=actor,
                transfer_id=transfer.pk,
                carrier=form.cleaned_data["carrier"],
                tracking=form.cleaned_data["tracking"],
            ),
        )
        if shipped is not None:
            messages.success(request, _("Transfer %(number)s shipped.") % {"number": shipped.number})
            return redirect("inventory:transfer-detail", transfer_id=transfer.pk)
    return _transfer_page(request, actor, transfer, ship_form=form)


@login_required
@require_POST
def transfer_receive(request: HttpRequest, transfer_id: int) -> HttpResponse:
    actor = pages.actor(request)
    transfer = _transfer_or_404(transfer_id)
    if not actor.can_act_at(transfer.to_location_id):
        raise PermissionDenied(_("Only the destination location receives a transfer."))
    form = ReceiveTransferForm(request.POST, lines=selectors.transfer_lines(transfer))
    if form.is_valid():
        received = [
            services.ReceivedLineInput(variant_id=line.variant_id, quantity=quantity, reason=reason)
            for line, quantity, reason in form.received()
        ]
        done = write(
            form, lambda: services.receive_transfer(actor=actor, transfer_id=transfer.pk, lines=received)
        )
        if done is not None:
            messages.success(request, _("Transfer %(number)s received.") % {"number": done.number})
            return redirect("inventory:transfer-detail", transfer_id=transfer.pk)
    return _transfer_page(request, actor, transfer, receive_form=form)


@login_required
@require_POST
def transfer_cancel(request: HttpRequest, transfer_id: int) -> HttpResponse:
    actor = pages.actor(request)
    transfer = _transfer_or_404(transfer_id)
    if not (actor.can_act_at(transfer.from_location_id) or actor.can_act_at(transfer.to_location_id)):
        raise PermissionDenied(_("You may only cancel transfers of your own location."))
    try:
        services.cancel_transfer(actor=actor, transfer_id=transfer.pk)
    except DomainError as exc:
        pages.show_as_message(request, exc)
    else:
        messages.success(request, _("Transfer %(number)s cancelled.") % {"number": transfer.number})
    return redirect("inventory:transfer-detail", transfer_id=transfer.pk)
