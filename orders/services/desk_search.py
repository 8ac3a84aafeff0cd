"""The pickup desk's search, throttled where it tries a pickup code.

A six-digit query is also tried as the pickup code of a ready order at the desk's location. Unthrottled, that
would be a way around the per-order lockout of wrong codes (orders.services.pickup.collect): one search tries
one code against every ready order at once and costs no attempt. So a code query that finds no ready order
by its code counts as a miss for the desk user at that location (omni.attempts, scope "pickup-desk"); after
OMNI_PICKUP_DESK_MAX_CODE_MISSES misses within OMNI_PICKUP_DESK_CODE_WINDOW, code queries stop trying codes
for OMNI_PICKUP_DESK_CODE_COOL_OFF (the rest of the search goes on: name, email, the order number).

A six-digit query that finds an order by its number's digits but no order by code still counts: otherwise
every order number at the store would be a free code to try. A ready order found by its code opens its
handover (the caller keeps the code for it); a locked order is never found by its code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from omni import attempts
from omni.actors import Actor
from omni.services import record_audit
from orders.models import Order
from orders.selectors import looks_like_pickup_code, pickup_search

__all__ = ["DeskSearch", "desk_code_policy", "desk_search"]


@dataclass(frozen=True)
class DeskSearch:
    results: list[Order] = field(default_factory=list)
    by_code: Order | None = None  # the one ready order the code opened
    code_tried: bool = False  # the query was tried as a pickup code
    paused_until: datetime | None = None  # code queries paused for this desk user at this location


def desk_code_policy() -> attempts.AttemptPolicy:
    return attempts.AttemptPolicy(
        "pickup-desk",
        settings.OMNI_PICKUP_DESK_MAX_CODE_MISSES,
        settings.OMNI_PICKUP_DESK_CODE_WINDOW,
        settings.OMNI_PICKUP_DESK_CODE_COOL_OFF,
    )


def desk_search(*, actor: Actor, location: Any, query: str) -> DeskSearch:
    """The desk's search at `location` (selectors.pickup_search), a code query counted as above."""
    if not looks_like_pickup_code(query):
        return DeskSearch(results=list(pickup_search(actor, location, query)))
    policy = desk_code_policy()
    key = f"{actor.owner_key}@{location.pk}"
    paused_until = attempts.locked_until([(policy, key)])
    if paused_until is not None:
        return DeskSearch(
            results=list(pickup_search(actor, location, query, codes=False)), paused_until=paused_until
        )
    results = list(pickup_search(actor, location, query))
    by_code = [order for order in results if getattr(order, "by_code", False)]
    if by_code:
        return DeskSearch(results=by_code, by_code=by_code[0] if len(by_code) == 1 else None, code_tried=True)
    counter = attempts.record_failure(policy=policy, key=key)
    if counter.failures == policy.limit and counter.locked_until is not None:  # this miss paused them
        record_audit(
            action="pickup_desk.code_search_paused",
            actor=actor,
            object_type="location",
            object_id=location.pk,
            data={"misses": counter.failures, "until": counter.locked_until.isoformat()},
        )
    return DeskSearch(results=results, code_tried=True, paused_until=counter.locked_until)
