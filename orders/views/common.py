"""What the orders pages share: the current location, a basket priced as the till will price it, the units
each SKU has at a location, and the message for a shortage (which SKUs, how many there are)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel, Variant
from inventory.selectors import AVAILABLE
from orders.models import Channel
from orders.services.pricing import ZERO, price_lines, share_order_discount


def current_location(request: HttpRequest) -> Any:
    """The location the user works at now (stores.middleware), or None."""
    return getattr(request, "current_location", None)


def priced_at_till(
    lines: dict[str, int], order_discount: Decimal = ZERO, customer_email: str = ""
) -> tuple[list[Any], Decimal]:
    """A read-only preview with the catalog prices and promotions the order will get, and an order-level
    discount (redeemed points) shared over the lines as placing the order shares it. `customer_email`: the
    attached loyalty member's (segment promotions are theirs only), "" when none is attached."""
    if not lines:
        return [], ZERO
    variants = {v.sku: v for v in Variant.objects.select_related("product").filter(sku__in=lines)}
    wanted = [(variants[sku], qty) for sku, qty in lines.items() if sku in variants]
    priced = price_lines(wanted, channel=Channel.STORE, at=timezone.now(), customer_email=customer_email)
    if 0 < order_discount <= sum((p.line_total for p in priced), ZERO):
        share_order_discount(priced, order_discount)
    return priced, sum((p.line_total for p in priced), ZERO)


def available_here(location: Any, skus: Iterable[str]) -> dict[str, int]:
    """Units of each SKU that can be sold at `location` now (on hand less reserved and safety stock, as
    placing the order reserves them); a SKU never stocked there has 0."""
    wanted = set(skus)
    if not wanted:
        return {}
    rows = (
        StockLevel.objects.filter(location_id=location.pk, variant__sku__in=wanted)
        .annotate(available_qty=AVAILABLE)
        .values_list("variant__sku", "available_qty")
    )
    found = {sku: int(qty) for sku, qty in rows}
    return {sku: found.get(sku, 0) for sku in wanted}


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
