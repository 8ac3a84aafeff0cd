"""The shortfall rule of every offline action that takes units out (a sale, damage): the units were taken out
in the shop while the tablet was offline, so they are recorded whatever the ledger says. When the location has
fewer units available (on hand less reserved) than the action took, the missing units are first recorded as a
`found` adjustment flagged for a manager (a Shortfall row), then the action takes them: the ledger stays the
sum of its movements, on hand never goes below zero, and the discrepancy is visible instead of lost."""

from __future__ import annotations

from inventory.models import AdjustmentReason, MovementKind, Variant
from inventory.services import ensure_levels, lock_levels, record_movement
from offline.models import OfflineAction, Shortfall
from omni.actors import Actor
from stores.models import Location

NOTE_CODE = "tablet_shortfall"  # a ledger note code (inventory.selectors.ledger)


def cover_shortfalls(
    *, actor: Actor, action: OfflineAction, location: Location, taken: dict[Variant, int]
) -> list[Shortfall]:
    """Lock the location's levels of these variants (primary-key order) and, for each one short of what was
    taken, record the `found` adjustment of the difference and its Shortfall. Inside the caller's
    transaction: the levels stay locked until the action has taken its units."""
    pairs = [(location.pk, variant.pk) for variant in taken]
    ensure_levels(pairs)
    levels = lock_levels(pairs)
    shortfalls: list[Shortfall] = []
    for variant in sorted(taken, key=lambda v: v.pk):
        level = levels[(location.pk, variant.pk)]
        short = taken[variant] - max(level.on_hand - level.reserved, 0)
        if short <= 0:
            continue
        movement, _level = record_movement(
            actor=actor,
            location_id=location.pk,
            variant_id=variant.pk,
            kind=MovementKind.ADJUSTMENT,
            quantity=short,
            reason=AdjustmentReason.FOUND,
            note=f"Synced from a store tablet: {short} x {variant.sku} taken out offline beyond the stock "
            "available, recorded as found for a manager to review.",
            reference=f"offline:{action.pk}",
            note_code=NOTE_CODE,
            note_params={"units": short, "sku": variant.sku},
        )
        shortfalls.append(
            Shortfall(action=action, location=location, variant=variant, quantity=short, movement=movement)
        )
    Shortfall.objects.bulk_create(shortfalls)
    return shortfalls


def shortfall_body(shortfalls: list[Shortfall]) -> list[dict[str, object]]:
    return [{"sku": s.variant.sku, "quantity": s.quantity} for s in shortfalls]
