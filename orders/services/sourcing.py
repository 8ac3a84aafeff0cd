"""Where a delivery's units come from. The strategy is pluggable (settings.OMNI_SOURCING_STRATEGY, a dotted
path to a callable with the signature of `default_strategy`); each decision comes with a sentence for the
order's timeline.

The default strategy: one location that has every line (nearest to the delivery address when it has
coordinates, else the one with the most units available); otherwise as few locations as it must (each
round takes the location that covers the most of what is left, nearest or best stocked first)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from inventory.selectors import shipping_availability
from stores.geo import distance_km


@dataclass(frozen=True)
class Candidate:
    location_id: int
    code: str
    latitude: float
    longitude: float
    available: dict[int, int]  # variant_id -> units available


@dataclass
class SourcingDecision:
    allocations: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # variant -> [(loc, qty)]
    explanation: str = ""
    short: dict[int, int] = field(default_factory=dict)  # variant -> units nobody has

    @property
    def location_ids(self) -> set[int]:
        return {loc for parts in self.allocations.values() for loc, _ in parts}


Strategy = Callable[[Mapping[int, int], list[Candidate], "tuple[float, float] | None"], SourcingDecision]


def candidates_for(variant_ids: set[int]) -> list[Candidate]:
    """Every active location that ships, with what it has available of these SKUs: one query."""
    rows = shipping_availability(variant_ids)
    by_location: dict[int, Candidate] = {}
    for loc, code, lat, lng, variant_id, available in rows:
        if loc not in by_location:
            by_location[loc] = Candidate(loc, code, float(lat), float(lng), {})
        by_location[loc].available[variant_id] = available
    return sorted(by_location.values(), key=lambda c: c.code)


def default_strategy(
    wanted: Mapping[int, int], candidates: list[Candidate], destination: tuple[float, float] | None
) -> SourcingDecision:
    def rank(c: Candidate) -> tuple:
        if destination is not None:
            return (distance_km(destination, (c.latitude, c.longitude)), c.code)
        return (-sum(c.available.get(v, 0) for v in wanted), c.code)

    n = len(wanted)
    whole = [c for c in candidates if all(c.available.get(v, 0) >= q for v, q in wanted.items())]
    if whole:
        best = min(whole, key=rank)
        why = (
            f"the nearest of {len(whole)} locations with all {n} lines"
            if destination is not None and len(whole) > 1
            else f"the only location with all {n} lines"
            if len(whole) == 1
            else f"the best stocked of {len(whole)} locations with all {n} lines"
        )
        return SourcingDecision(
            allocations={v: [(best.location_id, q)] for v, q in wanted.items()},
            explanation=f"sourced from {best.code}: {why}",
        )

    left = dict(wanted)
    decision = SourcingDecision()
    used: list[str] = []
    pool = list(candidates)
    while left and pool:

        def cover(c: Candidate) -> int:
            return sum(min(c.available.get(v, 0), q) for v, q in left.items())

        best = min(pool, key=lambda c: (-cover(c), rank(c)))
        if cover(best) == 0:
            break
        pool.remove(best)
        used.append(best.code)
        for v, q in list(left.items()):
            take = min(best.available.get(v, 0), q)
            if take:
                decision.allocations.setdefault(v, []).append((best.location_id, take))
                left[v] -= take
                if left[v] == 0:
                    del left[v]
    decision.short = left
    decision.explanation = (
        f"split across {len(used)} locations ({', '.join(used)}): no single location has all {n} lines"
    )
    return decision


def strategy() -> Strategy:
    path = getattr(settings, "OMNI_SOURCING_STRATEGY", "")
    return import_string(path) if path else default_strategy
