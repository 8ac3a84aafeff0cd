"""The "category" and "brand" filters the inventory contributes to the managers' reports, and the SQL
building blocks the stock reports share (the scope a manager chose, as a WHERE clause with parameters)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.selectors import brands, can_see_cost_price, categories, category_and_descendants
from omni.reports.base import FilterField, Report, ReportFilters
from omni.reports.sql import Where

if TYPE_CHECKING:
    from omni.actors import Actor


def build_category_field(actor: Actor) -> forms.Field:
    return forms.ModelChoiceField(
        queryset=categories(), required=False, label=_("Category"), empty_label=_("All categories")
    )


def category_value(cleaned: Any) -> tuple[int, ...] | None:
    """The chosen category and all its descendants (a report on "Knitwear" includes "Cardigans")."""
    return category_and_descendants(cleaned.pk) if cleaned is not None else None


def build_brand_field(actor: Actor) -> forms.Field:
    return forms.ModelChoiceField(
        queryset=brands(), required=False, label=_("Brand"), empty_label=_("All brands")
    )


def brand_value(cleaned: Any) -> int | None:
    return cleaned.pk if cleaned is not None else None


category_filter = FilterField(name="category", build=build_category_field, value=category_value, order=30)
brand_filter = FilterField(name="brand", build=build_brand_field, value=brand_value, order=40)


# --- SQL building blocks ---------------------------------------------------------------------------
# Table names are Django's defaults; the stock reports join them by these aliases:
#   s stock level, m stock movement, v variant, p product, l location.

STOCK = "inventory_stocklevel"
MOVEMENT = "inventory_stockmovement"
VARIANT = "inventory_variant"
PRODUCT = "inventory_product"
CATEGORY = "inventory_category"
BRAND = "inventory_brand"
LOCATION = "stores_location"
TRANSFER = "inventory_transfer"
TRANSFER_LINE = "inventory_transferline"
COUNT = "inventory_stockcount"
COUNT_LINE = "inventory_stockcountline"


def restrict_products(where: Where, filters: ReportFilters, product: str = "p") -> None:
    if filters.category_ids is not None:
        where.add(f"{product}.category_id = ANY(%s)", list(filters.category_ids))
    if filters.brand_id is not None:
        where.add(f"{product}.brand_id = %s", filters.brand_id)


def needs_product(filters: ReportFilters) -> bool:
    return filters.category_ids is not None or filters.brand_id is not None


class StockReport(Report):
    """An inventory report: its `cost_columns` (values at cost) are shown to those who may see cost prices
    (HQ: inventory.selectors.can_see_cost_price), and left out of the page, chart and exports for others."""

    cost_columns: frozenset[str] = frozenset()

    def hidden_columns(self, actor: Actor) -> frozenset[str]:
        return frozenset() if can_see_cost_price(actor) else self.cost_columns
