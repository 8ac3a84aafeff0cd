"""Appointments as the agenda, the API's list and the reports read them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet

from appointments.models import Appointment
from stores.models import Location
from stores.selectors.slots import location_zone


def local_day_bounds(location: Location, day: date) -> tuple[datetime, datetime]:
    """When the store's calendar day starts and ends (23 or 25 hours when the clocks change)."""
    zone = location_zone(location)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def on_local_day(appointments: QuerySet[Appointment], location: Location, day: date) -> QuerySet[Appointment]:
    start, end = local_day_bounds(location, day)
    return appointments.filter(start__gte=start, start__lt=end)


def agenda(location: Location, day: date) -> QuerySet[Appointment]:
    """A store's appointments of a day, by start time, with what the agenda shows of each."""
    return (
        on_local_day(Appointment.objects.filter(location=location), location, day)
        .select_related("service", "cart", "customer")
        .order_by("start", "created_at")
    )
