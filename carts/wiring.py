"""What the carts app registers with the apps below it, which never import it (CartsConfig.ready): the
till's cart checkout (orders.cart_checkout), the open carts on the customer page (loyalty.customer_extras),
the carts report (omni.reports), a person's carts in their GDPR export (loyalty.customer_extras), the
erasure of their carts with them and, when two customers are merged, the duplicate's wishlist and open carts
following the kept person (loyalty.signals)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from carts.reports import CartsByChannel
from carts.selectors import open_carts_of_person, price_cart
from carts.selectors.lookup import carts_of_person
from carts.services import convert_at_till
from carts.services.merges import on_customers_merged
from carts.services.privacy import on_customer_erased
from loyalty.customer_extras import register_customer_section, register_export_section
from loyalty.models import Customer
from loyalty.signals import customer_erased, customers_merged
from omni.reports.base import register_report
from orders.cart_checkout import register_cart_checkout

MAX_SHOWN = 10


def customer_carts(request: HttpRequest, customer: Customer) -> str:
    """The customer's open carts, newest first, priced now, on the customer 360 page."""
    if customer.erased_at is not None:
        return ""
    # every cart of the person: the page itself is for the staff who may see the customer (loyalty.views)
    carts = list(open_carts_of_person(customer)[: MAX_SHOWN + 1])
    context = {
        "carts": [price_cart(cart) for cart in carts[:MAX_SHOWN]],
        "more": len(carts) > MAX_SHOWN,
    }
    return render_to_string("carts/customer_carts.html", context, request=request)


def carts_export(customer: Customer) -> list[dict[str, Any]]:
    """The person's carts for the GDPR export: every cart, open or not, with its lines (no prices: a cart
    keeps none)."""
    carts = carts_of_person(customer).select_related("location", "order").prefetch_related("lines__variant")
    return [
        {
            "id": str(cart.pk),
            "channel": cart.channel,
            "status": cart.status,
            "email": cart.customer_email,
            "location": cart.location.code if cart.location is not None else None,
            "order": cart.order.number if cart.order is not None else None,
            "created_at": cart.created_at.isoformat(),
            "updated_at": cart.updated_at.isoformat(),
            "lines": [
                {"sku": line.variant.sku, "quantity": line.quantity, "added_at": line.added_at.isoformat()}
                for line in cart.lines.all()
            ],
        }
        for cart in carts
    ]


def register() -> None:
    customer_erased.connect(on_customer_erased, dispatch_uid="carts.privacy.customer_erased")
    customers_merged.connect(on_customers_merged, dispatch_uid="carts.merges.customers_merged")
    register_cart_checkout(convert_at_till)
    register_customer_section("carts.open_carts", customer_carts)
    register_export_section("carts", carts_export)
    register_report(CartsByChannel())
