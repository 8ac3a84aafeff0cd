"""The appointments API (docs/API.md, Appointments): services, slots, booking, reading, cancelling, closing;
roles and locations; validation; idempotent replay."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from loyalty.models import Customer
from stores.models import Service, SlotUsage
from tests.appointments.factories import AppointmentFactory, ServiceFactory, at, future_day
from tests.conftest import assert_problem

pytestmark = pytest.mark.django_db

ANNA = {"email": "Anna@Example.it", "first_name": "Anna", "last_name": "Verdi"}


def book(client, start, *, location="MI-1", service="fitting", customer=None, key=None, **extra):  # type: ignore[no-untyped-def]
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    body = {
        "location": location,
        "service": service,
        "start": start.isoformat(),
        "customer": customer or ANNA,
        **extra,
    }
    return client.post("/api/v1/appointments/", body, format="json", **headers)


# --- services ---------------------------------------------------------------------------------------------


def test_integration_creates_a_service_and_everyone_lists_the_active_ones(api, mi, rm):
    hq = api("integration")
    created = hq.post(
        "/api/v1/locations/mi-1/services/",
        {"code": "styling", "name": "Personal styling", "duration_minutes": 45, "capacity": 3},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json() == {
        "code": "styling",
        "name": "Personal styling",
        "duration_minutes": 45,
        "capacity": 3,
    }
    ServiceFactory(location=mi, code="old", name="Old", active=False)
    ServiceFactory(location=rm, code="rome-only", name="Rome")
    listed = api("kiosk").get("/api/v1/locations/MI-1/services/")
    assert listed.status_code == 200
    assert listed.json() == [
        {"code": "styling", "name": "Personal styling", "duration_minutes": 45, "capacity": 3}
    ]


def test_service_creation_refusals(api, mi):
    hq = api("integration")
    body = {"code": "fit", "name": "Fit", "duration_minutes": 30, "capacity": 1}
    assert hq.post("/api/v1/locations/MI-1/services/", body, format="json").status_code == 201
    dup = hq.post("/api/v1/locations/MI-1/services/", body, format="json")
    assert assert_problem(dup, 400, "validation_error")["errors"]["code"]
    assert_problem(hq.post("/api/v1/locations/XX-9/services/", body, format="json"), 404, "not_found")
    assert_problem(hq.get("/api/v1/locations/XX-9/services/"), 404, "not_found")
    bad = hq.post(
        "/api/v1/locations/MI-1/services/",
        {"code": "x", "name": "X", "duration_minutes": 2, "capacity": 0},
        format="json",
    )
    errors = assert_problem(bad, 400, "validation_error")["errors"]
    assert "duration_minutes" in errors and "capacity" in errors
    for role in ("eshop", "kiosk", "store"):
        assert_problem(
            api(role).post("/api/v1/locations/MI-1/services/", body, format="json"), 403, "permission_denied"
        )
    assert Service.objects.filter(location=mi).count() == 1


def test_the_services_route_does_not_shadow_the_location(api, mi):
    assert api("eshop").get("/api/v1/locations/MI-1/").json()["code"] == "MI-1"


# --- slots ------------------------------------------------------------------------------------------------


def test_slots_of_a_day_within_opening_hours(api, fitting):
    day = future_day()
    slots = api("eshop").get(
        "/api/v1/appointments/slots/", {"location": "MI-1", "service": "fitting", "date": day}
    )
    assert slots.status_code == 200
    body = slots.json()
    assert len(body) == 18  # 09:00 to 18:00 in 30 minutes
    assert body[0] == {
        "start": at(day, 9).isoformat(),
        "end": at(day, 9, 30).isoformat(),
        "remaining": 2,
    }
    assert body[-1]["start"] == at(day, 17, 30).isoformat()
    assert body[0]["start"].endswith("+01:00")  # December: the store's winter clock


def test_a_booked_place_shows_in_the_slots_and_past_slots_are_left_out(api, fitting):
    day = future_day()
    assert book(api("eshop"), at(day, 10)).status_code == 201
    body = (
        api("eshop")
        .get("/api/v1/appointments/slots/", {"location": "MI-1", "service": "fitting", "date": day})
        .json()
    )
    assert [s["remaining"] for s in body if s["start"] == at(day, 10).isoformat()] == [1]
    yesterday = day - timedelta(days=8)
    assert (
        api("eshop")
        .get("/api/v1/appointments/slots/", {"location": "MI-1", "service": "fitting", "date": yesterday})
        .json()
        == []
    )


@pytest.mark.parametrize(
    "params, field",
    [
        ({"service": "fitting", "date": "2030-01-07"}, "location"),
        ({"location": "MI-1", "date": "2030-01-07"}, "service"),
        ({"location": "MI-1", "service": "fitting"}, "date"),
        ({"location": "MI-1", "service": "fitting", "date": "07/01/2030"}, "date"),
        ({"location": "XX-9", "service": "fitting", "date": "2030-01-07"}, "location"),
        ({"location": "MI-1", "service": "nope", "date": "2030-01-07"}, "service"),
        ({"location": "MI-1", "service": "fitting", "date": "9999-12-31"}, "date"),
        ({"location": "MI-1", "service": "fitting", "date": "0001-01-01"}, "date"),
    ],
)
def test_slots_with_missing_or_invalid_parameters_are_400(api, fitting, params, field):
    response = api("eshop").get("/api/v1/appointments/slots/", params)
    assert field in assert_problem(response, 400, "validation_error")["errors"]


# --- booking ----------------------------------------------------------------------------------------------


def test_booking_answers_the_appointment_and_links_the_customer(api, fitting):
    day = future_day()
    response = book(api("eshop"), at(day, 11), note="A jacket to take in")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "booked"
    assert body["location"] == "MI-1"
    assert body["service"] == {"code": "fitting", "name": "Tailoring fitting"}
    assert body["start"] == at(day, 11).isoformat() and body["end"] == at(day, 11, 30).isoformat()
    assert body["customer"] == {
        "email": "anna@example.it",
        "first_name": "Anna",
        "last_name": "Verdi",
        "phone": "",
    }
    assert body["note"] == "A jacket to take in" and body["cart"] is None
    appointment = Appointment.objects.get(pk=body["id"])
    assert appointment.customer == Customer.objects.get(email="anna@example.it")
    assert appointment.booked_via == "eshop"
    usage = SlotUsage.objects.get(location=fitting.location, resource="service:fitting")
    assert usage.start == at(day, 11) and usage.taken == 1


def test_a_full_slot_is_409_slot_full_and_takes_nothing(api, fitting):
    day = future_day()
    eshop = api("eshop")
    assert book(eshop, at(day, 12)).status_code == 201
    assert book(eshop, at(day, 12), customer={**ANNA, "email": "b@example.it"}).status_code == 201
    full = book(eshop, at(day, 12), customer={**ANNA, "email": "c@example.it"})
    assert_problem(full, 409, "slot_full")
    assert Appointment.objects.count() == 2
    assert SlotUsage.objects.get(resource="service:fitting").taken == 2
    assert not Customer.objects.filter(email="c@example.it").exists()


@pytest.mark.parametrize(
    "start, field",
    [
        (lambda day: at(day, 10, 10), "start"),  # off the grid
        (lambda day: at(day, 8, 30), "start"),  # before opening
        (lambda day: at(day, 17, 45), "start"),  # off the grid at the end
        (lambda day: at(day - timedelta(days=10), 10), "start"),  # the past
    ],
)
def test_a_start_that_is_not_a_free_slot_is_400(api, fitting, start, field):
    response = book(api("eshop"), start(future_day()))
    assert field in assert_problem(response, 400, "validation_error")["errors"]
    assert not Appointment.objects.exists() and not SlotUsage.objects.exists()


def test_booking_validation(api, fitting):
    eshop = api("eshop")
    day = future_day()
    naive = eshop.post(
        "/api/v1/appointments/",
        {"location": "MI-1", "service": "fitting", "start": f"{day}T10:00:00", "customer": ANNA},
        format="json",
    )
    assert "start" in assert_problem(naive, 400, "validation_error")["errors"]
    no_email = book(eshop, at(day, 10), customer={"first_name": "A", "last_name": "B"})
    assert "customer.email" in assert_problem(no_email, 400, "validation_error")["errors"]
    assert (
        "service"
        in assert_problem(book(eshop, at(day, 10), service="nope"), 400, "validation_error")["errors"]
    )
    assert (
        "location"
        in assert_problem(book(eshop, at(day, 10), location="XX-9"), 400, "validation_error")["errors"]
    )
    bad_phone = book(eshop, at(day, 10), customer={**ANNA, "phone": "call me"})
    assert "customer.phone" in assert_problem(bad_phone, 400, "validation_error")["errors"]
    phoned = book(eshop, at(day, 10), customer={**ANNA, "phone": "0039 333 123 4567"}).json()
    assert phoned["customer"]["phone"] == "+393331234567"
    Appointment.objects.all().delete()
    SlotUsage.objects.all().delete()
    Service.objects.filter(pk=fitting.pk).update(active=False)
    assert "service" in assert_problem(book(eshop, at(day, 10)), 400, "validation_error")["errors"]
    assert not Appointment.objects.exists()


def test_kiosk_and_store_book_only_at_their_location(api, fitting, rm):
    ServiceFactory(location=rm, code="fitting", duration_minutes=30, capacity=2)
    day = future_day()
    assert book(api("kiosk"), at(day, 10)).status_code == 201
    assert book(api("store"), at(day, 10)).status_code == 201
    assert_problem(book(api("kiosk"), at(day, 10), location="RM-1"), 403, "permission_denied")
    assert_problem(book(api("store"), at(day, 10), location="RM-1"), 403, "permission_denied")
    assert book(api("integration"), at(day, 10), location="RM-1").status_code == 201
    assert Appointment.objects.filter(location=rm).count() == 1


def test_a_cart_the_caller_reaches_is_carried(api, fitting, rm):
    from carts.models import Cart

    day = future_day()
    later = timezone.now() + timedelta(days=30)
    cart = Cart.objects.create(channel="kiosk", location=fitting.location, expires_at=later)
    body = book(api("kiosk"), at(day, 10), cart=str(cart.pk)).json()
    assert body["cart"] == str(cart.pk)
    theirs = Cart.objects.create(channel="kiosk", location=rm, expires_at=later)
    refused = book(api("kiosk"), at(day, 10), cart=str(theirs.pk))
    assert "cart" in assert_problem(refused, 400, "validation_error")["errors"]


def test_idempotent_replay_books_once(api, fitting):
    eshop = api("eshop")
    day = future_day()
    first = book(eshop, at(day, 15), key="book-1")
    again = book(eshop, at(day, 15), key="book-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Appointment.objects.count() == 1
    assert SlotUsage.objects.get().taken == 1


# --- reading ----------------------------------------------------------------------------------------------


def test_who_reaches_an_appointment(api, fitting, rm):
    eshop, other_eshop = api("eshop"), api("eshop")
    booked = book(eshop, at(future_day(), 10)).json()
    url = f"/api/v1/appointments/{booked['id']}/"
    assert eshop.get(url).json()["id"] == booked["id"]
    assert api("store").get(url).status_code == 200  # the store at its location
    assert api("integration").get(url).status_code == 200
    assert_problem(other_eshop.get(url), 404, "not_found")  # another client's
    assert_problem(api("kiosk").get(url), 404, "not_found")  # a kiosk that did not book it
    assert_problem(api("store", location=rm).get(url), 404, "not_found")  # another store
    assert_problem(eshop.get("/api/v1/appointments/not-an-id/"), 404, "not_found")


def test_listing_is_scoped_and_filtered(api, fitting, rm):
    day = future_day()
    rome_fitting = ServiceFactory(location=rm, code="fitting", duration_minutes=30, capacity=2)
    eshop = api("eshop")
    mine = book(eshop, at(day, 10)).json()
    book(api("integration"), at(day, 11), customer={**ANNA, "email": "bea@example.it"})
    book(api("integration"), at(day, 10), location="RM-1")
    AppointmentFactory(service=rome_fitting)
    listed = eshop.get("/api/v1/appointments/").json()["results"]
    assert [a["id"] for a in listed] == [mine["id"]]
    store = api("store").get("/api/v1/appointments/", {"location": "MI-1", "date": day}).json()["results"]
    assert [a["start"] for a in store] == [at(day, 10).isoformat(), at(day, 11).isoformat()]
    by_email = api("integration").get("/api/v1/appointments/", {"customer_email": "BEA@example.it"}).json()
    assert [a["customer"]["email"] for a in by_email["results"]] == ["bea@example.it"]
    assert api("store").get("/api/v1/appointments/", {"location": "RM-1"}).json()["results"] == []
    assert_problem(api("store").get("/api/v1/appointments/", {"date": day}), 400, "validation_error")
    far = api("store").get("/api/v1/appointments/", {"location": "MI-1", "date": "9999-12-31"})
    assert "date" in assert_problem(far, 400, "validation_error")["errors"]


# --- cancelling and closing -------------------------------------------------------------------------------


def test_cancel_frees_the_slot_and_a_second_cancel_is_409(api, fitting):
    day = future_day()
    eshop = api("eshop")
    first = book(eshop, at(day, 16)).json()
    book(eshop, at(day, 16), customer={**ANNA, "email": "b@example.it"})
    assert_problem(book(eshop, at(day, 16), customer={**ANNA, "email": "c@example.it"}), 409, "slot_full")
    cancelled = eshop.post(f"/api/v1/appointments/{first['id']}/cancel/")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["cancelled_at"]
    assert SlotUsage.objects.get().taken == 1
    assert book(eshop, at(day, 16), customer={**ANNA, "email": "c@example.it"}).status_code == 201
    assert_problem(eshop.post(f"/api/v1/appointments/{first['id']}/cancel/"), 409, "invalid_transition")
    assert SlotUsage.objects.get().taken == 2
    assert_problem(api("eshop").post(f"/api/v1/appointments/{first['id']}/cancel/"), 404, "not_found")


def test_a_past_or_closed_appointment_cannot_be_cancelled(api, fitting):
    past = AppointmentFactory(service=fitting)
    closed = AppointmentFactory(service=fitting, status=AppointmentStatus.COMPLETED)
    store = api("store")
    assert_problem(store.post(f"/api/v1/appointments/{past.pk}/cancel/"), 409, "invalid_transition")
    assert_problem(store.post(f"/api/v1/appointments/{closed.pk}/cancel/"), 409, "invalid_transition")


def test_staff_close_an_appointment_once_it_has_started(api, fitting, rm):
    past = AppointmentFactory(service=fitting)
    other = AppointmentFactory(service=fitting)
    store = api("store")
    done = store.post(f"/api/v1/appointments/{past.pk}/complete/")
    assert done.status_code == 200 and done.json()["status"] == "completed" and done.json()["closed_at"]
    assert_problem(store.post(f"/api/v1/appointments/{past.pk}/no-show/"), 409, "invalid_transition")
    no_show = api("integration").post(f"/api/v1/appointments/{other.pk}/no-show/")
    assert no_show.json()["status"] == "no_show"
    other.refresh_from_db()
    assert other.status == AppointmentStatus.NO_SHOW and other.closed_at is not None
    future = book(api("eshop"), at(future_day(), 10)).json()
    assert_problem(store.post(f"/api/v1/appointments/{future['id']}/complete/"), 409, "invalid_transition")


def test_only_the_store_at_its_location_and_integration_close(api, fitting, rm):
    past = AppointmentFactory(service=fitting)
    for role in ("eshop", "kiosk"):
        assert_problem(api(role).post(f"/api/v1/appointments/{past.pk}/complete/"), 403, "permission_denied")
    assert_problem(
        api("store", location=rm).post(f"/api/v1/appointments/{past.pk}/no-show/"), 404, "not_found"
    )
    past.refresh_from_db()
    assert past.status == AppointmentStatus.BOOKED and past.closed_at is None
