"""The API's rate limit: a fixed-window counter per API client or staff user (per IP when anonymous).

Written here rather than DRF's SimpleRateThrottle, which keeps a list of timestamps per client in the
cache and reads, trims and writes it back: two processes at once both read the old list (measured: 165
of 400 requests let through at 120/min with Redis), and each request costs more as the rate grows. A
fixed window is one atomic INCR (with its expiry, in one round trip on Redis), the same cost at any rate.

The limit protects Omni; it is not worth an outage. When the cache does not answer, requests are let
through (logged, and this process leaves the cache alone for a few seconds so a dead Redis costs no
time per request).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, cast

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from omni.actors import Actor

logger = logging.getLogger("omni.api")

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
CACHE_BACKOFF_SECONDS = 5.0
_breaker = threading.Lock()
_cache_down_until = 0.0  # time.monotonic() before which the cache is not asked


def parse_rate(rate: str) -> tuple[int, int]:
    """ "6000/min" -> (6000, 60): requests allowed per window, the window in seconds."""
    number, _, period = rate.partition("/")
    return int(number), PERIODS[period.strip()[:1].lower()]


def hit(key: str, *, window_seconds: int) -> int | None:
    """Count one request under `key` in the current window; the count so far, or None when the cache
    is unavailable (the caller lets the request through)."""
    global _cache_down_until
    if time.monotonic() < _cache_down_until:
        return None
    ttl = window_seconds + 1
    cache = caches["default"]  # the backend itself (django.core.cache.cache is a proxy to it)
    try:
        if isinstance(cache, RedisCache):
            # One round trip: INCR creates the key at 1, EXPIRE NX sets its lifetime only the first time.
            raw_key = cache.make_and_validate_key(key)
            client = cache._cache.get_client(raw_key, write=True)
            pipe = client.pipeline(transaction=True)
            pipe.incr(raw_key)
            pipe.expire(raw_key, ttl, nx=True)
            count, _ = pipe.execute()
            return int(count)
        if cache.add(key, 1, ttl):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr: this request opens the window again
            cache.add(key, 1, ttl)
            return 1
    except Exception as exc:  # noqa: BLE001 - any cache failure: fail open, never fail the request
        with _breaker:
            _cache_down_until = time.monotonic() + CACHE_BACKOFF_SECONDS
        logger.warning("Cache unavailable, rate limits not applied for %ss: %s", CACHE_BACKOFF_SECONDS, exc)
        return None


def reset_breaker() -> None:
    global _cache_down_until
    with _breaker:
        _cache_down_until = 0.0


class ClientRateThrottle(BaseThrottle):
    """A rate per API client or staff user (OMNI_API_RATE, e.g. "6000/min"); per IP when unauthenticated.
    Counters live in the default cache: set OMNI_CACHE_URL to Redis so that every server process
    shares them."""

    scope = "client"

    def __init__(self) -> None:
        self._wait: float | None = None

    def get_rate(self) -> str | None:
        # Read at call time (not import time) so that operators and tests can change it.
        from django.conf import settings

        rates = cast("dict[str, str | None]", settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
        return rates.get(self.scope)

    def allow_request(self, request: Request, view: Any) -> bool:
        rate = self.get_rate()
        if not rate:
            return True
        allowed, window = parse_rate(rate)
        actor = request.auth
        ident = actor.owner_key if isinstance(actor, Actor) else "ip:" + str(self.get_ident(request))
        now = time.time()
        index = int(now // window)
        count = hit(f"throttle:{self.scope}:{ident}:{window}:{index}", window_seconds=window)
        if count is None or count <= allowed:
            return True
        self._wait = (index + 1) * window - now
        return False

    def wait(self) -> float | None:
        return self._wait
