"""The appointments' copy of a person: in their GDPR export (appointments.wiring), erased with them (Art. 17)
and following them when two profiles are merged.

Erasure: loyalty erases the profile and sends `customer_erased` inside its transaction; here, in the same
transaction, every appointment of the person (linked to the profile or one of its merged duplicates, or
carrying one of their emails) loses the customer's name, email, phone and the note, and its link to the
profile. A booked appointment still to come is cancelled and its place given back (nobody could be served
or told any more); emails not sent yet find no address and are skipped.

Merge: `customers_merged` (inside merge_customers' transaction): the duplicate's appointments are linked to
the kept person. Each keeps the email it was booked with (the one its emails went to)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from loyalty.models import Customer
from loyalty.selectors.profile import person_emails
from stores.selectors.slots import service_resource
from stores.services.capacity import release_slot


def appointments_of_person(customer: Customer) -> QuerySet[Appointment]:
    """Every appointment of the person: linked to them or a merged duplicate, or booked with their emails."""
    ids = Customer.objects.filter(Q(pk=customer.pk) | Q(merged_into=customer)).values("pk")
    emails = [e.lower() for e in person_emails(customer)]
    condition = Q(customer_id__in=ids)
    if emails:
        condition |= Q(email_lower__in=emails)
    return Appointment.objects.annotate(email_lower=Lower("customer_email")).filter(condition)


def forget_appointments(*, customer_ids: Sequence[int], emails: Sequence[str]) -> int:
    wanted = {e.strip().lower() for e in emails if e and e.strip()}
    condition = Q(customer_id__in=list(customer_ids))
    if wanted:
        condition |= Q(email_lower__in=wanted)
    found = Appointment.objects.annotate(email_lower=Lower("customer_email")).filter(condition)
    now = timezone.now()
    rows = list(
        Appointment.objects.filter(pk__in=found.values("pk"))
        .select_related("location", "service")
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    for appointment in rows:
        if appointment.status == AppointmentStatus.BOOKED and appointment.start > now:
            release_slot(
                location=appointment.location,
                resource=service_resource(appointment.service),
                start=appointment.start,
            )
            appointment.status = AppointmentStatus.CANCELLED
            appointment.cancelled_at = now
        appointment.customer = None
        appointment.customer_email = ""
        appointment.customer_first_name = ""
        appointment.customer_last_name = ""
        appointment.customer_phone = ""
        appointment.note = ""
    Appointment.objects.bulk_update(
        rows,
        [
            "customer",
            "customer_email",
            "customer_first_name",
            "customer_last_name",
            "customer_phone",
            "note",
            "status",
            "cancelled_at",
        ],
    )
    return len(rows)


def on_customer_erased(sender: Any, *, customer_id: int, emails: Sequence[str] = (), **_: Any) -> None:
    ids = list(
        Customer.objects.filter(Q(pk=customer_id) | Q(merged_into_id=customer_id)).values_list(
            "pk", flat=True
        )
    )
    forget_appointments(customer_ids=ids, emails=emails)


def on_customers_merged(sender: Any, *, keep: Customer, merged: Customer, **_: Any) -> None:
    """loyalty.signals.customers_merged, sent inside the merge's transaction: all or nothing with it."""
    people = Customer.objects.filter(Q(pk=merged.pk) | Q(merged_into=keep)).exclude(pk=keep.pk)
    Appointment.objects.filter(customer_id__in=people.values("pk")).update(customer_id=keep.pk)


def appointments_export(customer: Customer) -> list[dict[str, Any]]:
    """The person's appointments for the GDPR export."""
    appointments = appointments_of_person(customer).select_related("location", "service").order_by("start")
    return [
        {
            "id": str(a.pk),
            "location": a.location.code,
            "service": a.service.name,
            "start": a.start.isoformat(),
            "end": a.end.isoformat(),
            "status": a.status,
            "email": a.customer_email,
            "first_name": a.customer_first_name,
            "last_name": a.customer_last_name,
            "phone": a.customer_phone,
            "note": a.note,
            "booked_via": a.booked_via,
            "created_at": a.created_at.isoformat(),
            "cancelled_at": a.cancelled_at.isoformat() if a.cancelled_at else None,
            "closed_at": a.closed_at.isoformat() if a.closed_at else None,
        }
        for a in appointments
    ]
