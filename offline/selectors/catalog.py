"""What a store's tablet caches to sell and count offline: the active SKUs with their prices (and what the
location has available now, informative), the open stock counts there, and the catalog's version.

The version is a hash of the rows that matter to the tablet (every active SKU's code, barcode, name, size,
colour, price and VAT rate, in SKU order), computed by the database in one aggregate: any change of a price,
name, barcode or of which SKUs are on sale changes it; stock figures do not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.db.models import CharField, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import MD5, Cast, Coalesce, Concat
from django.utils import timezone

from inventory.models import CountStatus, StockCount, StockLevel, Variant
from inventory.selectors import AVAILABLE
from stores.models import Location


@dataclass(frozen=True)
class Catalog:
    version: str
    location: Location
    currency: str
    generated_at: datetime
    skus: list[dict[str, Any]]
    counts: list[dict[str, Any]]


def _on_sale() -> QuerySet[Variant]:
    return Variant.objects.filter(active=True, product__active=True)


def catalog_version() -> str:
    """The hash of the rows that matter (see the module's docstring); "empty" for a catalog with none."""
    sep = Value("\x1f")
    row = Concat(
        "sku",
        sep,
        Coalesce("gtin", Value("")),
        sep,
        "product__name",
        sep,
        "size",
        sep,
        "color",
        sep,
        Cast("price", CharField()),
        sep,
        Cast("product__vat_rate", CharField()),
        output_field=CharField(),
    )
    digest = _on_sale().aggregate(v=MD5(StringAgg(row, delimiter="\x1e", order_by="sku")))["v"]
    return str(digest or "empty")


def _name(product_name: str, size: str, color: str) -> str:
    return " · ".join(part for part in (product_name, size, color) if part)


def open_counts(location: Location) -> list[dict[str, Any]]:
    counts = (
        StockCount.objects.filter(location=location, status=CountStatus.OPEN)
        .select_related("category")
        .order_by("created_at", "pk")
    )
    return [
        {
            "id": c.pk,
            "label": f"{c.number} · {c.category.name}" if c.category is not None else c.number,
            "started_at": c.created_at,
        }
        for c in counts
    ]


def catalog_for(location: Location, *, version: str | None = None) -> Catalog:
    """The tablet's catalog of `location` (its version computed unless given)."""
    available = (
        StockLevel.objects.filter(location=location, variant=OuterRef("pk"))
        .annotate(qty=AVAILABLE)
        .values("qty")[:1]
    )
    rows = (
        _on_sale()
        .annotate(available_qty=Coalesce(Subquery(available, output_field=IntegerField()), 0))
        .order_by("sku")
        .values_list(
            "sku", "gtin", "product__name", "size", "color", "price", "product__vat_rate", "available_qty"
        )
    )
    skus = [
        {
            "sku": sku,
            "gtin": gtin or None,
            "name": _name(name, size, color),
            "price": price,
            "vat_rate": vat_rate,
            "available": qty,
        }
        for sku, gtin, name, size, color, price, vat_rate, qty in rows
    ]
    return Catalog(
        version=version or catalog_version(),
        location=location,
        currency=settings.OMNI_CURRENCY,
        generated_at=timezone.now(),
        skus=skus,
        counts=open_counts(location),
    )
