"""Appointment API shapes (docs/API.md, Appointments). Inputs check the form of a request; the services
apply the rules and name the field they refuse. Times are answered on the store's clock (with its offset)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from rest_framework import serializers

from appointments.models import Appointment, AppointmentStatus
from orders.api.serializers.orders import AwareDateTimeField, optional_text
from stores.models import Service
from stores.selectors.slots import Slot, location_zone


class ServiceIn(serializers.Serializer):
    code = serializers.SlugField(max_length=40, help_text="Unique at the location; never changes.")
    name = serializers.CharField(max_length=120)
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480, help_text="Each slot's length.")
    capacity = serializers.IntegerField(
        min_value=1, max_value=100, help_text="Appointments at once (how many associates)."
    )


class ServiceOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    capacity = serializers.IntegerField()


def service_body(service: Service) -> dict[str, Any]:
    return {
        "code": service.code,
        "name": service.name,
        "duration_minutes": service.duration_minutes,
        "capacity": service.capacity,
    }


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)  # far enough; keeps day arithmetic in range


def calendar_day(value: date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise serializers.ValidationError("A day from 2000-01-01 to 2999-12-31.")


class SlotsQuery(serializers.Serializer):
    location = serializers.CharField(max_length=20, help_text="The store's code.")
    service = serializers.CharField(max_length=40, help_text="The service's code at that store.")
    date = serializers.DateField(
        help_text="The day, on the store's calendar (YYYY-MM-DD).", validators=[calendar_day]
    )


class SlotOut(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    remaining = serializers.IntegerField()


def slot_body(slot: Slot, zone: Any) -> dict[str, Any]:
    return {
        "start": slot.start.astimezone(zone).isoformat(),
        "end": slot.end.astimezone(zone).isoformat(),
        "remaining": slot.remaining,
    }


class AppointmentCustomerIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=80)
    last_name = serializers.CharField(max_length=80)
    phone = optional_text(30)


class AppointmentIn(serializers.Serializer):
    location = serializers.CharField(max_length=20, help_text="The store's code.")
    service = serializers.CharField(max_length=40, help_text="The service's code at that store.")
    start = AwareDateTimeField(
        help_text="A slot's `start` as GET /appointments/slots/ lists it (with offset)."
    )
    customer = AppointmentCustomerIn()
    note = optional_text(500, help_text="What the customer would like to talk about.")
    cart = optional_text(
        64,
        help_text="A cart the consultation is about (its id or QR payload), one the caller may reach.",
    )
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        default="",
        allow_blank=True,
        help_text="The customer's language for the emails; default: their profile's, else the shop's.",
    )

    def validate_start(self, value: datetime) -> datetime:
        calendar_day(value.date())
        return value


class AppointmentListQuery(serializers.Serializer):
    location = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    date = serializers.DateField(required=False, allow_null=True, default=None, validators=[calendar_day])
    customer_email = serializers.EmailField(required=False, default="", allow_blank=True)


class AppointmentServiceOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AppointmentCustomerOut(serializers.Serializer):
    email = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = serializers.CharField()


class AppointmentOut(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    location = serializers.CharField()
    service = AppointmentServiceOut()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    customer = AppointmentCustomerOut()
    note = serializers.CharField()
    cart = serializers.UUIDField(allow_null=True)
    language = serializers.CharField()
    booked_via = serializers.CharField()
    created_at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


def _iso(value: Any, zone: Any) -> str | None:
    return value.astimezone(zone).isoformat() if value is not None else None


def appointment_body(appointment: Appointment) -> dict[str, Any]:
    zone = location_zone(appointment.location)
    return {
        "id": str(appointment.pk),
        "status": appointment.status,
        "location": appointment.location.code,
        "service": {"code": appointment.service.code, "name": appointment.service.name},
        "start": _iso(appointment.start, zone),
        "end": _iso(appointment.end, zone),
        "customer": {
            "email": appointment.customer_email,
            "first_name": appointment.customer_first_name,
            "last_name": appointment.customer_last_name,
            "phone": appointment.customer_phone,
        },
        "note": appointment.note,
        "cart": str(appointment.cart_id) if appointment.cart_id else None,
        "language": appointment.language,
        "booked_via": appointment.booked_via,
        "created_at": _iso(appointment.created_at, zone),
        "cancelled_at": _iso(appointment.cancelled_at, zone),
        "closed_at": _iso(appointment.closed_at, zone),
    }
