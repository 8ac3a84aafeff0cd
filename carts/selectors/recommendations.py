""" "Bought together" as the API, the kiosk and the staff SKU page read it: the stored pairs of a SKU
(carts.services.recommendations keeps them fresh), only those in stock where it matters, strongest first.

"In stock" is inventory's availability figure (on hand - reserved - safety stock > 0): at one location when
one is given (the `location` parameter, or a store's or kiosk's own location), else at any active location.
SKUs no longer on sale are left out. One query, from the unique index on (variant_id, rank)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.utils.translation import ngettext

from carts.models import BoughtTogether
from inventory.models import StockLevel, Variant
from inventory.selectors import levels_with_available
from omni.actors import Actor
from omni.models import ApiRole

DEFAULT_LIMIT = 5


@dataclass(frozen=True)
class Recommendation:
    sku: str
    name: str
    price: Decimal
    customers: int
    available: int  # units available at the location asked about, or across the network

    @property
    def reason(self) -> str:
        """The explanation shown with it, in the active language."""
        return ngettext(
            "Bought together by %(count)d customer",
            "Bought together by %(count)d customers",
            self.customers,
        ) % {"count": self.customers}


def default_location_id(actor: Actor) -> int | None:
    """Where a caller's recommendations are in stock by default: a kiosk's or a store's own location."""
    if actor.client is not None and actor.role in (ApiRole.KIOSK, ApiRole.STORE):
        return actor.client.location_id
    return None


def _available(location_id: int | None) -> Subquery:
    levels = StockLevel.objects.filter(variant_id=OuterRef("other_id"), location__active=True)
    if location_id is not None:
        levels = levels.filter(location_id=location_id)
    total = (
        levels_with_available(levels)
        .order_by()
        .values("variant_id")
        .annotate(units=Sum("available_qty"))
        .values("units")
    )
    return Subquery(total, output_field=IntegerField())


def bought_together(
    variant: Variant, *, location_id: int | None = None, limit: int = DEFAULT_LIMIT
) -> list[Recommendation]:
    """Up to `limit` SKUs bought with `variant`, strongest first, each in stock at `location_id` (or
    anywhere when None)."""
    rows = (
        BoughtTogether.objects.filter(variant=variant, other__active=True, other__product__active=True)
        .annotate(units=_available(location_id))
        .filter(units__gt=0)
        .select_related("other__product")
        .order_by("rank")[:limit]
    )
    return [
        Recommendation(
            sku=row.other.sku,
            name=row.other.display_name,
            price=row.other.price,
            customers=row.customers,
            available=row.units,  # type: ignore[attr-defined]  # the annotation above
        )
        for row in rows
    ]
