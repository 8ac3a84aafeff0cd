"""A customer's segments, without importing orders: segments are defined and evaluated by the orders app
(their rules read orders), which registers the answer once, in its AppConfig.ready
(orders/loyalty_facts.py), as it registers loyalty's order facts (loyalty.order_facts).

- `segments_of(customer)`: the codes of the active segments the customer belongs to now, sorted (a
  member's detail in the API, the staff customer page). Empty when no app registered an answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SegmentsOf = Callable[[Any], list[str]]

_registered: list[SegmentsOf] = []


def register_segments_of(provider: SegmentsOf) -> SegmentsOf:
    """Called once, by the orders app; a second registration replaces the first."""
    _registered[:] = [provider]
    return provider


def segments_of(customer: Any) -> list[str]:
    """The codes of the segments this loyalty customer belongs to now (one query)."""
    if not _registered or customer is None:
        return []
    return _registered[0](customer)
