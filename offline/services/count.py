"""Count scans made offline, synced: each scanned code (a SKU or a barcode, resolved as the counting screen
resolves a scan) adds its units to the open count the tablet chose, or to a new count started at the location
when it chose none (the tablet had no open count in its catalog). A count posted or cancelled meanwhile takes
no entries: the action is rejected and kept for a person."""

from __future__ import annotations

from typing import Any

from inventory.models import StockCount
from inventory.selectors import variant_by_code
from inventory.services import record_count_entry, start_count
from offline.exceptions import ActionRefused
from offline.models import OfflineAction
from omni.actors import Actor
from stores.models import Location


def apply_count(
    *, actor: Actor, action: OfflineAction, location: Location, payload: dict[str, Any]
) -> dict[str, Any]:
    units: dict[int, int] = {}
    skus: dict[int, str] = {}
    unknown: list[str] = []
    for scan in payload["scans"]:
        variant = variant_by_code(scan["code"])
        if variant is None:
            unknown.append(scan["code"])
            continue
        units[variant.pk] = units.get(variant.pk, 0) + int(scan["quantity"])
        skus[variant.pk] = variant.sku
    if unknown:
        codes = ", ".join(sorted(set(unknown)))
        raise ActionRefused(
            f"Not in the catalog: {codes}.",
            reason="unknown_codes",
            params={"codes": codes},
            field="payload.scans",
        )
    started = payload.get("count") is None
    if started:
        count = start_count(actor=actor, location_id=location.pk, blind=True)
    else:
        found = StockCount.objects.filter(pk=payload["count"], location=location).first()
        if found is None:
            raise ActionRefused(
                f"No stock count {payload['count']} at {location.code}.",
                reason="no_count",
                params={"count": str(payload["count"]), "location": location.code},
                field="payload.count",
            )
        count = found
    for variant_id in sorted(units):
        record_count_entry(
            actor=actor, count_id=count.pk, variant_id=variant_id, counted=units[variant_id], add=True
        )
    return {
        "count": count.pk,
        "number": count.number,
        "started": started,
        "entries": [{"sku": skus[v], "quantity": units[v]} for v in sorted(units, key=lambda v: skus[v])],
    }
