"""Damage recorded offline, synced: a `damage` movement (reason damaged in store) of the units, after any
shortfall is covered (offline.services.stock), so the ledger records what left the shelf."""

from __future__ import annotations

from typing import Any

from inventory.models import AdjustmentReason, MovementKind
from inventory.selectors import variants_for_sale
from inventory.services import record_movement
from offline.exceptions import ActionRefused
from offline.models import OfflineAction
from offline.services.stock import cover_shortfalls, shortfall_body
from omni.actors import Actor
from stores.models import Location


def apply_damage(
    *, actor: Actor, action: OfflineAction, location: Location, payload: dict[str, Any]
) -> dict[str, Any]:
    sku, quantity = payload["sku"], int(payload["quantity"])
    variant = variants_for_sale({sku}).get(sku)
    if variant is None:
        raise ActionRefused(
            f"Not in the catalog: {sku}.", reason="unknown_codes", params={"codes": sku}, field="payload.sku"
        )
    shortfalls = cover_shortfalls(actor=actor, action=action, location=location, taken={variant: quantity})
    movement, level = record_movement(
        actor=actor,
        location_id=location.pk,
        variant_id=variant.pk,
        kind=MovementKind.DAMAGE,
        quantity=quantity,
        reason=AdjustmentReason.DAMAGED_IN_STORE,
        note=str(payload.get("note") or "")[:500],
        reference=f"offline:{action.pk}",
    )
    return {
        "movement": movement.pk,
        "sku": sku,
        "quantity": quantity,
        "on_hand_after": level.on_hand,
        "shortfalls": shortfall_body(shortfalls),
    }
