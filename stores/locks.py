"""Every locking read of the stores app, in one place (as inventory.locks and loyalty.locks): the row
itself only, in primary-key order."""

from __future__ import annotations

from stores.models import Location


def location_by_code(code: str) -> Location:
    return Location.objects.order_by("pk").select_for_update(of=("self",)).get(code=code)
