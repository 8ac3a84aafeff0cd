"""Throttles against guessing, counted in the database (so every server process shares them, without Redis):
failed passwords at the staff login (per account and per IP address) and pickup codes that matched nothing at
a pickup desk (per desk user and location). A policy allows `limit` failures within `window`; the failure
that reaches it locks the key for `cool_off`, and a locked key is refused before anything is tried (even the
right password or code). Nothing is extended while locked: a lock ends on its own after `cool_off`.

Written here rather than with django-axes: axes throttles the login only, with one failure limit for all its
lockout parameters (Omni wants 5 per account and 20 per IP), answers a locked login with a page of its own
rather than a message on Omni's form, and could not serve the pickup desk's code searches, which need the
same counter keyed by user and location. This is one small table and three functions."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from omni.models import AttemptCounter

KEY_LENGTH = 255
PURGE_BATCH = 500


@dataclass(frozen=True)
class AttemptPolicy:
    scope: str  # what is guessed: "login-user", "login-ip", "pickup-desk"
    limit: int  # failures within `window` that lock the key
    window: timedelta
    cool_off: timedelta  # how long the key stays locked


def locked_until(
    checks: Iterable[tuple[AttemptPolicy, str]], *, now: datetime | None = None
) -> datetime | None:
    """The latest lock among these (policy, key) pairs, or None when none of them is locked now."""
    now = now or timezone.now()
    match = Q()
    for policy, key in checks:
        match |= Q(scope=policy.scope, key=key[:KEY_LENGTH])
    if not match:
        return None
    found: datetime | None = AttemptCounter.objects.filter(match, locked_until__gt=now).aggregate(
        until=Max("locked_until")
    )["until"]
    return found


def minutes_left(until: datetime, *, now: datetime | None = None) -> int:
    """Whole minutes (at least 1) until `until`, for a message."""
    seconds = (until - (now or timezone.now())).total_seconds()
    return max(math.ceil(seconds / 60), 1)


@transaction.atomic
def record_failure(*, policy: AttemptPolicy, key: str, now: datetime | None = None) -> AttemptCounter:
    """Count one failure for `key`; the one that reaches `policy.limit` within the window locks the key for
    `policy.cool_off` (the returned counter's `locked_until`). The counter's row is locked while counting,
    so failures at the same moment are all counted."""
    now = now or timezone.now()
    _purge_stale(policy, now)
    counter, _created = AttemptCounter.objects.select_for_update().get_or_create(
        scope=policy.scope, key=key[:KEY_LENGTH], defaults={"window_started_at": now}
    )
    window_over = counter.window_started_at <= now - policy.window
    lock_over = counter.locked_until is not None and counter.locked_until <= now
    if window_over or lock_over:
        counter.failures, counter.window_started_at, counter.locked_until = 0, now, None
    counter.failures = counter.failures + 1  # the row is locked: no lost update
    if counter.failures >= policy.limit and counter.locked_until is None:
        counter.locked_until = now + policy.cool_off
    counter.save(update_fields=["failures", "window_started_at", "locked_until"])
    return counter


def clear_failures(*, policy: AttemptPolicy, key: str) -> None:
    """Forget the failures of `key` (a successful login clears its account's count)."""
    AttemptCounter.objects.filter(scope=policy.scope, key=key[:KEY_LENGTH]).delete()


def _purge_stale(policy: AttemptPolicy, now: datetime) -> None:
    """Delete counters of this scope whose window and lock are long over (so that guessed usernames and
    passing IP addresses do not pile up). SKIP LOCKED: never waits for a counter being counted elsewhere."""
    horizon = now - policy.window - policy.cool_off
    stale = list(
        AttemptCounter.objects.select_for_update(skip_locked=True)
        .filter(scope=policy.scope, window_started_at__lt=horizon)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .values_list("pk", flat=True)[:PURGE_BATCH]
    )
    if stale:
        AttemptCounter.objects.filter(pk__in=stale).delete()
