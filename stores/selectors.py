"""Reads of locations, with the visibility rules of staff and API clients."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.functions import ACos, Cos, Greatest, Least, Radians, Round, Sin

from stores.geo import EARTH_RADIUS_KM
from stores.models import Location

if TYPE_CHECKING:
    from omni.models import User


def locations_for_user(user: User) -> QuerySet[Location]:
    """The active locations a staff member works at (every location for HQ managers and admins)."""
    qs = Location.objects.filter(active=True)
    if user.sees_all_locations:
        return qs
    return qs.filter(staff_memberships__user=user)


def current_location_for(user: User, chosen_id: int | None) -> Location | None:
    qs = locations_for_user(user)
    if chosen_id is not None:
        chosen = qs.filter(pk=chosen_id).first()
        if chosen is not None:
            return chosen
    if user.sees_all_locations:
        return None  # HQ sees the network until it picks a location
    return qs.order_by("code").first()


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
    from django.db.models import Count, Q

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


def staff_of(location: Location) -> QuerySet[User]:
    from omni.models import User

    return User.objects.filter(staff_memberships__location=location, is_active=True).order_by(
        "role", "last_name", "username"
    )
