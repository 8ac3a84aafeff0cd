"""Sections other apps add to the staff customer page (templates/loyalty/customer_detail.html, the customer
360) without loyalty importing them: the arrows run carts -> loyalty, so an app registers, once, in its
AppConfig.ready(), a function that renders its own fragment (its own template) for a customer, as the SKU
page's sections are registered (inventory.sku_extras).

A section takes the request and the customer and answers HTML, or "" to show nothing; the page shows the
sections in the order they were registered (carts: the customer's open carts; its wishlist)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from loyalty.models import Customer

CustomerSection = Callable[[HttpRequest, "Customer"], str]

_sections: dict[str, CustomerSection] = {}


def register_customer_section(name: str, section: CustomerSection) -> CustomerSection:
    """Add (or, under the same name, replace) a section of the customer page."""
    _sections[name] = section
    return section


def customer_sections(request: HttpRequest, customer: Customer) -> list[SafeString]:
    """The registered sections' HTML for this customer, empty ones left out."""
    rendered = (section(request, customer) for section in _sections.values())
    return [SafeString(html) for html in rendered if html]


# --- The GDPR export: what other apps hold on the person ---------------------------------------------------

ExportSection = Callable[["Customer"], list[dict[str, Any]]]

_exports: dict[str, ExportSection] = {}


def register_export_section(key: str, section: ExportSection) -> ExportSection:
    """Add (or replace) a part of the GDPR export: `key` is its name in the export (e.g. "wishlist"), the
    function answers the person's rows (the person and its merged duplicates) as plain JSON data."""
    _exports[key] = section
    return section


def export_sections(customer: Customer) -> dict[str, list[dict[str, Any]]]:
    """Every registered part of the export for this person, by key."""
    return {key: section(customer) for key, section in _exports.items()}
