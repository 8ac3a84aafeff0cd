"""Every locking read of the offline app (as inventory/locks.py)."""

from __future__ import annotations

from offline.models import Shortfall


def shortfall(shortfall_id: int) -> Shortfall | None:
    """A shortfall, locked: two managers marking it reviewed at once are served one after the other."""
    return (
        Shortfall.objects.filter(pk=shortfall_id)
        .order_by("pk")
        .select_for_update(of=("self",))
        .select_related("variant", "location")
        .first()
    )
