"""Staff pages of transfers between locations: the list (in, out or both), requesting one, its detail,
shipping, receiving (with what arrived short) and cancelling."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory import selectors, services
from inventory.forms import ReceiveTransferForm, ShipTransferForm, TransferForm, TransferLineFormSet
from inventory.models import Transfer, TransferStatus
from inventory.views.common import chosen_location, forbid_posted_location, page_of, write
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


@login_required
def transfer_new(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    locations = selectors.network_locations()
    if request.method == "POST":
        forbid_posted_location(actor, request.POST.get("from_location"), request.POST.get("to_location"))
        form = TransferForm(request.POST, locations=locations)
        lines = TransferLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and lines.is_valid():
            data = form.cleaned_data
            wanted = [
                services.TransferLineInput(variant_id=row["sku"].pk, quantity=row["quantity"])
                for row in lines.cleaned_data
                if row.get("sku")
            ]
            if not wanted:
                form.add_error(None, _("Add at least one SKU and its quantity."))
            else:
                transfer = write(
                    form,
                    lambda: services.request_transfer(
                        actor=actor,
                        from_location_id=data["from_location"].pk,
                        to_location_id=data["to_location"].pk,
                        lines=wanted,
                        reference=data["reference"],
                        note=data["note"],
                    ),
                )
                if transfer is not None:
                    messages.success(
                        request, _("Transfer %(number)s requested.") % {"number": transfer.number}
                    )
                    return redirect("inventory:transfer-detail", transfer_id=transfer.pk)
    else:
        here = getattr(request, "current_location", None)
        form = TransferForm(locations=locations, initial={"from_location": here.pk if here else None})
        lines = TransferLineFormSet(prefix="lines")
    return render(request, "inventory/transfer_form.html", {"form": form, "lines": lines})


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
