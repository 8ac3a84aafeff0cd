"""Stock reads for the REST API, each taking the `Actor`: this module owns who sees which location's stock,
ledger and transfers (OWASP API1: never another location's data through a filter or an id).

Also the lookups that turn the codes a client sends (location codes, SKUs) into rows, with errors that name
the field at fault."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, F, Prefetch, Q, QuerySet

from inventory.models import (
    Category,
    LowStockAlert,
    StockCount,
    StockCountLine,
    StockLevel,
    StockMovement,
    Transfer,
    TransferLine,
    Variant,
)
from inventory.selectors.stock import levels_with_available
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput, NotFound
from stores.models import Location


def _scope(qs: QuerySet, actor: Actor, *fields: str) -> QuerySet:
    """Keep the rows where one of `fields` (location foreign keys) is a location the actor may act at."""
    if actor.location_ids is None:
        return qs
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__in": actor.location_ids})
    return qs.filter(condition)


# --- Codes sent by a client ---------------------------------------------------------------------------


def location_by_code(code: str, *, field: str = "location") -> Location:
    """The location with this code (any case), or a 400 naming `field`."""
    location = Location.objects.filter(code=code.strip().upper()).first()
    if location is None:
        raise InvalidInput(f"No location with code {code}.", errors={field: [f"Unknown location {code}."]})
    return location


def location_for_stock_write(actor: Actor, code: str, *, field: str = "location") -> Location:
    """A location the actor may change stock at: 400 if unknown, 403 if it is another location's."""
    location = location_by_code(code, field=field)
    if not actor.can_act_at(location.pk):
        raise Forbidden(f"You may only change stock at your own location, not at {location.code}.")
    return location


def variant_by_sku(sku: str, *, field: str = "sku") -> Variant:
    variant = Variant.objects.filter(sku=sku).first()
    if variant is None:
        raise InvalidInput(f"No SKU {sku} in the catalog.", errors={field: [f"Unknown SKU {sku}."]})
    return variant


def variants_by_sku(skus: Sequence[str], *, prefix: str = "lines") -> list[Variant]:
    """The variants of these SKUs, in order, in one query; a 400 naming every unknown one
    (`lines.2.sku`)."""
    found = {v.sku: v for v in Variant.objects.filter(sku__in=set(skus))}
    unknown = {f"{prefix}.{i}.sku": [f"Unknown SKU {sku}."] for i, sku in enumerate(skus) if sku not in found}
    if unknown:
        missing = sorted({sku for sku in skus if sku not in found})
        raise InvalidInput(f"Not in the catalog: {', '.join(missing)}.", errors=unknown)
    return [found[sku] for sku in skus]


def _filter_location(actor: Actor, code: str | None) -> Location | bool | None:
    """A list's `?location=`: None when absent, False when unknown (an empty list), 403 when it is a
    location the actor may not see."""
    if not code:
        return None
    location = Location.objects.filter(code=code.strip().upper()).first()
    if location is None:
        return False
    if not actor.can_act_at(location.pk):
        raise Forbidden(f"You may only see the stock of your own location, not {location.code}'s.")
    return location


# --- Ledger and levels --------------------------------------------------------------------------------


def movement_list(
    *, actor: Actor, location: str | None = None, sku: str | None = None, kind: str | None = None
) -> QuerySet[StockMovement]:
    """The ledger, newest first, limited to the actor's locations."""
    qs = _scope(StockMovement.objects.select_related("location", "variant"), actor, "location_id")
    chosen = _filter_location(actor, location)
    if chosen is False:
        return qs.none()
    if chosen is not None:
        qs = qs.filter(location=chosen)
    if sku:
        qs = qs.filter(variant__sku=sku)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def movement_by_id(movement_id: int) -> StockMovement:
    return StockMovement.objects.select_related("location", "variant").get(pk=movement_id)


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
    qs = _scope(
        levels_with_available(StockLevel.objects.select_related("location", "variant")),
        actor,
        "location_id",
    )
    chosen = _filter_location(actor, location)
    if chosen is False:
        return qs.none()
    if chosen is not None:
        qs = qs.filter(location=chosen)
    if sku:
        qs = qs.filter(variant__sku=sku)
    if below_safety is not None:
        low = Q(on_hand__lt=F("reserved") + F("safety_stock") + F("reorder_point")) & (
            Q(safety_stock__gt=0) | Q(reorder_point__gt=0)
        )
        qs = qs.filter(low) if below_safety else qs.exclude(low)
    if out_of_stock is not None:
        qs = qs.filter(available_qty=0) if out_of_stock else qs.filter(available_qty__gt=0)
    return qs.order_by("location__code", "variant__sku")


def level_for(location_id: int, variant_id: int) -> StockLevel:
    return levels_with_available(
        StockLevel.objects.filter(location_id=location_id, variant_id=variant_id)
    ).get()


def open_alert_list(*, actor: Actor, location: str | None = None) -> QuerySet[LowStockAlert]:
    """Open low-stock alerts of the actor's locations, by location code then SKU."""
    qs = _scope(
        LowStockAlert.objects.filter(cleared_at__isnull=True).select_related("location", "variant"),
        actor,
        "location_id",
    )
    chosen = _filter_location(actor, location)
    if chosen is False:
        return qs.none()
    if chosen is not None:
        qs = qs.filter(location=chosen)
    return qs.order_by("location__code", "variant__sku")


# --- Transfers ----------------------------------------------------------------------------------------


def _transfers() -> QuerySet[Transfer]:
    return Transfer.objects.select_related("from_location", "to_location").prefetch_related(
        Prefetch("lines", queryset=TransferLine.objects.select_related("variant").order_by("id"))
    )


def transfer_list(
    *, actor: Actor, status: str | None = None, location: str | None = None
) -> QuerySet[Transfer]:
    """Transfers from or to the actor's locations, newest first. `location`: from or to that location
    (within what the actor sees)."""
    qs = _scope(_transfers(), actor, "from_location_id", "to_location_id")
    if status:
        qs = qs.filter(status=status)
    if location:
        code = location.strip().upper()
        qs = qs.filter(Q(from_location__code=code) | Q(to_location__code=code))
    return qs.order_by("-created_at", "-id")


def transfer_for_actor(actor: Actor, transfer_id: int) -> Transfer:
    """A transfer the actor may see (from or to one of its locations); another location's is a 404."""
    transfer = (
        _scope(_transfers(), actor, "from_location_id", "to_location_id").filter(pk=transfer_id).first()
    )
    if transfer is None:
        raise NotFound("No transfer with this id.")
    return transfer


# --- Counts -------------------------------------------------------------------------------------------


def category_by_slug_or_name(value: str, *, field: str = "category") -> Category:
    category = Category.objects.filter(Q(slug=value) | Q(name__iexact=value)).first()
    if category is None:
        raise InvalidInput(f"No category {value}.", errors={field: [f"Unknown category {value}."]})
    return category


def _counts() -> QuerySet[StockCount]:
    return StockCount.objects.select_related("location", "category").annotate(
        lines_total=Count("lines"), lines_counted=Count("lines", filter=Q(lines__counted__isnull=False))
    )


def count_list(
    *, actor: Actor, status: str | None = None, location: str | None = None
) -> QuerySet[StockCount]:
    """Stock counts of the actor's locations, newest first, with how many lines are counted."""
    qs = _scope(_counts(), actor, "location_id")
    chosen = _filter_location(actor, location)
    if chosen is False:
        return qs.none()
    if chosen is not None:
        qs = qs.filter(location=chosen)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def count_for_actor(actor: Actor, count_id: int) -> StockCount:
    """A count at one of the actor's locations, with its lines; another location's is a 404."""
    count = (
        _scope(_counts(), actor, "location_id")
        .prefetch_related(
            Prefetch("lines", queryset=StockCountLine.objects.select_related("variant").order_by("id"))
        )
        .filter(pk=count_id)
        .first()
    )
    if count is None:
        raise NotFound("No stock count with this id.")
    return count


def count_line(count_id: int, variant_id: int) -> StockCountLine:
    return StockCountLine.objects.select_related("variant").get(count_id=count_id, variant_id=variant_id)
