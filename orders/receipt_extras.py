"""Sections other apps add to a sale's printed receipt (templates/orders/receipts/receipt.html) without orders
importing them: the arrows run feedback -> orders, so an app registers, once, in its AppConfig.ready(), a
function that renders its own fragment for the order (feedback: the survey's QR code), as the customer
page's sections are registered (loyalty.customer_extras).

A section takes the request and the order and answers HTML, or "" to show nothing; the receipt shows the
sections above its foot, in the order they were registered. Gift receipts show none."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from orders.models import Order

ReceiptSection = Callable[[HttpRequest, "Order"], str]

_sections: dict[str, ReceiptSection] = {}


def register_receipt_section(name: str, section: ReceiptSection) -> ReceiptSection:
    """Add (or, under the same name, replace) a section of the printed receipt."""
    _sections[name] = section
    return section


def receipt_sections(request: HttpRequest, order: Order) -> list[SafeString]:
    """The registered sections' HTML for this sale, empty ones left out."""
    rendered = (section(request, order) for section in _sections.values())
    return [SafeString(html) for html in rendered if html]
