"""Objects just written, attached to their parent as prefetch_related would attach them, so that answering
the caller reads nothing back."""

from __future__ import annotations

from typing import Any


def attach_prefetched(instance: Any, name: str, objects: list[Any]) -> None:
    """Give `instance.<name>.all()` these objects, as prefetch_related would, without a query."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset
