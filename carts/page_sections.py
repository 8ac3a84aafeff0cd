"""What carts shows on other apps' staff pages, registered once from CartsConfig.ready() (the lower apps
never import carts): the "bought together" section of the SKU page (inventory.sku_extras) and the wishlist on
the customer 360 page and its part of the GDPR export (loyalty.customer_extras; the open carts there:
carts.wiring); and its part of an erasure (loyalty.signals.customer_erased, in the erasure's transaction)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string

from carts.selectors.recommendations import bought_together
from carts.selectors.wishlists import (
    back_in_stock_export,
    preferred_location_id,
    wishlist_export,
    wishlist_items,
    wishlist_of_customer,
)
from carts.services.wishlists import on_customer_erased
from inventory.models import Variant
from inventory.sku_extras import register_sku_section
from loyalty.customer_extras import register_customer_section, register_export_section
from loyalty.models import Customer
from loyalty.signals import customer_erased
from stores.models import Location
from stores.selectors import active_network_locations

MAX_WISHLIST_SHOWN = 20


def sku_recommendations(request: HttpRequest, variant: Variant, here: Location | None) -> str:
    """The SKUs bought with this one, in stock at the user's store (or anywhere without one)."""
    items = bought_together(variant, location_id=here.pk if here is not None else None)
    context = {"recommendations": items, "here": here, "currency": settings.OMNI_CURRENCY}
    return render_to_string("carts/sku_recommendations.html", context)  # no request: no context processors


def customer_wishlist(request: HttpRequest, customer: Customer) -> str:
    """The customer's wishlist, newest first, with what is available at their preferred store (one query,
    two with a preferred store and something on the list)."""
    if customer.erased_at is not None or customer.merged_into_id is not None:
        return ""
    entries = list(wishlist_of_customer(customer)[: MAX_WISHLIST_SHOWN + 1])
    location_id = preferred_location_id(customer)
    context = {
        "items": wishlist_items(customer, entries[:MAX_WISHLIST_SHOWN]),
        "more": len(entries) > MAX_WISHLIST_SHOWN,
        "preferred": active_network_locations().get(location_id) if location_id is not None else None,
    }
    return render_to_string("carts/customer_wishlist.html", context)  # no request: no context processors


def register() -> None:
    register_sku_section("carts.bought_together", sku_recommendations)
    register_customer_section("carts.wishlist", customer_wishlist)
    register_export_section("wishlist", wishlist_export)
    register_export_section("back_in_stock_emails", back_in_stock_export)
    customer_erased.connect(on_customer_erased, dispatch_uid="carts.wishlists.customer_erased")
