"""What the orders pages share: the current location, a basket priced as the till will price it, and the
message for a shortage (which SKUs, how many there are)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.exceptions import InsufficientStock
from inventory.models import Variant
from orders.models import Channel
from orders.services.pricing import ZERO, price_lines


def current_location(request: HttpRequest) -> Any:
    """The location the user works at now (stores.middleware), or None."""
    return getattr(request, "current_location", None)


def priced_at_till(lines: dict[str, int]) -> tuple[list[Any], Decimal]:
    """A read-only preview with the catalog prices and promotions the order will get."""
    if not lines:
        return [], ZERO
    variants = {v.sku: v for v in Variant.objects.select_related("product").filter(sku__in=lines)}
    wanted = [(variants[sku], qty) for sku, qty in lines.items() if sku in variants]
    priced = price_lines(wanted, channel=Channel.STORE, at=timezone.now())
    return priced, sum((p.line_total for p in priced), ZERO)


def shortage_message(exc: InsufficientStock, location: Any) -> str:
    parts = [
        _("%(sku)s: %(available)d available, %(requested)d wanted")
        % {"sku": s["sku"], "available": max(int(s.get("available", 0)), 0), "requested": s["requested"]}
        for s in exc.extra.get("shortages", [])
        if "requested" in s
    ]
    if not parts:
        return exc.detail
    return _("Not enough stock at %(code)s for %(lines)s. The basket is kept.") % {
        "code": location.code,
        "lines": "; ".join(parts),
    }
