"""The staff pages: the day agenda of the current store (another store's appointments invisible, their
action URLs 404), the booking form (free times, errors on the form), the services page (managers only)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from carts.models import Cart, CartLine, WishlistEntry
from loyalty.services import enroll_member
from omni.actors import Actor
from stores.middleware import SESSION_KEY
from stores.models import Service, SlotUsage
from tests.appointments.factories import AppointmentFactory, ServiceFactory, at, future_day
from tests.inventory.factories import VariantFactory
from tests.loyalty.conftest import seed_tiers
from tests.omni.factories import UserFactory

pytestmark = pytest.mark.django_db

AGENDA = "/appointments/agenda/"


@pytest.fixture
def anna(mi):
    return UserFactory(username="anna", role="associate", locations=[mi])


@pytest.fixture
def boss(mi):
    return UserFactory(username="boss", role="store_manager", locations=[mi])


def _appointment(service, day, hour, **kw):  # type: ignore[no-untyped-def]
    start = at(day, hour)
    return AppointmentFactory(service=service, start=start, end=start + timedelta(minutes=30), **kw)


def test_the_agenda_shows_the_current_stores_day_only(client, anna, fitting, rm):
    day = future_day(2)
    rome = ServiceFactory(location=rm, code="fitting", name="Rome fitting")
    mine = _appointment(fitting, day, 10, customer_first_name="Lucia", note="Hem the trousers")
    _appointment(fitting, day + timedelta(days=1), 10, customer_first_name="Tomorrow")
    theirs = _appointment(rome, day, 10, customer_first_name="Romano")
    client.force_login(anna)
    page = client.get(AGENDA, {"date": day.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-testid="appointment-{mine.pk}"' in html
    assert "Lucia" in html and "Hem the trousers" in html and "10:00" in html
    assert "Romano" not in html and "Tomorrow" not in html
    assert f'data-testid="appointment-{theirs.pk}"' not in html
    assert f"?date={(day + timedelta(days=1)).isoformat()}" in html  # next day
    assert f"?date={(day - timedelta(days=1)).isoformat()}" in html  # previous day


def _brought(service, day, hour, n):  # type: ignore[no-untyped-def]
    """An appointment of a customer who brought a cart of two lines, and one of a member with seven wishlist
    entries (the newest added last), both at `hour`; SKUs numbered by `n`."""
    now = timezone.now()
    cart = Cart.objects.create(
        channel="web", customer_email=f"c{n}@example.it", expires_at=now + timedelta(days=9)
    )
    CartLine.objects.create(cart=cart, variant=VariantFactory(sku=f"CART-{n}-A"), quantity=2, added_at=now)
    CartLine.objects.create(
        cart=cart, variant=VariantFactory(sku=f"CART-{n}-B"), quantity=1, added_at=now + timedelta(seconds=1)
    )
    member = enroll_member(email=f"w{n}@example.it", first_name="Wendy", actor=Actor.system())
    for i in range(7):
        WishlistEntry.objects.create(
            member=member, variant=VariantFactory(sku=f"WISH-{n}-{i}"), added_at=now + timedelta(minutes=i)
        )
    with_cart = _appointment(service, day, hour, cart=cart, customer_email=cart.customer_email)
    with_wishlist = _appointment(
        service, day, hour, customer=member.customer, customer_email=f"w{n}@example.it"
    )
    return with_cart, with_wishlist, member


def test_the_agenda_shows_the_cart_brought_along_or_the_newest_of_the_wishlist(client, anna, fitting):
    seed_tiers()
    day = future_day(3)
    with_cart, with_wishlist, _member = _brought(fitting, day, 10, 1)
    client.force_login(anna)

    def agenda_page() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(AGENDA, {"date": day.isoformat()})
        assert page.status_code == 200
        return page.content.decode(), len(queries)

    html, one_day = agenda_page()

    def block(appointment) -> str:  # type: ignore[no-untyped-def]
        """The appointment's part of the page: up to the next appointment."""
        start = html.index(f'data-testid="appointment-{appointment.pk}"')
        following = html.find('data-testid="appointment-', start + 1)
        return html[start : following if following != -1 else len(html)]

    cart = block(with_cart)
    assert "Carrello: 3 pezzi" in cart
    assert cart.index("CART-1-A") < cart.index("CART-1-B") and "2 × " in cart and "WISH-1" not in cart
    wishes = block(with_wishlist)
    shown = [f"WISH-1-{i}" for i in (6, 5, 4, 3, 2)]  # the five newest, newest first
    positions = [wishes.index(sku) for sku in shown]
    assert positions == sorted(positions)
    assert "WISH-1-1" not in wishes and "WISH-1-0" not in wishes

    # three times as many appointments: the same number of queries (the carts' lines and the wishlists are
    # each read once for the day)
    for n, hour in ((2, 11), (3, 12)):
        _brought(fitting, day, hour, n)
    html, three_days_worth = agenda_page()
    assert "CART-3-B" in html and "WISH-3-6" in html
    assert three_days_worth == one_day

    # an erased customer's wishlist is not shown
    customer = with_wishlist.customer
    customer.erased_at = timezone.now()
    customer.save(update_fields=["erased_at"])
    html, _ = agenda_page()
    assert "WISH-1-" not in html and "WISH-2-6" in html


def test_another_stores_appointment_is_404_for_a_store_and_hq_manages_any(client, anna, fitting, rm):
    rome = ServiceFactory(location=rm, code="fitting")
    theirs = AppointmentFactory(service=rome)  # started two hours ago
    client.force_login(anna)
    for action in ("complete", "no-show", "cancel"):
        assert client.post(reverse(f"appointments:{action}", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AppointmentStatus.BOOKED
    client.force_login(UserFactory(username="hq", role="hq_manager"))
    assert client.post(reverse("appointments:complete", args=[theirs.pk])).status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == AppointmentStatus.COMPLETED and theirs.closed_at is not None


def test_a_store_user_cannot_switch_the_agenda_to_another_store(client, anna, rm):
    client.force_login(anna)
    session = client.session
    session[SESSION_KEY] = rm.pk
    session.save()
    page = client.get(AGENDA)
    assert page.status_code == 200
    assert page.context["here"].code == "MI-1"  # the switcher ignores a store not theirs


def test_marking_from_the_agenda(client, anna, fitting):
    started = AppointmentFactory(service=fitting)
    client.force_login(anna)
    response = client.post(reverse("appointments:no-show", args=[started.pk]))
    assert response.status_code == 302 and response["Location"].startswith(AGENDA + "?date=")
    started.refresh_from_db()
    assert started.status == AppointmentStatus.NO_SHOW
    again = client.post(reverse("appointments:complete", args=[started.pk]), follow=True)
    assert [m.level_tag for m in again.context["messages"]][-1] == "error"
    started.refresh_from_db()
    assert started.status == AppointmentStatus.NO_SHOW


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "yesterday"])
def test_a_day_out_of_range_or_not_a_date_is_a_form_error(client, anna, fitting, day):
    client.force_login(anna)
    page = client.get(AGENDA, {"date": day})
    assert page.status_code == 200 and "date" in page.context["form"].errors
    booking = client.get("/appointments/book/", {"service": "fitting", "date": day})
    assert booking.status_code == 200 and "date" in booking.context["search"].errors


def test_hq_without_a_store_is_asked_to_choose_one(client, fitting):
    client.force_login(UserFactory(username="hq", role="hq_manager"))
    page = client.get(AGENDA)
    assert 'data-testid="choose-store"' in page.content.decode()


def test_the_booking_form_offers_the_free_times_and_books(client, anna, fitting):
    day = future_day(3)
    client.force_login(anna)
    step1 = client.get("/appointments/book/", {"service": "fitting", "date": day.isoformat()})
    html = step1.content.decode()
    assert step1.status_code == 200 and 'data-testid="booking-form"' in html
    assert at(day, 9).isoformat() in html and "09:00–09:30 (posti liberi: 2)" in html  # Italian: the default
    body = {
        "service": "fitting",
        "date": day.isoformat(),
        "start": at(day, 9, 30).isoformat(),
        "email": "lucia@example.it",
        "first_name": "Lucia",
        "last_name": "Neri",
        "language": "it",
        "note": "Wedding suit",
    }
    done = client.post("/appointments/book/", body)
    assert done.status_code == 302 and done["Location"] == f"{AGENDA}?date={day.isoformat()}"
    appointment = Appointment.objects.get()
    assert appointment.start == at(day, 9, 30) and appointment.booked_via == "staff"
    assert appointment.booked_by == anna and appointment.note == "Wedding suit"
    assert SlotUsage.objects.get().taken == 1


def test_the_booking_form_shows_its_errors(client, anna, fitting):
    day = future_day(3)
    client.force_login(anna)
    missing = client.post(
        "/appointments/book/",
        {
            "service": "fitting",
            "date": day.isoformat(),
            "start": at(day, 9).isoformat(),
            "email": "not-an-email",
        },
    )
    form = missing.context["form"]
    assert missing.status_code == 200
    assert set(form.errors) == {"email", "first_name", "last_name", "language"}
    off_grid = client.post(
        "/appointments/book/",
        {
            "service": "fitting",
            "date": day.isoformat(),
            "start": at(day, 9, 10).isoformat(),
            "email": "l@example.it",
            "first_name": "L",
            "last_name": "N",
            "language": "it",
        },
    )
    assert "start" in off_grid.context["form"].errors  # not one of the free times offered
    full = ServiceFactory(location=fitting.location, code="solo", capacity=1)
    SlotUsage.objects.create(location=fitting.location, resource="service:solo", start=at(day, 10), taken=1)
    bad_cart = client.post(
        "/appointments/book/",
        {
            "service": "solo",
            "date": day.isoformat(),
            "start": at(day, 10, 30).isoformat(),
            "email": "l@example.it",
            "first_name": "L",
            "last_name": "N",
            "language": "it",
            "cart": "11111111-2222-3333-4444-555555555555",
        },
    )
    assert bad_cart.status_code == 200, bad_cart
    assert set(bad_cart.context["form"].errors) == {"cart"}
    assert (
        at(day, 10).isoformat()
        not in client.get(
            "/appointments/book/", {"service": "solo", "date": day.isoformat()}
        ).content.decode()
    )  # full: not offered
    assert not Appointment.objects.exists() and full.pk


def test_the_services_page_is_for_managers(client, anna, boss, fitting):
    client.force_login(anna)
    assert client.get("/appointments/services/").status_code == 403
    assert client.post("/appointments/services/", {"code": "x"}).status_code == 403
    client.force_login(boss)
    page = client.get("/appointments/services/")
    assert page.status_code == 200 and 'data-testid="service-fitting"' in page.content.decode()
    added = client.post(
        "/appointments/services/",
        {"code": "styling", "name": "Styling", "duration_minutes": 60, "capacity": 2},
    )
    assert added.status_code == 302
    styling = Service.objects.get(code="styling")
    assert (styling.location_id, styling.duration_minutes, styling.capacity) == (fitting.location_id, 60, 2)
    dup = client.post(
        "/appointments/services/", {"code": "styling", "name": "Again", "duration_minutes": 60, "capacity": 2}
    )
    assert dup.status_code == 200 and "code" in dup.context["form"].errors
    bad = client.post(
        "/appointments/services/", {"code": "y", "name": "Y", "duration_minutes": 3, "capacity": 0}
    )
    assert set(bad.context["form"].errors) == {"duration_minutes", "capacity"}
    edited = client.post(
        f"/appointments/services/{styling.pk}/", {"name": "Styling", "duration_minutes": 45, "capacity": 3}
    )
    assert edited.status_code == 302
    styling.refresh_from_db()
    assert (styling.duration_minutes, styling.capacity) == (45, 3)
    assert client.post(f"/appointments/services/{styling.pk}/active/", {"active": "0"}).status_code == 302
    styling.refresh_from_db()
    assert styling.active is False


def test_another_stores_service_is_404_on_the_services_pages(client, boss, rm):
    theirs = ServiceFactory(location=rm, code="rome")
    client.force_login(boss)
    assert client.get(f"/appointments/services/{theirs.pk}/").status_code == 404
    assert client.post(f"/appointments/services/{theirs.pk}/active/", {"active": "0"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.active is True


def test_the_dashboard_panel_counts_todays_appointments(client, anna, fitting):
    AppointmentFactory(service=fitting)  # started two hours ago: to mark
    later = timezone.now() + timedelta(minutes=20)
    AppointmentFactory(service=fitting, start=later, end=later + timedelta(minutes=30))
    client.force_login(anna)
    html = client.get("/").content.decode()
    assert "Appuntamenti di oggi a Store MI-1" in html


def test_the_admin_lists_appointments_read_only(client, fitting):
    appointment = AppointmentFactory(service=fitting)
    client.force_login(UserFactory(username="root", role="admin", is_superuser=True, is_staff=True))
    assert client.get("/admin/appointments/appointment/").status_code == 200
    detail = client.get(f"/admin/appointments/appointment/{appointment.pk}/change/")
    assert detail.status_code == 200 and "anna@example.it" in detail.content.decode()
    assert client.get("/admin/appointments/appointment/add/").status_code == 403
