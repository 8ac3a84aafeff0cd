"""Stock counts (stocktakes): the counts an actor may see, a count's lines with the figures its review
needs. `count_for_actor` is the one way pages and API reach a count by id."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery

from inventory.models import StockCount, StockCountLine, StockLevel
from inventory.selectors.locations import filter_by_location, scoped_to_actor
from omni.actors import Actor
from omni.exceptions import NotFound


def _counts() -> QuerySet[StockCount]:
    return StockCount.objects.select_related("location", "category").annotate(
        lines_total=Count("lines"), lines_counted=Count("lines", filter=Q(lines__counted__isnull=False))
    )


def counts_for_actor(
    actor: Actor,
    *,
    location_id: int | None = None,
    location: str | None = None,
    status: str | None = None,
) -> QuerySet[StockCount]:
    """Stock counts of the actor's locations, newest first, with how many lines are counted. A page names
    its location by id (already checked), the API by code (`?location=`: 403 if another location's)."""
    qs = scoped_to_actor(_counts(), actor, "location_id")
    qs = filter_by_location(qs, actor, location)
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def count_for_actor(actor: Actor, count_id: int, *, with_lines: bool = False) -> StockCount:
    """A count at one of the actor's locations (with its lines loaded for `with_lines`); another
    location's is a 404."""
    qs = scoped_to_actor(_counts(), actor, "location_id")
    if with_lines:
        qs = qs.prefetch_related(
            Prefetch("lines", queryset=StockCountLine.objects.select_related("variant").order_by("id"))
        )
    count = qs.filter(pk=count_id).first()
    if count is None:
        raise NotFound("No stock count with this id.")
    return count


def count_by_id(count_id: int) -> StockCount | None:
    """Any location's count: for a write, where another location's count is a 403, not a 404."""
    return StockCount.objects.select_related("location", "category").filter(pk=count_id).first()


def count_line(count_id: int, variant_id: int) -> StockCountLine:
    return StockCountLine.objects.select_related("variant").get(count_id=count_id, variant_id=variant_id)


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
