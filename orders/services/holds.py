"""Where a new order's units are held: the plan (the pickup store, else the sourcing strategy over the
locations that ship) and holding it, all or nothing (inventory reservations, or for a pickup with transfer
one inventory transfer per source). Reading availability for the plan is only a plan: reserve_stock re-checks
everything under row locks, and placement plans again when someone took the units in between."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel, Transfer
from inventory.selectors import AVAILABLE
from inventory.services import (
    StockLine,
    TransferLineInput,
    lock_levels,
    request_transfer,
    reserve_in_transaction,
    reserve_stock,
)
from omni.actors import Actor
from orders.models import FulfilmentType
from orders.services import sourcing
from orders.services.inputs import FulfilmentInput
from stores.models import Location


@dataclass
class Plan:
    allocations: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # variant -> [(loc, qty)]
    notes: list[str] = field(default_factory=list)


def _destination(address: dict[str, Any] | None) -> tuple[float, float] | None:
    if not address:
        return None
    lat, lng = address.get("latitude"), address.get("longitude")
    if lat is None or lng is None:
        return None
    return float(lat), float(lng)


def _available_at(location_id: int, variant_ids: set[int]) -> dict[int, int]:
    rows = (
        StockLevel.objects.filter(location_id=location_id, variant_id__in=variant_ids)
        .annotate(available_qty=AVAILABLE)
        .values_list("variant_id", "available_qty")
    )
    return dict(rows)


def _shortage(
    wanted: dict[int, int], short: dict[int, int], skus: dict[int, str], where: str
) -> InsufficientStock:
    return InsufficientStock(
        [
            {"sku": skus[v], "location": where, "requested": wanted[v], "available": wanted[v] - missing}
            for v, missing in sorted(short.items())
        ]
    )


def plan_holds(
    fulfilment: FulfilmentInput, location: Location | None, wanted: dict[int, int], skus: dict[int, str]
) -> Plan:
    """Where each line is to be held. Reading availability here is only a plan: reserve_stock re-checks
    everything under row locks."""
    if fulfilment.type == FulfilmentType.CARRY_OUT or (
        fulfilment.type == FulfilmentType.PICKUP and not fulfilment.allow_transfer
    ):
        assert location is not None
        return Plan({v: [(location.pk, q)] for v, q in wanted.items()})
    if fulfilment.type == FulfilmentType.PICKUP:
        # Hold what the pickup store has there; the rest at the nearest locations that ship, to be sent.
        assert location is not None
        here = _available_at(location.pk, set(wanted))
        plan = Plan()
        missing: dict[int, int] = {}
        for v, q in wanted.items():
            take = min(here.get(v, 0), q)
            if take:
                plan.allocations[v] = [(location.pk, take)]
            if q - take:
                missing[v] = q - take
        if missing:
            candidates = [c for c in sourcing.candidates_for(set(missing)) if c.location_id != location.pk]
            decision = sourcing.strategy()(
                missing, candidates, (float(location.latitude), float(location.longitude))
            )
            if decision.short:
                raise _shortage(wanted, decision.short, skus, location.code)
            for v, parts in decision.allocations.items():
                plan.allocations.setdefault(v, []).extend(parts)
            plan.notes.append(
                f"lines {location.code} lacks are {decision.explanation}, to be sent to the store"
            )
        return plan
    decision = sourcing.strategy()(
        wanted, sourcing.candidates_for(set(wanted)), _destination(fulfilment.address)
    )
    if decision.short:
        raise _shortage(wanted, decision.short, skus, "network")
    return Plan(decision.allocations, [decision.explanation])


def _transfer_actor(actor: Actor, *location_ids: int) -> Actor:
    """Who requests a ship-to-store transfer: the order's actor when it may act at either end, else Omni
    itself (an e-shop or a kiosk elsewhere placed the order; the order authorises the transfer)."""
    return actor if any(actor.can_act_at(loc) for loc in location_ids) else Actor.system()


def hold(
    actor: Actor,
    owner: str,
    number: str,
    plan: Plan,
    fulfilment: FulfilmentInput,
    location: Location | None,
    *,
    use_safety_stock: bool = False,
) -> dict[int, Transfer]:
    """Hold the plan, all or nothing. A pickup with transfer: what the store has is reserved for the order
    there; what comes from elsewhere is one inventory transfer per source, which holds the units at the
    source under the transfer (never twice). Returns the transfers by source location."""
    lines = [
        StockLine(location_id=loc, variant_id=v, quantity=q)
        for v, parts in plan.allocations.items()
        for loc, q in parts
    ]
    if not (fulfilment.type == FulfilmentType.PICKUP and fulfilment.allow_transfer):
        # writes nothing when it raises: no savepoint
        reserve_in_transaction(owner=owner, lines=lines, use_safety_stock=use_safety_stock)
        return {}
    assert location is not None
    here = [line for line in lines if line.location_id == location.pk]
    away: dict[int, list[TransferLineInput]] = {}
    for line in lines:
        if line.location_id != location.pk:
            away.setdefault(line.location_id, []).append(TransferLineInput(line.variant_id, line.quantity))
    if not away:
        reserve_stock(owner=owner, lines=here)
        return {}
    transfers: dict[int, Transfer] = {}
    with transaction.atomic():  # a failed attempt leaves no transfer behind
        # Every level this touches, locked at once in primary-key order: several holds never deadlock.
        lock_levels((line.location_id, line.variant_id) for line in lines)
        if here:
            reserve_stock(owner=owner, lines=here)
        for source_id in sorted(away):
            transfers[source_id] = request_transfer(
                actor=_transfer_actor(actor, source_id, location.pk),
                from_location_id=source_id,
                to_location_id=location.pk,
                lines=away[source_id],
                reference=number,
                note=f"Ship to store: order {number}, for pickup at {location.code}.",
            )
    return transfers


def plan_locations(plan: Plan) -> set[int]:
    return {loc for parts in plan.allocations.values() for loc, _ in parts}
