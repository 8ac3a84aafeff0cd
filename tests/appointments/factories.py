"""Appointments test data: a store open every day 09:00-18:00 (Europe/Rome), its services, and appointment
rows written directly (for times the booking would refuse: the past)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from appointments.models import Appointment
from stores.models import OpeningHours, Service
from tests.stores.factories import LocationFactory

ROME = ZoneInfo("Europe/Rome")


def open_every_day(location, opens: time = time(9), closes: time = time(18)):  # type: ignore[no-untyped-def]
    OpeningHours.objects.filter(location=location).delete()
    OpeningHours.objects.bulk_create(
        [OpeningHours(location=location, weekday=d, opens=opens, closes=closes) for d in range(7)]
    )
    return location


def store(code: str, **kwargs):  # type: ignore[no-untyped-def]
    return open_every_day(LocationFactory(code=code, name=f"Negozio {code}", **kwargs))


def future_day(days: int = 7) -> date:
    """A day on the store's calendar `days` from today (a day the clocks change moves only night hours: the
    store's 09:00-18:00 slots are the same)."""
    return timezone.now().astimezone(ROME).date() + timedelta(days=days)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """That wall-clock time in Rome, as an aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=ROME)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    location = factory.SubFactory(LocationFactory)
    code = factory.Sequence(lambda n: f"fitting-{n}")
    name = "Tailoring fitting"
    duration_minutes = 30
    capacity = 2
    active = True


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    service = factory.SubFactory(ServiceFactory)
    location = factory.LazyAttribute(lambda o: o.service.location)
    start = factory.LazyFunction(lambda: datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=o.service.duration_minutes))
    customer_email = "anna@example.it"
    customer_first_name = "Anna"
    customer_last_name = "Verdi"
    language = "it"
