"""Staff pages of stock: the network lookup (who has a SKU, nearest first), a location's levels with its
low-stock alerts, a SKU's ledger at a location, and recording a receipt, an adjustment or damage (a large
adjustment by an associate waits for a manager's approval: inventory.views.approvals) and undoing one's own
adjustment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory import selectors, services
from inventory.forms import MovementForm, StockListForm, StockLookupForm
from inventory.models import MovementKind
from inventory.selectors.ledger import UNDO_WINDOW, LedgerRow, ledger_rows, signed_units
from inventory.services.adjustments import PostedAdjustment, post_adjustment, undo_adjustment
from inventory.services.alerts import open_alerts
from inventory.views.common import chosen_location, forbid_posted_location, page_of, url_with_query, write
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError
from omni.formatting import format_number


@login_required
def stock_lookup(request: HttpRequest) -> HttpResponse:
    """Search a SKU (name, SKU or scanned barcode) and see who has it: the user's own store first (with 0
    when it has none), then the others nearest first."""
    form = StockLookupForm(request.GET)
    query = ""
    variant = None
    matches = None
    if request.GET.get("sku"):
        variant = selectors.variant_by_sku(request.GET["sku"])
        if variant is None:
            raise Http404(_("No SKU %(sku)s in the catalog.") % {"sku": request.GET["sku"]})
    elif form.is_valid() and (query := selectors.normalise_query(form.cleaned_data["q"])):
        variant = selectors.variant_by_code(query)
        if variant is None:
            found = list(selectors.search_variants(query)[:51])
            if len(found) == 1:
                variant = found[0]
            else:
                matches = found
    here = getattr(request, "current_location", None)
    stock = None
    if variant is not None:
        near = (float(here.latitude), float(here.longitude)) if here is not None else None
        stock = selectors.availability(
            variant=variant,
            near=near,
            include_empty=True,
            first_location_id=here.pk if here is not None else None,
        )
    return render(
        request,
        "inventory/stock_lookup.html",
        {
            "form": form,
            "query": query,
            "variant": variant,
            "matches": matches[:50] if matches else matches,
            "more_matches": bool(matches and len(matches) > 50),
            "stock": stock,
            "here": here,
        },
    )


# --- A location's stock, with its low-stock alerts ---


@login_required
def stock_list(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    location = chosen_location(request, actor)
    form = StockListForm(request.GET)
    page, querystring, alerts = None, "", None
    if location is not None and form.is_valid():
        category = None
        if slug := form.cleaned_data["category"]:
            category = selectors.categories().filter(slug=slug).values_list("pk", flat=True).first()
        levels = selectors.stock_levels(
            location_id=location.pk,
            category_id=category,
            below_safety=form.cleaned_data["below_safety"],
            out_of_stock=form.cleaned_data["out_of_stock"],
        )
        page, querystring = page_of(request, levels)
        if actor.is_manager:
            alerts = list(open_alerts(location.pk)[:100])
    return render(
        request,
        "inventory/stock_list.html",
        {
            "form": form,
            "location": location,
            "locations": selectors.visible_locations(actor),
            "page": page,
            "querystring": querystring,
            "alerts": alerts,
        },
    )


# --- A SKU's ledger at a location ---


@login_required
def stock_movements(request: HttpRequest, sku: str) -> HttpResponse:
    actor = pages.actor(request)
    variant = selectors.variant_by_sku(sku)
    if variant is None:
        raise Http404(_("No SKU %(sku)s in the catalog.") % {"sku": sku})
    location = chosen_location(request, actor)
    page, querystring, level = None, "", None
    rows: list[LedgerRow] = []
    if location is not None:
        page, querystring = page_of(
            request,
            selectors.movements(location_id=location.pk, variant_id=variant.pk).select_related("reverses"),
        )
        rows = ledger_rows(page.object_list, actor=actor)
        level = selectors.stock_levels(location_id=location.pk, variant_id=variant.pk).first()
    return render(
        request,
        "inventory/stock_movements.html",
        {
            "variant": variant,
            "location": location,
            "locations": selectors.visible_locations(actor),
            "level": level,
            "page": page,
            "rows": rows,
            "querystring": querystring,
        },
    )


# --- A receipt, an adjustment or damage ---


def _record(actor: Actor, data: dict[str, Any]) -> PostedAdjustment:
    """An adjustment goes through the approval rules (it may wait for a manager); the others are recorded."""
    what: dict[str, Any] = {
        "actor": actor,
        "location_id": data["location"].pk,
        "variant_id": data["sku"].pk,
        "quantity": data["quantity"],
        "reason": data["reason"],
        "note": data["note"],
    }
    if data["kind"] == MovementKind.ADJUSTMENT:
        return post_adjustment(**what)
    movement, level = services.record_movement(kind=data["kind"], **what)
    return PostedAdjustment(movement=movement, level=level)


def _announce(request: HttpRequest, done: PostedAdjustment, data: dict[str, Any]) -> None:
    if done.request is not None:
        messages.warning(
            request,
            _(
                "Adjustment of %(delta)s × %(sku)s at %(location)s is waiting for a manager's approval: "
                "stock does not change until it is approved."
            )
            % {
                "delta": signed_units(done.request.delta),
                "sku": data["sku"].sku,
                "location": data["location"].name,
            },
        )
        return
    assert done.movement is not None and done.level is not None
    text = _("%(kind)s of %(delta)s × %(sku)s recorded: %(on_hand)s on hand.") % {
        "kind": done.movement.get_kind_display(),  # type: ignore[attr-defined]
        "delta": signed_units(done.movement.delta),
        "sku": data["sku"].sku,
        "on_hand": format_number(done.level.on_hand),
    }
    if done.movement.kind == MovementKind.ADJUSTMENT:
        text += " " + _("You can undo it from the ledger below for %(minutes)d minutes.") % {
            "minutes": int(UNDO_WINDOW.total_seconds() // 60)
        }
    messages.success(request, text)


@login_required
def movement_new(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    locations = selectors.visible_locations(actor)
    if request.method == "POST":
        forbid_posted_location(actor, request.POST.get("location"))
        form = MovementForm(request.POST, locations=locations)
        if form.is_valid():
            data = form.cleaned_data
            done = write(form, lambda: _record(actor, data))
            if done is not None:
                _announce(request, done, data)
                if done.pending:
                    queue = url_with_query("inventory:stock-adjustments", location=data["location"].pk)
                    return redirect(queue)
                return redirect(
                    url_with_query("inventory:stock-movements", data["sku"].sku, location=data["location"].pk)
                )
    else:
        here = getattr(request, "current_location", None)
        form = MovementForm(
            locations=locations,
            initial={
                "location": here.pk if here is not None else None,
                "sku": request.GET.get("sku", ""),
                "kind": request.GET.get("kind", "receipt"),
            },
        )
    here = getattr(request, "current_location", None)
    threshold = here.adjustment_approval_units if here is not None and not actor.is_manager else None
    return render(
        request, "inventory/movement_form.html", {"form": form, "here": here, "approval_threshold": threshold}
    )


@login_required
@require_POST
def movement_undo(request: HttpRequest, movement_id: int) -> HttpResponse:
    """Undo one's own adjustment (a reversing movement), then back to its ledger."""
    actor = pages.actor(request)
    movement = selectors.movements().filter(pk=movement_id).first()
    if movement is None:
        raise Http404(_("No such movement."))
    try:
        reversal = undo_adjustment(actor=actor, movement_id=movement_id)
    except DomainError as exc:
        pages.show_as_message(request, exc)
    else:
        messages.success(
            request,
            _("Adjustment of %(delta)s × %(sku)s undone: %(on_hand)s on hand.")
            % {
                "delta": signed_units(movement.delta),
                "sku": movement.variant.sku,
                "on_hand": format_number(reversal.on_hand_after),
            },
        )
    return redirect(
        url_with_query("inventory:stock-movements", movement.variant.sku, location=movement.location_id)
    )
