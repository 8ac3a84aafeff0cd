"""A store's appointment services: GET /api/v1/locations/{code}/services/ (the active ones, every role that
reads locations) and POST (integration: create one). Plain arrays: a small bounded list."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.api.serializers import ServiceIn, ServiceOut, service_body
from appointments.selectors.services import active_services, location_by_code
from appointments.services import create_service
from omni.api.idempotency import idempotent
from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, INTEGRATION, HasRole, actor_of
from omni.api.schema import problem_responses
from omni.exceptions import NotFound
from stores.models import Location


def _location(code: str) -> Location:
    location = location_by_code(code)
    if location is None:
        raise NotFound(_("No location %(code)s.") % {"code": code.upper()})
    return location


class LocationServicesView(APIView):
    permission_classes = [HasRole]
    required_roles = {"get": ALL_ROLES, "post": INTEGRATION}

    @extend_schema(
        summary="A store's appointment services",
        description="A plain array of the location's active services. An unknown location: 404.",
        responses={200: ServiceOut(many=True), **problem_responses(401, 403, 404)},
    )
    def get(self, request: Request, code: str) -> Response:
        location = _location(code)
        return Response([service_body(s) for s in active_services(location)])

    @extend_schema(
        summary="Create an appointment service (integration)",
        description=(
            "`capacity`: how many appointments at once (associates). A code the location already has: 400 "
            "`validation_error` naming `code`. An unknown location: 404."
        ),
        request=ServiceIn,
        responses={201: ServiceOut, **problem_responses(400, 401, 403, 404)},
    )
    @idempotent
    def post(self, request: Request, code: str) -> Response:
        data = parse(ServiceIn, request.data)
        location = _location(code)
        service = create_service(actor=actor_of(request), location=location, **data)
        return Response(service_body(service), status=status.HTTP_201_CREATED)
