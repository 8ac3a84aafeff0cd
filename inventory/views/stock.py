"""Staff pages of stock: the network lookup (who has a SKU, nearest first), a location's levels with its
low-stock alerts, a SKU's ledger at a location, and recording a receipt, an adjustment or damage."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from inventory import selectors, services
from inventory.forms import MovementForm, StockListForm, StockLookupForm
from inventory.services.alerts import open_alerts
from inventory.views.common import chosen_location, forbid_posted_location, page_of, url_with_query, write
from omni import pages


@login_required
def stock_lookup(request: HttpRequest) -> HttpResponse:
    """Search a SKU (name, SKU or scanned barcode) and see who has it, nearest location first."""
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
        stock = selectors.availability(variant=variant, near=near, include_empty=True)
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
    if location is not None:
        page, querystring = page_of(
            request, selectors.movements(location_id=location.pk, variant_id=variant.pk)
        )
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
            "querystring": querystring,
        },
    )


# --- A receipt, an adjustment or damage ---


@login_required
def movement_new(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    locations = selectors.visible_locations(actor)
    if request.method == "POST":
        forbid_posted_location(actor, request.POST.get("location"))
        form = MovementForm(request.POST, locations=locations)
        if form.is_valid():
            data = form.cleaned_data
            done = write(
                form,
                lambda: services.record_movement(
                    actor=actor,
                    location_id=data["location"].pk,
                    variant_id=data["sku"].pk,
                    kind=data["kind"],
                    quantity=data["quantity"],
                    reason=data["reason"],
                    note=data["note"],
                ),
            )
            if done is not None:
                movement, level = done
                messages.success(
                    request,
                    _("%(kind)s of %(delta)+d × %(sku)s recorded: %(on_hand)d on hand.")
                    % {
                        "kind": movement.get_kind_display(),  # type: ignore[attr-defined]
                        "delta": movement.delta,
                        "sku": data["sku"].sku,
                        "on_hand": level.on_hand,
                    },
                )
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
    return render(request, "inventory/movement_form.html", {"form": form})
