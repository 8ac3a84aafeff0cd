from __future__ import annotations

from typing import Any, cast

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from omni.actors import Actor


class ClientRateThrottle(SimpleRateThrottle):
    """A rate per API client or staff user (OMNI_API_RATE, e.g. "6000/min"); per IP when unauthenticated.
    Counters live in the default cache: set OMNI_CACHE_URL to Redis so that every server process
    shares them."""

    scope = "client"

    def get_cache_key(self, request: Request, view: Any) -> str:
        actor = request.auth
        ident = actor.owner_key if isinstance(actor, Actor) else "ip:" + str(self.get_ident(request))
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def get_rate(self) -> str | None:
        # Read at call time (not import time) so that operators and tests can change it.
        from django.conf import settings

        rates = cast("dict[str, str | None]", settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
        return rates.get(self.scope)
