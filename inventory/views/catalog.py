"""Staff pages of the catalog: the search (a scanned barcode or a whole SKU goes straight to its SKU), a
SKU's detail (do we have it: here, nearby, on its way), and HQ's price change."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory import selectors, services
from inventory.exceptions import CatalogInvalid, SkuNotFound
from inventory.forms import CatalogSearchForm, VariantPriceForm
from inventory.sku_extras import sku_sections
from inventory.views.common import PAGE_SIZE
from omni import pages


def _can_change_prices(user: Any) -> bool:
    """Prices are set by HQ: HQ managers and administrators."""
    return bool(user.sees_all_locations)


@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    form = CatalogSearchForm(request.GET)
    query = ""
    variants = selectors.variant_list().none()
    if form.is_valid():
        query = selectors.normalise_query(form.cleaned_data["q"])
        exact = selectors.variant_by_code(query) if query else None
        if exact is not None:  # a scanned barcode or a whole SKU: straight to its page
            return redirect("inventory:sku-detail", sku=exact.sku)
        if query and selectors.scanned_gtin14(query):
            messages.warning(request, _("No SKU has the barcode %(gtin)s.") % {"gtin": query})
        variants = selectors.search_variants(
            query,
            category=form.cleaned_data["category"] or None,
            brand=form.cleaned_data["brand"] or None,
            active=None if form.cleaned_data["inactive"] else True,
        )
    page = Paginator(variants, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "inventory/catalog.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "querystring": params.urlencode(),
            "currency": settings.OMNI_CURRENCY,
        },
    )


NEARBY_STORES = 5


def _stock_answer(variant: Any, here: Any) -> dict[str, Any]:
    """ "Do we have it?": the stock at the current location, the nearest other stores holding it (with
    their distance, from the network lookup) and what is on its way here on shipped transfers."""
    if here is None:
        nearby = selectors.availability(variant=variant, kind="store").locations
        return {"here_level": None, "nearby": nearby[:NEARBY_STORES], "in_transit": []}
    level = selectors.stock_levels(location_id=here.pk, variant_id=variant.pk).first()
    near = (float(here.latitude), float(here.longitude))
    others = [
        loc
        for loc in selectors.availability(variant=variant, near=near, kind="store").locations
        if loc.location != here.code
    ]
    return {
        "here_level": {
            "on_hand": level.on_hand if level else 0,
            "reserved": level.reserved if level else 0,
            "available": level.available_qty if level else 0,  # type: ignore[attr-defined]
        },
        "nearby": others[:NEARBY_STORES],
        "in_transit": list(selectors.in_transit_to(here.pk, variant.pk)),
    }


@login_required
def sku_detail(request: HttpRequest, sku: str) -> HttpResponse:
    """A SKU's page: first whether we have it (here, nearby, on its way), then the catalog details."""
    variant = selectors.variant_by_sku(sku)
    if variant is None:
        raise Http404(_("No SKU %(sku)s in the catalog.") % {"sku": sku})
    here = getattr(request, "current_location", None)
    can_change = _can_change_prices(request.user)
    price_form = (
        VariantPriceForm(
            initial={"price": variant.price, "cost_price": variant.cost_price, "active": variant.active}
        )
        if can_change
        else None
    )
    return render(
        request,
        "inventory/sku_detail.html",
        {
            "variant": variant,
            "product": variant.product,
            "siblings": selectors.sibling_variants(variant),
            "show_cost": request.user.is_manager,  # type: ignore[union-attr]
            "price_form": price_form,
            "currency": settings.OMNI_CURRENCY,
            "here": here,
            "sku_sections": sku_sections(request, variant, here),
            **_stock_answer(variant, here),
        },
    )


@login_required
@require_POST
def sku_update(request: HttpRequest, sku: str) -> HttpResponse:
    if not _can_change_prices(request.user):
        return HttpResponseForbidden(_("Only HQ may change prices."))
    form = VariantPriceForm(request.POST)
    if form.is_valid():
        try:
            services.update_variant(
                sku=sku,
                price=form.cleaned_data["price"],
                cost_price=form.cleaned_data["cost_price"],
                active=form.cleaned_data["active"],
                actor=pages.actor(request),
            )
        except SkuNotFound as exc:
            raise Http404(str(exc)) from exc
        except CatalogInvalid as exc:
            pages.show_as_message(request, exc)
        else:
            messages.success(request, _("SKU %(sku)s saved.") % {"sku": sku})
    else:
        pages.form_errors_as_messages(request, form)
    return redirect("inventory:sku-detail", sku=sku)
