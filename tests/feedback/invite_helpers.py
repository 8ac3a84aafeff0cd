"""What the invitation, link and survey tests share: a store, customers with (or without) the feedback
consent, and the facts of each touchpoint, built as the services of orders and appointments leave them."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from feedback.models import Invitation, InvitationChannel, Touchpoint
from loyalty.models import Customer
from loyalty.services.consent import record_consent
from omni.actors import Actor
from orders.models import Order, Return
from stores.models import Service
from tests.loyalty.factories import OrderFactory
from tests.stores.factories import LocationFactory

HQ = Actor.system()


def store(code: str = "MI-DUOMO", name: str = "Milano Duomo"):  # type: ignore[no-untyped-def]
    return LocationFactory(code=code, name=name)


def customer(
    email: str = "giulia@example.it", *, consent: bool | None = True, language: str = "it"
) -> Customer:
    """A customer; `consent` True grants feedback by email, False withdraws it after granting, None: never
    stated."""
    person = Customer.objects.create(email=email, first_name="Giulia", last_name="Rossi", language=language)
    if consent is not None:
        record_consent(customer=person, purpose="feedback", channel="email", granted=True, actor=HQ)
        if not consent:
            record_consent(customer=person, purpose="feedback", channel="email", granted=False, actor=HQ)
    return person


def pickup(location, *, email: str = "giulia@example.it", at: dt.datetime | None = None, **fields) -> Order:  # type: ignore[no-untyped-def]
    at = at or timezone.now() - dt.timedelta(hours=2)
    values = {"status": "collected", "created_at": at - dt.timedelta(days=1), "completed_at": at, **fields}
    return OrderFactory(
        channel="web",
        fulfilment_type="pickup",
        location=location,
        customer_email=email,
        delivery_address=None,
        **values,
    )


def delivery(*, email: str = "giulia@example.it", shipped_at: dt.datetime, **fields) -> Order:  # type: ignore[no-untyped-def]
    values = {
        "status": "shipped",
        "created_at": shipped_at - dt.timedelta(days=1),
        "completed_at": shipped_at,
    }
    return OrderFactory(
        channel="web",
        fulfilment_type="delivery",
        customer_email=email,
        shipped_at=shipped_at,
        **{**values, **fields},
    )


def till_sale(location, *, email: str = "giulia@example.it", at: dt.datetime | None = None) -> Order:  # type: ignore[no-untyped-def]
    at = at or timezone.now() - dt.timedelta(hours=1)
    return OrderFactory(
        channel="store",
        fulfilment_type="carry_out",
        status="completed",
        location=location,
        customer_email=email,
        delivery_address=None,
        created_at=at,
        completed_at=at,
    )


def return_of(order: Order, location, *, at: dt.datetime | None = None) -> Return:  # type: ignore[no-untyped-def]
    return Return.objects.create(
        number=f"R-{uuid.uuid4().hex[:8]}",
        order=order,
        location=location,
        status="refunded",
        refund_method="cash",
        created_at=at or timezone.now() - dt.timedelta(hours=1),
    )


def appointment(location, *, email: str = "giulia@example.it", person: Customer | None = None, at=None):  # type: ignore[no-untyped-def]
    at = at or timezone.now() - dt.timedelta(hours=3)
    service, _ = Service.objects.get_or_create(
        location=location, code="styling", defaults={"name": "Styling", "duration_minutes": 30, "capacity": 1}
    )
    return Appointment.objects.create(
        location=location,
        service=service,
        start=at - dt.timedelta(minutes=30),
        end=at,
        status=AppointmentStatus.COMPLETED,
        customer=person,
        customer_email=email,
        closed_at=at,
    )


def email_invitations() -> list[Invitation]:
    return list(
        Invitation.objects.filter(channel=InvitationChannel.EMAIL).order_by("created_at", "source_key")
    )


def invitation(
    location=None, *, touchpoint: str = Touchpoint.PICKUP, language: str = "it", **fields
) -> Invitation:  # type: ignore[no-untyped-def]
    now = timezone.now()
    values = {
        "touchpoint": touchpoint,
        "channel": InvitationChannel.EMAIL,
        "source_key": f"test:{uuid.uuid4().hex}",
        "email": "giulia@example.it",
        "language": language,
        "location": location,
        "occurred_at": now - dt.timedelta(days=1),
        "created_at": now,
        "expires_at": now + dt.timedelta(days=14),
    }
    values.update(fields)
    return Invitation.objects.create(**values)
