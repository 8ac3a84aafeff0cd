"""Stock counts (stocktakes). Trading goes on while staff count: each counted entry keeps the on-hand figure
of that moment, and posting records, per line, `counted - on_hand_at_count` as a `count` movement against the
current level. So a unit sold between the count and the posting is neither lost nor counted twice."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from inventory import locks
from inventory.models import CountStatus, MovementKind, StockCount, StockCountLine, StockLevel, StockMovement
from inventory.services.numbers import next_number
from inventory.services.stock import (
    _actor_fields,
    _apply_level_changes,
    _queue_low_stock_check,
    ensure_levels,
    lock_levels,
)
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput, InvalidTransition


def _lock(count_id: int) -> StockCount:
    return locks.stock_count(count_id)


def _count_words(count: StockCount) -> dict[str, str]:
    """A count's number and status as a person reads them (the status's label, not its code)."""
    return {"number": count.number, "status": str(count.get_status_display()).lower()}  # type: ignore[attr-defined]


@transaction.atomic
def start_count(
    *, actor: Actor, location_id: int, category_id: int | None = None, blind: bool = True
) -> StockCount:
    """Open a count of a location (or one category there), listing every SKU the location stocks."""
    if not actor.can_act_at(location_id):
        raise Forbidden("You may only count stock at your own location.")
    count = StockCount.objects.create(
        number=next_number("C"),
        location_id=location_id,
        category_id=category_id,
        blind=blind,
        created_by=actor.label[:150],
    )
    levels = StockLevel.objects.filter(location_id=location_id)
    if category_id is not None:
        levels = levels.filter(variant__product__category_id=category_id)
    StockCountLine.objects.bulk_create(
        [
            StockCountLine(count=count, variant_id=v)
            for v in levels.values_list("variant_id", flat=True).order_by("variant_id")
        ],
        batch_size=5000,
    )
    return count


@transaction.atomic
def record_count_entry(
    *, actor: Actor, count_id: int, variant_id: int, counted: int, add: bool = False
) -> StockCountLine:
    """Enter (or, with add=True, add to) the counted quantity of a SKU; a SKU not on the list is added
    (found on the shelf). The on-hand figure at this moment is kept for the variance."""
    count = _lock(count_id)
    if not actor.can_act_at(count.location_id):
        raise Forbidden("You may only count stock at your own location.")
    if count.status != CountStatus.OPEN:
        raise InvalidTransition(
            gettext("Count %(number)s is %(status)s: it no longer takes entries.") % _count_words(count)
        )
    if counted < 0:
        raise InvalidInput("A counted quantity is 0 or more.", errors={"counted": ["Must be >= 0."]})
    if count.category_id is not None:
        from inventory.models import Variant

        if not Variant.objects.filter(pk=variant_id, product__category_id=count.category_id).exists():
            raise InvalidInput(
                "That SKU is not in the category being counted.", errors={"sku": ["Other category."]}
            )
    ensure_levels([(count.location_id, variant_id)])
    level = lock_levels([(count.location_id, variant_id)])[(count.location_id, variant_id)]
    line, _ = locks.stock_count_line_rows().get_or_create(count=count, variant_id=variant_id)
    line.counted = (line.counted or 0) + counted if add else counted
    line.on_hand_at_count = level.on_hand
    line.counted_at = timezone.now()
    line.counted_by = actor.label[:150]
    line.save(update_fields=["counted", "on_hand_at_count", "counted_at", "counted_by"])
    return line


@transaction.atomic
def post_count(*, actor: Actor, count_id: int, uncounted_as_zero: bool = False) -> StockCount:
    """Post the variances as `count` movements. Lines never counted are skipped (or, with
    uncounted_as_zero, counted as 0 against the current figure)."""
    count = _lock(count_id)
    if not actor.can_act_at(count.location_id):
        raise Forbidden("You may only post counts of your own location.")
    if count.status != CountStatus.OPEN:
        raise InvalidTransition(
            gettext("Count %(number)s is %(status)s: only an open count is posted.") % _count_words(count)
        )
    lines = locks.stock_count_lines(count)
    levels = lock_levels((count.location_id, line.variant_id) for line in lines)
    now = timezone.now()
    changes: dict[int, tuple[int, int]] = {}
    movements = []
    for line in lines:
        level = levels.get((count.location_id, line.variant_id))
        if line.counted is None:
            if not uncounted_as_zero or level is None:
                continue
            line.counted, line.on_hand_at_count, line.counted_at = 0, level.on_hand, now
        # every line has a level: start_count lists existing levels, record_count_entry ensures one
        assert level is not None, f"no stock level for counted variant {line.variant_id}"
        variance = line.counted - (line.on_hand_at_count or 0)
        # what sold since cannot be undone: never below what is still reserved or below zero
        floor = -(level.on_hand - level.reserved)
        delta = max(variance, floor)
        line.variance = delta
        if delta == 0:
            continue
        changes[level.pk] = (delta, 0)
        movements.append(
            StockMovement(
                location_id=count.location_id,
                variant_id=line.variant_id,
                kind=MovementKind.COUNT,
                delta=delta,
                on_hand_after=level.on_hand + delta,
                reference=f"count:{count.number}",
                note=""
                if delta == variance
                else f"variance {variance} limited by stock sold or reserved since",
                note_code="" if delta == variance else "count_limited",
                note_params={} if delta == variance else {"variance": variance},
                created_at=now,
                **_actor_fields(actor),
            )
        )
    StockCountLine.objects.bulk_update(
        lines, ["counted", "on_hand_at_count", "counted_at", "variance"], batch_size=5000
    )
    _apply_level_changes(changes, now=now)
    StockMovement.objects.bulk_create(movements, batch_size=5000)
    _queue_low_stock_check(changes)
    count.status = CountStatus.POSTED
    count.posted_at = now
    count.posted_by = actor.label[:150]
    count.save(update_fields=["status", "posted_at", "posted_by"])
    return count


@transaction.atomic
def cancel_count(*, actor: Actor, count_id: int) -> StockCount:
    count = _lock(count_id)
    if not actor.can_act_at(count.location_id):
        raise Forbidden("You may only cancel counts of your own location.")
    if count.status != CountStatus.OPEN:
        raise InvalidTransition(
            gettext("Count %(number)s is %(status)s: only an open count is cancelled.") % _count_words(count)
        )
    count.status = CountStatus.CANCELLED
    count.save(update_fields=["status"])
    return count
