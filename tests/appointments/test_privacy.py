"""A person's appointments in their GDPR export, erased with them (a future one cancelled and its place given
back), and following the kept person when two profiles are merged."""

import pytest

from appointments.models import Appointment, AppointmentStatus
from appointments.services import CustomerInput, book_appointment
from loyalty import services as loyalty
from loyalty.models import Customer
from omni.actors import Actor
from stores.models import SlotUsage
from tests.appointments.factories import AppointmentFactory, at, future_day

pytestmark = pytest.mark.django_db

HQ = Actor.system()


def _book(fitting, email, hour=10, note=""):  # type: ignore[no-untyped-def]
    return book_appointment(
        actor=HQ,
        location_code=fitting.location.code,
        service_code=fitting.code,
        start=at(future_day(), hour),
        customer=CustomerInput(email=email, first_name="Anna", last_name="Verdi", phone="+39 333 1234567"),
        note=note,
    )


def test_the_export_lists_the_persons_appointments_only(fitting):
    mine = _book(fitting, "anna@example.it", note="Jacket")
    _book(fitting, "other@example.it")
    customer = Customer.objects.get(email="anna@example.it")
    export = loyalty.export_customer(customer)
    rows = export["appointments"]
    assert [r["id"] for r in rows] == [str(mine.pk)]
    assert rows[0]["service"] == "Tailoring fitting" and rows[0]["note"] == "Jacket"
    assert rows[0]["location"] == "MI-1" and rows[0]["status"] == "booked"


def test_erasure_blanks_the_appointments_and_frees_a_future_one(fitting):
    future = _book(fitting, "anna@example.it", note="My size is 48")
    past = AppointmentFactory(service=fitting, customer_email="ANNA@example.it", note="Came with her sister")
    kept = _book(fitting, "other@example.it")
    customer = Customer.objects.get(email="anna@example.it")
    loyalty.erase_customer(customer=customer, actor=HQ, reason="Art. 17 request")
    future.refresh_from_db()
    past.refresh_from_db()
    for appointment in (future, past):
        assert appointment.customer_id is None
        assert (
            appointment.customer_email,
            appointment.customer_first_name,
            appointment.customer_last_name,
        ) == (
            "",
            "",
            "",
        )
        assert appointment.customer_phone == "" and appointment.note == ""
    assert future.status == AppointmentStatus.CANCELLED and future.cancelled_at is not None
    assert past.status == AppointmentStatus.BOOKED  # the past stays as it was, anonymous
    assert SlotUsage.objects.get(start=future.start).taken == 1  # only the other customer's place
    kept.refresh_from_db()
    assert kept.customer_email == "other@example.it" and kept.status == AppointmentStatus.BOOKED


def test_a_merged_duplicates_appointments_follow_the_kept_person(fitting):
    dup_appointment = _book(fitting, "anna.old@example.it")
    _book(fitting, "anna@example.it", hour=11)
    keep = Customer.objects.get(email="anna@example.it")
    dup = Customer.objects.get(email="anna.old@example.it")
    loyalty.merge_customers(keep=keep, merge=dup, actor=HQ, reason="same person")
    dup_appointment.refresh_from_db()
    assert dup_appointment.customer_id == keep.pk
    assert dup_appointment.customer_email == "anna.old@example.it"  # the address its emails went to
    assert len(loyalty.export_customer(keep)["appointments"]) == 2
    assert Appointment.objects.filter(customer=keep).count() == 2
