"""Transfers between locations: those an actor may see (from or to one of its locations), a transfer's
lines, what is in transit. `transfer_for_actor` is the one way pages and API reach a transfer by id."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from inventory.models import StockLevel, Transfer, TransferLine, TransferStatus
from inventory.selectors.locations import scoped_to_actor
from inventory.selectors.stock import levels_with_available
from omni.actors import Actor
from omni.exceptions import NotFound


def _transfers(*, with_lines: bool) -> QuerySet[Transfer]:
    qs = Transfer.objects.select_related("from_location", "to_location")
    if with_lines:
        qs = qs.prefetch_related(
            Prefetch("lines", queryset=TransferLine.objects.select_related("variant").order_by("id"))
        )
    return qs


def _at_location(qs: QuerySet[Transfer], location_id: int, direction: str | None) -> QuerySet[Transfer]:
    """A location's outgoing ("out"), incoming ("in") or both."""
    if direction == "out":
        return qs.filter(from_location_id=location_id)
    if direction == "in":
        return qs.filter(to_location_id=location_id)
    return qs.filter(Q(from_location_id=location_id) | Q(to_location_id=location_id))


def transfers_for_actor(
    actor: Actor,
    *,
    location_id: int | None = None,
    direction: str | None = None,
    location: str | None = None,
    status: str | None = None,
    with_lines: bool = False,
) -> QuerySet[Transfer]:
    """Transfers from or to the actor's locations, newest first. A page names its location by id (with a
    `direction`), the API by code (`location`: from or to it, within what the actor sees)."""
    qs = scoped_to_actor(_transfers(with_lines=with_lines), actor, "from_location_id", "to_location_id")
    if location_id is not None:
        qs = _at_location(qs, location_id, direction)
    if status:
        qs = qs.filter(status=status)
    if location:
        code = location.strip().upper()
        qs = qs.filter(Q(from_location__code=code) | Q(to_location__code=code))
    return qs.order_by("-created_at", "-id")


def transfer_for_actor(actor: Actor, transfer_id: int, *, with_lines: bool = False) -> Transfer:
    """A transfer the actor may see (from or to one of its locations); another location's is a 404."""
    qs = scoped_to_actor(_transfers(with_lines=with_lines), actor, "from_location_id", "to_location_id")
    transfer = qs.filter(pk=transfer_id).first()
    if transfer is None:
        raise NotFound("No transfer with this id.")
    return transfer


def transfer_by_id(transfer_id: int) -> Transfer | None:
    """Any location's transfer: for a write, where another location's transfer is a 403, not a 404."""
    return Transfer.objects.select_related("from_location", "to_location").filter(pk=transfer_id).first()


def transfer_lines(transfer: Transfer) -> QuerySet[TransferLine]:
    return transfer.lines.select_related("variant", "variant__product").order_by("id")


def incoming_transfers(location_id: int) -> QuerySet[Transfer]:
    return Transfer.objects.filter(to_location_id=location_id, status=TransferStatus.SHIPPED)


def available_at(location_id: int, variant_ids: Iterable[int]) -> dict[int, int]:
    """What a transfer from this location may still take of each SKU: on hand - reserved - safety stock,
    as reserving it counts (0 for a SKU the location has never held)."""
    ids = set(variant_ids)
    found = dict(
        levels_with_available(StockLevel.objects.filter(location_id=location_id, variant_id__in=ids))
        .values_list("variant_id", "available_qty")  # type: ignore[misc]  # levels_with_available's
        .order_by()
    )
    return {variant_id: found.get(variant_id, 0) for variant_id in ids}


def in_transit_to(location_id: int, variant_id: int) -> QuerySet[TransferLine]:
    """Lines of a SKU on transfers shipped to this location and not yet received, oldest shipped first."""
    return (
        TransferLine.objects.filter(
            transfer__to_location_id=location_id,
            transfer__status=TransferStatus.SHIPPED,
            variant_id=variant_id,
        )
        .select_related("transfer", "transfer__from_location")
        .order_by("transfer__shipped_at", "transfer_id")
    )
