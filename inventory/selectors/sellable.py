"""The catalog as placing an order reads it: variants by SKU with their product, kept in this process's
memory and all dropped when any variant or product changes (omni.cache_versions: the triggers of
inventory's migration 0005 bump "catalog"), so a price is never older than the request that charges it.
The instances are shared: read them, never save them."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from inventory.models import Variant
from omni.cache_versions import VersionedMap


def _load(skus: set[str]) -> dict[str, Variant]:
    return {v.sku: v for v in Variant.objects.select_related("product").filter(sku__in=skus)}


_variants: VersionedMap[str, Variant] = VersionedMap(("catalog",), _load)


def variants_for_sale(skus: set[str]) -> dict[str, Variant]:
    """The variants of these SKUs (on sale or not: the caller says why one cannot be sold), product loaded."""
    return _variants.get_many(skus)


# Where a delivery can come from: one prepared statement instead of an ORM queryset built per order (the
# same rows: what is available at every active location that ships, on_hand - reserved - safety_stock > 0).
SHIPPING_AVAILABILITY_SQL = """
    SELECT s.location_id, l.code, l.latitude, l.longitude, s.variant_id,
           s.on_hand - s.reserved - s.safety_stock
    FROM inventory_stocklevel s JOIN stores_location l ON l.id = s.location_id
    WHERE s.variant_id = ANY(%s::bigint[]) AND l.ships AND l.active AND s.on_hand > s.reserved
      AND s.on_hand - s.reserved - s.safety_stock > 0
"""


def shipping_availability(variant_ids: set[int]) -> list[tuple[int, str, Decimal, Decimal, int, int]]:
    """(location id, code, latitude, longitude, variant id, units available) at every active location that
    ships and has some of these variants available."""
    with connection.cursor() as cursor:
        cursor.execute(SHIPPING_AVAILABILITY_SQL, [sorted(variant_ids)])
        return cursor.fetchall()
