"""Appointment endpoints (docs/API.md, Appointments): the free slots of a service on a day, booking one,
reading, listing, cancelling, and closing an appointment (completed, no-show).

Who may: booking and cancelling: eshop, kiosk, store (their own location: 403 elsewhere) and integration;
completed and no-show: a store at its location and integration (others 403). An appointment the caller may
not reach (appointments.selectors.access) is not found (404)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from appointments import services
from appointments.api import serializers as io
from appointments.exceptions import AppointmentNotFound, invalid
from appointments.models import Appointment, AppointmentStatus
from appointments.selectors import appointment_for, visible_appointments
from appointments.selectors.appointments import on_local_day
from appointments.selectors.services import location_by_code, service_at
from omni.api.idempotency import idempotent
from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, HasRole, actor_of
from omni.api.schema import problem_responses
from omni.models import ApiRole
from stores.selectors.slots import location_zone, service_slots

BOOKERS = frozenset({ApiRole.ESHOP, ApiRole.KIOSK, ApiRole.STORE, ApiRole.INTEGRATION})
STAFF = frozenset({ApiRole.STORE, ApiRole.INTEGRATION})


@extend_schema_view(
    list=extend_schema(
        summary="Appointments",
        description=(
            "The appointments the caller reaches (integration: all; store: its location's; eshop and kiosk: "
            "those it booked), by start time; filtered by `location`, `date` (the store's calendar day) and "
            "`customer_email`."
        ),
        parameters=[io.AppointmentListQuery],
        responses={200: io.AppointmentOut(many=True), **problem_responses(400, 401, 403)},
    ),
)
class AppointmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [HasRole]
    serializer_class = io.AppointmentOut
    lookup_value_regex = r"[0-9a-fA-F-]{32,36}"
    required_roles = {
        "list": BOOKERS,
        "create": BOOKERS,
        "retrieve": BOOKERS,
        "cancel": BOOKERS,
        "no_show": STAFF,
        "complete": STAFF,
        "slots": ALL_ROLES,
    }
    queryset = Appointment.objects.none()  # for the schema; the actions answer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Appointment.objects.none()

    def _appointment(self, request: Request, pk: str) -> Appointment:
        found = appointment_for(actor_of(request), pk)
        if found is None:
            raise AppointmentNotFound(_("No appointment %(id)s.") % {"id": pk})
        return found

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = parse(io.AppointmentListQuery, request.query_params)
        appointments = visible_appointments(actor_of(request)).select_related("location", "service")
        if query["location"]:
            location = location_by_code(query["location"])
            if location is None:
                raise invalid("location", _("No location %(code)s.") % {"code": query["location"]})
            appointments = appointments.filter(location=location)
            if query["date"] is not None:
                appointments = on_local_day(appointments, location, query["date"])
        elif query["date"] is not None:
            raise invalid("location", _("Give the location whose day you want."))
        if query["customer_email"]:
            appointments = appointments.filter(customer_email__iexact=query["customer_email"].strip())
        page = self.paginate_queryset(appointments.order_by("start", "created_at"))
        assert page is not None
        return self.get_paginated_response([io.appointment_body(a) for a in page])

    @extend_schema(
        summary="Book an appointment",
        description=(
            "Takes one place in the service's slot starting at `start` (one of GET /appointments/slots/'s). "
            "A slot with nothing remaining: 409 `slot_full`. A start in the past, outside opening hours or "
            "off the slot grid, an unknown location or service: 400 `validation_error`. Kiosk and store "
            "clients book at their own location (403 elsewhere). The customer is found or created by email "
            "(one profile across channels); a confirmation email follows. `cart`: a cart the caller reaches "
            "(else 400)."
        ),
        request=io.AppointmentIn,
        responses={201: io.AppointmentOut, **problem_responses(400, 401, 403, 409)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = parse(io.AppointmentIn, request.data)
        customer = data["customer"]
        appointment = services.book_appointment(
            actor=actor_of(request),
            location_code=data["location"],
            service_code=data["service"],
            start=data["start"],
            customer=services.CustomerInput(
                email=customer["email"],
                first_name=customer["first_name"],
                last_name=customer["last_name"],
                phone=customer["phone"],
            ),
            note=data["note"],
            cart_id=data["cart"],
            language=data["language"],
        )
        return Response(
            io.appointment_body(appointment),
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/appointments/{appointment.pk}/"},
        )

    @extend_schema(
        summary="An appointment",
        description=(
            "One the caller reaches (who booked it, the store at its location, integration); else 404."
        ),
        responses={200: io.AppointmentOut, **problem_responses(401, 403, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(io.appointment_body(self._appointment(request, pk)))

    @extend_schema(
        summary="Cancel an appointment",
        description=(
            "Frees its place in the slot. An appointment already cancelled, closed or started: 409 "
            "`invalid_transition`. A cancellation email follows."
        ),
        request=None,
        responses={200: io.AppointmentOut, **problem_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        appointment = services.cancel_appointment(actor=actor_of(request), appointment_id=pk)
        return Response(io.appointment_body(appointment))

    @extend_schema(
        summary="The customer did not come (staff)",
        description=(
            "Store at its location, integration. Only once the appointment has started and while it is "
            "booked (else 409 `invalid_transition`); `closed_at` records when."
        ),
        request=None,
        responses={200: io.AppointmentOut, **problem_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request: Request, pk: str) -> Response:
        appointment = services.close_appointment(
            actor=actor_of(request), appointment_id=pk, status=AppointmentStatus.NO_SHOW
        )
        return Response(io.appointment_body(appointment))

    @extend_schema(
        summary="The appointment took place (staff)",
        description=(
            "Store at its location, integration. Only once the appointment has started and while it is "
            "booked (else 409 `invalid_transition`); `closed_at` records when."
        ),
        request=None,
        responses={200: io.AppointmentOut, **problem_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        appointment = services.close_appointment(
            actor=actor_of(request), appointment_id=pk, status=AppointmentStatus.COMPLETED
        )
        return Response(io.appointment_body(appointment))

    @extend_schema(
        summary="Free slots of a service on a day",
        description=(
            "A plain array of {start, end, remaining}: the service's slots within the store's opening hours "
            "(or that day's closure or special hours) on its own clock (with offset), slots already started "
            "left out, a full one listed with `remaining` 0. Missing or invalid parameters, an unknown "
            "location or service: 400."
        ),
        parameters=[io.SlotsQuery],
        responses={200: io.SlotOut(many=True), **problem_responses(400, 401, 403)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def slots(self, request: Request) -> Response:
        query = parse(io.SlotsQuery, request.query_params)
        location = location_by_code(query["location"])
        if location is None or not location.active:
            raise invalid("location", _("No location %(code)s.") % {"code": query["location"]})
        service = service_at(location, query["service"])
        if service is None:
            raise invalid(
                "service",
                _("%(location)s has no service %(code)s.")
                % {"location": location.code, "code": query["service"]},
            )
        zone = location_zone(location)
        return Response([io.slot_body(slot, zone) for slot in service_slots(service, query["date"])])
