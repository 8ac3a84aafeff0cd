"""Stock reads: levels, the ledger, low-stock alerts, reconciliation (availability: selectors.availability).
The `*_list` reads take the Actor and keep to its locations (inventory.selectors.locations)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import F, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Greatest

from inventory.models import LowStockAlert, StockLevel, StockMovement
from inventory.selectors.locations import filter_by_location, scoped_to_actor
from omni.actors import Actor

AVAILABLE = Greatest(F("on_hand") - F("reserved") - F("safety_stock"), Value(0), output_field=IntegerField())


def levels_with_available(qs: QuerySet[StockLevel] | None = None) -> QuerySet[StockLevel]:
    qs = qs if qs is not None else StockLevel.objects.all()
    return qs.annotate(available_qty=AVAILABLE)


def stock_levels(
    *,
    actor: Actor | None = None,
    location_id: int | None = None,
    variant_id: int | None = None,
    below_safety: bool | None = None,
    out_of_stock: bool | None = None,
    category_id: int | None = None,
) -> QuerySet[StockLevel]:
    qs = levels_with_available(StockLevel.objects.select_related("location", "variant", "variant__product"))
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    if variant_id is not None:
        qs = qs.filter(variant_id=variant_id)
    if category_id is not None:
        qs = qs.filter(variant__product__category_id=category_id)
    if below_safety:
        qs = qs.filter(on_hand__lt=F("reserved") + F("safety_stock") + F("reorder_point")).filter(
            Q(safety_stock__gt=0) | Q(reorder_point__gt=0)
        )
    if out_of_stock:
        qs = qs.filter(available_qty=0)  # type: ignore[misc]  # annotation added by levels_with_available
    return qs.order_by("location__code", "variant__sku")


def movements(
    *, location_id: int | None = None, variant_id: int | None = None, kind: str | None = None
) -> QuerySet[StockMovement]:
    qs = StockMovement.objects.select_related("location", "variant")
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    if variant_id is not None:
        qs = qs.filter(variant_id=variant_id)
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def stock_drift(limit: int = 1000) -> list[dict[str, Any]]:
    """Every (location, SKU) whose cached on_hand differs from the sum of its ledger, or whose reserved
    differs from the sum of its active reservations; also ledger entries with no level row. One query."""
    level = StockLevel._meta.db_table
    movement = StockMovement._meta.db_table
    from inventory.models import Reservation

    reservation = Reservation._meta.db_table
    sql = f"""
        WITH m AS (SELECT location_id, variant_id, SUM(delta) AS total FROM {movement} GROUP BY 1, 2),
             r AS (SELECT location_id, variant_id, SUM(quantity) AS total FROM {reservation}
                   WHERE state = 'active' GROUP BY 1, 2)
        SELECT COALESCE(s.location_id, m.location_id, r.location_id),
               COALESCE(s.variant_id, m.variant_id, r.variant_id),
               s.on_hand, COALESCE(m.total, 0), s.reserved, COALESCE(r.total, 0)
        FROM {level} s
        FULL OUTER JOIN m ON m.location_id = s.location_id AND m.variant_id = s.variant_id
        FULL OUTER JOIN r ON r.location_id = COALESCE(s.location_id, m.location_id)
                         AND r.variant_id = COALESCE(s.variant_id, m.variant_id)
        WHERE s.id IS NULL OR s.on_hand <> COALESCE(m.total, 0) OR s.reserved <> COALESCE(r.total, 0)
        ORDER BY 1, 2
        LIMIT %s
    """  # noqa: S608 - table names are ours
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        rows = cursor.fetchall()
    return [
        {
            "location_id": loc,
            "variant_id": var,
            "on_hand": on_hand,
            "ledger_sum": int(ledger),
            "reserved": reserved,
            "active_reservations": int(res),
        }
        for loc, var, on_hand, ledger, reserved, res in rows
    ]


# --- The API's lists, limited to the actor's locations ----------------------------------------------------


def movement_list(
    *, actor: Actor, location: str | None = None, sku: str | None = None, kind: str | None = None
) -> QuerySet[StockMovement]:
    """The ledger, newest first, limited to the actor's locations."""
    qs = scoped_to_actor(StockMovement.objects.select_related("location", "variant"), actor, "location_id")
    qs = filter_by_location(qs, actor, location)
    if sku:
        qs = qs.filter(variant__sku=sku)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def movement_by_id(movement_id: int) -> StockMovement:
    return StockMovement.objects.select_related("location", "variant").get(pk=movement_id)


def _below_safety() -> Q:
    return Q(on_hand__lt=F("reserved") + F("safety_stock") + F("reorder_point")) & (
        Q(safety_stock__gt=0) | Q(reorder_point__gt=0)
    )


def level_list(
    *,
    actor: Actor,
    location: str | None = None,
    sku: str | None = None,
    below_safety: bool | None = None,
    out_of_stock: bool | None = None,
) -> QuerySet[StockLevel]:
    """Stock levels with `available_qty`, by location code then SKU, limited to the actor's locations.
    below_safety: on hand under reserved + safety stock + reorder point (where either is set);
    out_of_stock: nothing available."""
    qs = scoped_to_actor(
        levels_with_available(StockLevel.objects.select_related("location", "variant")),
        actor,
        "location_id",
    )
    qs = filter_by_location(qs, actor, location)
    if sku:
        qs = qs.filter(variant__sku=sku)
    if below_safety is not None:
        qs = qs.filter(_below_safety()) if below_safety else qs.exclude(_below_safety())
    if out_of_stock is not None:
        qs = qs.filter(available_qty=0) if out_of_stock else qs.filter(available_qty__gt=0)
    return qs.order_by("location__code", "variant__sku")


def level_for(location_id: int, variant_id: int) -> StockLevel:
    return levels_with_available(
        StockLevel.objects.filter(location_id=location_id, variant_id=variant_id)
    ).get()


def open_alert_list(*, actor: Actor, location: str | None = None) -> QuerySet[LowStockAlert]:
    """Open low-stock alerts of the actor's locations, by location code then SKU."""
    qs = scoped_to_actor(
        LowStockAlert.objects.filter(cleared_at__isnull=True).select_related("location", "variant"),
        actor,
        "location_id",
    )
    qs = filter_by_location(qs, actor, location)
    return qs.order_by("location__code", "variant__sku")
