"""Reads of locations: the back-office directory, a location's page, the API's list, and the great-circle
distance computed in SQL."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, F, FloatField, Prefetch, Q, QuerySet, Value
from django.db.models.functions import ACos, Cos, Greatest, Least, Radians, Round, Sin

from stores.geo import EARTH_RADIUS_KM
from stores.models import Location, OpeningHours

if TYPE_CHECKING:
    from omni.models import User


def distance_km_expression(  # type: ignore[no-untyped-def]
    latitude: float | Decimal, longitude: float | Decimal, prefix: str = ""
):
    """Great-circle distance from a point to each location, computed by PostgreSQL (spherical law of
    cosines, clamped to [-1, 1] against rounding). `prefix` reaches a related location ("location__")."""
    lat = Value(float(latitude), output_field=FloatField())
    lng = Value(float(longitude), output_field=FloatField())
    loc_lat = Radians(F(f"{prefix}latitude"), output_field=FloatField())
    loc_lng = Radians(F(f"{prefix}longitude"), output_field=FloatField())
    cosine = Sin(Radians(lat)) * Sin(loc_lat) + Cos(Radians(lat)) * Cos(loc_lat) * Cos(loc_lng - Radians(lng))
    clamped = Greatest(
        Value(-1.0), Least(Value(1.0), cosine, output_field=FloatField()), output_field=FloatField()
    )
    return Round(ACos(clamped) * Value(EARTH_RADIUS_KM), 2, output_field=FloatField())


def with_distance(
    qs: QuerySet[Location], latitude: float | Decimal, longitude: float | Decimal
) -> QuerySet[Location]:
    """Annotate `distance_km` and order nearest first, in the same query."""
    return qs.annotate(distance_km=distance_km_expression(latitude, longitude)).order_by(
        "distance_km", "code"
    )


def location_directory(
    *,
    user: User,
    query: str = "",
    kind: str = "",
    capability: str = "",
    near: tuple[float | Decimal, float | Decimal] | None = None,
) -> QuerySet[Location]:
    """The back-office's list of locations: every active location (staff look up other stores to send
    customers there), filtered, nearest first when `near` is given. One query."""
    qs = Location.objects.filter(active=True).annotate(staff_count=Count("staff_memberships"))
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(city__icontains=query) | Q(code__icontains=query))
    if kind:
        qs = qs.filter(kind=kind)
    if capability in CAPABILITIES:
        qs = qs.filter(**{capability: True})
    if near is not None:
        return with_distance(qs, near[0], near[1])
    return qs.order_by("kind", "city", "code")


CAPABILITIES = ("click_and_collect", "ships", "accepts_returns")


def location_for_page(code: str) -> Location | None:
    return Location.objects.filter(code=code).prefetch_related("opening_hours").first()


def locations_with_hours() -> QuerySet[Location]:
    """Active locations with their opening hours (by weekday, then time) loaded in one more query."""
    return Location.objects.filter(active=True).prefetch_related(
        Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens"))
    )
