"""Reads of the staff stock pages: what an actor may see of counts and transfers, a SKU by code or scan,
and a count's lines with the figures its review needs. Import from this module (not the package)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery

from inventory.models import StockCount, StockCountLine, StockLevel, Transfer, Variant
from inventory.selectors.catalog import normalise_query, scanned_gtin14, variant_by_gtin, variant_list
from omni.actors import Actor


def variant_by_code(code: str | None) -> Variant | None:
    """The SKU a person typed or scanned: a valid GTIN by its barcode, else the SKU exactly (any case)."""
    code = normalise_query(code)
    if not code:
        return None
    if scanned_gtin14(code):
        found = variant_by_gtin(code)
        if found is not None:
            return found
    return variant_list().filter(Q(sku=code) | Q(sku=code.upper())).order_by("sku").first()


def visible_locations(actor: Actor):  # type: ignore[no-untyped-def]
    """The active locations an actor may act at (every one for HQ), by code."""
    from stores.models import Location

    qs = Location.objects.filter(active=True).order_by("code")
    if actor.location_ids is not None:
        qs = qs.filter(pk__in=actor.location_ids)
    return qs


def network_locations():  # type: ignore[no-untyped-def]
    """Every active location (a transfer may be requested from any of them)."""
    from stores.models import Location

    return Location.objects.filter(active=True).order_by("code")


# --- counts ------------------------------------------------------------------------------------------


def counts_for(actor: Actor, *, location_id: int | None = None) -> QuerySet[StockCount]:
    qs = StockCount.objects.select_related("location", "category").order_by("-created_at", "-id")
    if actor.location_ids is not None:
        qs = qs.filter(location_id__in=actor.location_ids)
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    return qs


def count_for(actor: Actor, count_id: int) -> StockCount | None:
    return counts_for(actor).filter(pk=count_id).first()


def count_lines(count: StockCount, *, counted_only: bool = False) -> QuerySet[StockCountLine]:
    """The count's lines with the SKU, and `on_hand_now`: the location's on-hand figure at this moment
    (what moved since the entry is `on_hand_now - on_hand_at_count`)."""
    on_hand_now = StockLevel.objects.filter(location_id=count.location_id, variant_id=OuterRef("variant_id"))
    qs = (
        count.lines.select_related("variant", "variant__product")
        .annotate(on_hand_now=Subquery(on_hand_now.values("on_hand")[:1], output_field=IntegerField()))
        .order_by("variant__sku")
    )
    if counted_only:
        qs = qs.filter(counted__isnull=False)
    return qs


@dataclass(frozen=True)
class CountReviewRow:
    """A counted SKU: `expected` is the on-hand figure when it was counted, `moved_since` what sold or
    arrived after that, `variance` counted - expected (once posted: the variance the posting recorded)."""

    line: StockCountLine
    counted: int
    expected: int
    moved_since: int
    on_hand_now: int
    variance: int


def count_review_rows(count: StockCount) -> list[CountReviewRow]:
    rows = []
    for line in count_lines(count, counted_only=True):
        counted = line.counted or 0
        expected = line.on_hand_at_count or 0
        now = getattr(line, "on_hand_now", None) or 0
        variance = line.variance if line.variance is not None else counted - expected
        rows.append(CountReviewRow(line, counted, expected, now - expected, now, variance))
    return rows


# --- transfers ---------------------------------------------------------------------------------------


def transfers_for(
    actor: Actor, *, location_id: int | None = None, direction: str | None = None
) -> QuerySet[Transfer]:
    """Transfers from or to the actor's locations; with a location, its outgoing ("out"), incoming ("in")
    or both."""
    qs = Transfer.objects.select_related("from_location", "to_location").order_by("-created_at", "-id")
    if actor.location_ids is not None:
        ids = actor.location_ids
        qs = qs.filter(Q(from_location_id__in=ids) | Q(to_location_id__in=ids))
    if location_id is not None:
        if direction == "out":
            qs = qs.filter(from_location_id=location_id)
        elif direction == "in":
            qs = qs.filter(to_location_id=location_id)
        else:
            qs = qs.filter(Q(from_location_id=location_id) | Q(to_location_id=location_id))
    return qs


def transfer_for(actor: Actor, transfer_id: int) -> Transfer | None:
    return transfers_for(actor).filter(pk=transfer_id).first()


def transfer_lines(transfer: Transfer):  # type: ignore[no-untyped-def]
    return transfer.lines.select_related("variant", "variant__product").order_by("id")
