"""Promotions as pricing reads them: every active promotion not yet over, kept in this process's memory and
rebuilt when any promotion or customer segment changes (omni.cache_versions: orders' migrations 0006 and
0009 bump "promotions")."""

from __future__ import annotations

from django.utils import timezone

from omni.cache_versions import VersionedValue
from orders.models import Promotion


def _load() -> list[Promotion]:
    # with its segment (`segment_id` and the segment's rules), so pricing decides who gets a segment
    # promotion without reading promotions again; migration 0009 bumps "promotions" when a segment changes
    return list(
        Promotion.objects.filter(active=True, ends_at__gt=timezone.now())
        .select_related("segment")
        .order_by("pk")
    )


_running: VersionedValue[list[Promotion]] = VersionedValue(("promotions",), _load)


def active_promotions() -> list[Promotion]:
    """Active promotions that had not ended when the copy was built (the caller checks the time window and
    the channel at its own moment). Shared instances: read them, never save them."""
    return _running.get()


def promotions_by_id(ids: set[int]) -> dict[int, Promotion]:
    """Promotions by id (an order's lines name theirs): running ones from memory, the rest read."""
    if not ids:
        return {}
    running = {p.pk: p for p in _running.get() if p.pk in ids}
    missing = ids - running.keys()
    if missing:
        running.update(Promotion.objects.in_bulk(missing))
    return running
