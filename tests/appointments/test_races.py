"""Concurrent bookings of one slot, each thread on its own database connection against committed data: with
R places remaining and R+5 bookers, exactly R appointments are booked, the others get 409 slot_full, and the
slot's counter ends at the service's capacity. Two cancellations of one appointment give its place back
once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from appointments import services
from appointments.models import Appointment, AppointmentStatus
from omni.actors import Actor
from stores.models import SlotUsage
from tests.appointments.factories import ServiceFactory, at, future_day, store
from tests.races import run_together

pytestmark = pytest.mark.django_db(transaction=True)

HQ = Actor.system()


def _booker(service, start, email: str) -> Callable[[], str]:  # type: ignore[no-untyped-def]
    def job() -> str:
        services.book_appointment(
            actor=HQ,
            location_code=service.location.code,
            service_code=service.code,
            start=start,
            customer=services.CustomerInput(email=email, first_name="R", last_name="Ace"),
        )
        return "booked"

    return job


@pytest.mark.parametrize("capacity, taken_before", [(3, 0), (5, 2), (1, 0)])
def test_r_remaining_and_r_plus_5_bookers_book_exactly_r(capacity, taken_before):
    location = store(f"MI-RACE-{capacity}{taken_before}")
    service = ServiceFactory(location=location, code="fitting", capacity=capacity, duration_minutes=30)
    start = at(future_day(), 10)
    for n in range(taken_before):
        _booker(service, start, f"early{n}@example.it")()
    remaining = capacity - taken_before
    outcomes = run_together([_booker(service, start, f"racer{n}@example.it") for n in range(remaining + 5)])
    assert Counter(outcomes) == Counter({"booked": remaining, "slot_full": 5}), outcomes
    assert Appointment.objects.filter(service=service, start=start).count() == capacity
    assert SlotUsage.objects.get(location=location, resource="service:fitting", start=start).taken == capacity


def test_the_same_new_customer_booking_twice_at_once_is_one_profile():
    from loyalty.models import Customer

    location = store("MI-RACE-P")
    service = ServiceFactory(location=location, code="fitting", capacity=8, duration_minutes=30)
    start = at(future_day(), 11)
    outcomes = run_together([_booker(service, start, "same@example.it") for _ in range(4)])
    assert outcomes == ["booked"] * 4
    assert Customer.objects.filter(email="same@example.it").count() == 1


def test_two_cancellations_at_once_give_the_place_back_once():
    location = store("MI-RACE-X")
    service = ServiceFactory(location=location, code="fitting", capacity=2, duration_minutes=30)
    start = at(future_day(), 12)
    _booker(service, start, "a@example.it")()
    _booker(service, start, "b@example.it")()
    appointment = Appointment.objects.filter(customer_email="a@example.it").get()

    def cancel() -> str:
        services.cancel_appointment(actor=HQ, appointment_id=appointment.pk)
        return "cancelled"

    outcomes = run_together([cancel, cancel])
    assert Counter(outcomes) == Counter({"cancelled": 1, "invalid_transition": 1}), outcomes
    assert SlotUsage.objects.get(location=location, start=start).taken == 1
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED
