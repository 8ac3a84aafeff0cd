"""Locations: everyone reads them (with `near` ordering done by PostgreSQL); HQ creates and edits them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from omni.api.idempotency import idempotent
from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, INTEGRATION, HasRole, actor_of
from omni.api.schema import problem_responses
from stores import services
from stores.api.filters.locations import LocationFilter
from stores.api.serializers.locations import LocationIn, LocationOut, LocationUpdateIn
from stores.models import Location
from stores.selectors import locations_with_hours, with_distance

NEAR = OpenApiParameter(
    "near", OpenApiTypes.STR, description="LAT,LNG: nearest first, each with distance_km (e.g. 45.4642,9.19)"
)


def parse_near(value: str | None) -> tuple[float, float] | None:
    """ "45.46,9.19" -> (45.46, 9.19); a clear 400 naming `near` otherwise."""
    if value is None or value == "":
        return None
    try:
        lat_text, lng_text = value.split(",")
        lat, lng = float(lat_text), float(lng_text)
    except ValueError as exc:
        raise serializers.ValidationError(
            {"near": ["Give LAT,LNG in decimal degrees, e.g. 45.4642,9.19."]}
        ) from exc
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or lat != lat or lng != lng:
        raise serializers.ValidationError({"near": ["Latitude is -90..90 and longitude -180..180."]})
    return lat, lng


def _hours(data: dict[str, Any]) -> list[services.HoursSpec] | None:
    if "opening_hours" not in data:
        return None
    return [services.HoursSpec(h["weekday"], h["opens"], h["closes"]) for h in data.pop("opening_hours")]


@extend_schema_view(
    list=extend_schema(
        summary="Locations (stores and warehouses)",
        parameters=[NEAR],
        responses={200: LocationOut(many=True), **problem_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="A location by code", responses={200: LocationOut, **problem_responses(401, 404)}
    ),
)
class LocationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [HasRole]
    required_roles = {
        "list": ALL_ROLES,
        "retrieve": ALL_ROLES,
        "create": INTEGRATION,
        "partial_update": INTEGRATION,
    }
    serializer_class = LocationOut
    filterset_class = LocationFilter
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9][A-Za-z0-9-]{0,19}"

    def get_queryset(self) -> QuerySet[Location]:
        qs = locations_with_hours()
        if self.action == "list":
            near = parse_near(self.request.query_params.get("near"))
            if near is not None:
                return with_distance(qs, *near)
        return qs.order_by("code")

    def get_object(self) -> Location:
        self.kwargs["code"] = self.kwargs["code"].upper()
        return super().get_object()

    @extend_schema(
        summary="Create a location (HQ)",
        request=LocationIn,
        responses={201: LocationOut, **problem_responses(400, 401, 403, 409, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = parse(LocationIn, request.data)
        hours = _hours(data) or []
        location = services.create_location(actor=actor_of(request), data=data, hours=hours)
        location = self.get_queryset().get(pk=location.pk)
        return Response(
            LocationOut(location).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/locations/{location.code}/"},
        )

    @extend_schema(
        summary="Change a location (HQ)",
        request=LocationUpdateIn,
        responses={200: LocationOut, **problem_responses(400, 401, 403, 404)},
    )
    def partial_update(self, request: Request, code: str) -> Response:
        location = self.get_object()
        data = parse(LocationUpdateIn, request.data, partial=True)
        hours = _hours(data)
        services.update_location(actor=actor_of(request), code=location.code, data=data, hours=hours)
        return Response(LocationOut(self.get_queryset().get(pk=location.pk)).data)
