"""Every locking read of the inventory app, in one place (as Saleor's warehouse/lock_objects.py): rows are
locked in primary-key order (so two transactions never wait on each other in a circle) and only the rows
of the model itself (`of=("self",)`: never a related location a sale may be holding). The services call
these inside their transaction, then re-check what they read under the lock."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from inventory.models import (
    AdjustmentRequest,
    Product,
    Reservation,
    ReservationState,
    StockCount,
    StockCountLine,
    StockLevel,
    Transfer,
    TransferLine,
    Variant,
)

Pair = tuple[int, int]  # (location_id, variant_id)


def stock_levels(pairs: Iterable[Pair]) -> dict[Pair, StockLevel]:
    """Lock the rows of these (location, variant) pairs; missing pairs are absent."""
    pairs = set(pairs)
    if not pairs:
        return {}
    condition = Q()
    for loc, var in pairs:
        condition |= Q(location_id=loc, variant_id=var)
    rows = StockLevel.objects.filter(condition).order_by("pk").select_for_update(of=("self",))
    return {(row.location_id, row.variant_id): row for row in rows}


def active_reservations(
    owner: str, *, location_id: int | None = None, variant_id: int | None = None
) -> list[Reservation]:
    """An owner's active reservations (at one location and SKU when given), oldest first."""
    qs = Reservation.objects.filter(owner=owner, state=ReservationState.ACTIVE)
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    if variant_id is not None:
        qs = qs.filter(variant_id=variant_id)
    return list(qs.order_by("pk").select_for_update(of=("self",)))


def stock_count(count_id: int) -> StockCount:
    return StockCount.objects.order_by("pk").select_for_update(of=("self",)).get(pk=count_id)


def stock_count_lines(count: StockCount) -> list[StockCountLine]:
    return list(count.lines.order_by("pk").select_for_update(of=("self",)))


def stock_count_line_rows() -> QuerySet[StockCountLine]:
    """Count lines, to lock one with `get_or_create` (a SKU counted for the first time gets its line)."""
    return StockCountLine.objects.order_by("pk").select_for_update(of=("self",))


def transfer(transfer_id: int) -> Transfer:
    """The transfer row only, with its locations read alongside: locking the locations too would deadlock
    against a sale that holds a stock level and checks the location's foreign key."""
    return (
        Transfer.objects.order_by("pk")
        .select_for_update(of=("self",))
        .select_related("from_location", "to_location")
        .get(pk=transfer_id)
    )


def transfer_lines(transfer: Transfer) -> list[TransferLine]:
    return list(transfer.lines.order_by("pk").select_for_update(of=("self",)))


def product(product_id: int) -> Product | None:
    return Product.objects.filter(pk=product_id).order_by("pk").select_for_update(of=("self",)).first()


def variant_by_sku(sku: str) -> Variant | None:
    return Variant.objects.filter(sku=sku).order_by("pk").select_for_update(of=("self",)).first()


def adjustment_request(request_id: int) -> AdjustmentRequest | None:
    """An adjustment request, locked: two managers deciding at once are served one after the other."""
    return (
        AdjustmentRequest.objects.filter(pk=request_id)
        .order_by("pk")
        .select_for_update(of=("self",))
        .select_related("location", "variant")
        .first()
    )
