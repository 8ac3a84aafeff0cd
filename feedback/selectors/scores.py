"""The scores of a set of responses, and who may read which.

`summary` counts everything it needs in ONE SQL aggregate (COUNT ... FILTER (WHERE ...) per bucket) and
turns the counts into figures with feedback.scores (the one copy of each formula): a figure with no
responses is None. `responses_for(actor)` is the one permission-checked way to the responses: HQ
(integration, HQ staff) every response, a store (client or staff) those about its own locations, nobody
else any."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from feedback import scores
from feedback.models import Response
from omni.actors import Actor
from omni.models import ApiRole
from stores.models import Location

PROMOTERS = Q(nps__gte=scores.PROMOTER_MIN)
DETRACTORS = Q(nps__lte=scores.DETRACTOR_MAX)
PASSIVES = Q(nps__gt=scores.DETRACTOR_MAX, nps__lt=scores.PROMOTER_MIN)
SATISFIED = Q(csat__gte=scores.CSAT_SATISFIED_MIN)


def responses_for(actor: Actor) -> QuerySet[Response]:
    """The responses this actor may read the scores of (see the module)."""
    qs = Response.objects.all()
    if actor.location_ids is None:
        return qs if actor.role == ApiRole.INTEGRATION else qs.none()
    if actor.role != ApiRole.STORE:
        return qs.none()
    return qs.filter(location_id__in=actor.location_ids)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in Omni's time zone (TIME_ZONE)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_responses(
    qs: QuerySet[Response],
    *,
    touchpoint: str = "",
    location: Location | int | None = None,
    channel: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[Response]:
    """Narrow `qs`: a touchpoint, a store (a Location or its id), a sales channel, and the days (in Omni's
    time zone) from `since` to `until`, both included. Bounds on created_at itself, so its index serves."""
    if touchpoint:
        qs = qs.filter(touchpoint=touchpoint)
    if location is not None:
        qs = qs.filter(location_id=location.pk if isinstance(location, Location) else location)
    if channel:
        qs = qs.filter(channel=channel)
    if since is not None:
        qs = qs.filter(created_at__gte=day_start(since))
    if until is not None:
        qs = qs.filter(created_at__lt=day_start(until + dt.timedelta(days=1)))
    return qs


def counts(qs: QuerySet[Response]) -> dict[str, int]:
    """Every count the figures need, in one query (None sums read as 0)."""
    row = qs.order_by().aggregate(
        responses=Count("id"),
        promoters=Count("id", filter=PROMOTERS),
        passives=Count("id", filter=PASSIVES),
        detractors=Count("id", filter=DETRACTORS),
        csat_responses=Count("csat"),
        csat_satisfied=Count("id", filter=SATISFIED),
        ces_responses=Count("ces"),
        ces_total=Sum("ces"),
        ces_squares=Sum(F("ces") * F("ces")),
    )
    return {key: int(value or 0) for key, value in row.items()}


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def figures(c: Mapping[str, int]) -> dict[str, Any]:
    """The contract's summary from the counts: figures as numbers (one decimal; CES two), None without
    responses."""
    return {
        "responses": c["responses"],
        "nps": {
            "score": _number(scores.nps(c["promoters"], c["passives"], c["detractors"])),
            "promoters": c["promoters"],
            "passives": c["passives"],
            "detractors": c["detractors"],
            "responses": c["promoters"] + c["passives"] + c["detractors"],
        },
        "csat": {
            "score": _number(scores.csat(c["csat_satisfied"], c["csat_responses"])),
            "responses": c["csat_responses"],
        },
        "ces": {
            "score": _number(scores.ces(c["ces_total"], c["ces_responses"])),
            "responses": c["ces_responses"],
        },
    }


def margins(c: Mapping[str, int]) -> dict[str, float | None]:
    """The 95% margins of error of the three figures (None under two answers), from the same counts."""
    return {
        "nps": _number(scores.nps_margin(c["promoters"], c["passives"], c["detractors"])),
        "csat": _number(scores.csat_margin(c["csat_satisfied"], c["csat_responses"])),
        "ces": _number(scores.ces_margin(c["ces_total"], c["ces_squares"], c["ces_responses"])),
    }


def summary(source: QuerySet[Response] | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """{responses, nps: {score, promoters, passives, detractors, responses}, csat: {score, responses}, ces:
    {score, responses}} of a queryset of responses, or of every response narrowed by filter_responses'
    keywords (a mapping); one SQL query."""
    if source is None or isinstance(source, Mapping):
        qs = filter_responses(Response.objects.all(), **dict(source or {}))
    else:
        qs = source
    return figures(counts(qs))
