"""The associate's journey on a 10-inch tablet (1024x768) in a real browser: book a tailoring fitting for a
customer with the booking form (service and day, then a free time and the customer), find it on the day's
agenda, and mark a consultation that has started as completed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from tests.appointments.factories import ROME, AppointmentFactory, ServiceFactory, at, future_day, store
from tests.conftest import browser_login
from tests.omni.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_associate_books_for_a_customer_and_marks_a_visit_completed(page):
    page.set_viewport_size({"width": 1024, "height": 768})
    shop = store("MI-APPT")
    fitting = ServiceFactory(location=shop, code="fitting", name="Tailoring fitting", capacity=1)
    started_at = timezone.now() - timedelta(minutes=5)
    walk_in = AppointmentFactory(
        service=fitting, start=started_at, end=started_at + timedelta(minutes=30), customer_first_name="Paola"
    )
    UserFactory(username="sarta", role="associate", locations=[shop])
    day = future_day(4)

    browser_login(page, "sarta")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.base_url}])
    page.goto(page.base_url + "/appointments/agenda/")
    page.click("[data-testid=open-booking]")
    page.select_option("select[name=service]", "fitting")
    page.fill("input[name=date]", day.isoformat())
    page.click("[data-testid=slot-search] button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.check(f"input[name=start][value='{at(day, 11).isoformat()}']")
    page.fill("input[name=email]", "lucia@example.it")
    page.fill("input[name=first_name]", "Lucia")
    page.fill("input[name=last_name]", "Neri")
    page.fill("textarea[name=note]", "Wedding suit")
    page.click("[data-testid=book]")
    page.wait_for_load_state("networkidle")

    booked = Appointment.objects.get(customer_email="lucia@example.it")
    assert booked.start == at(day, 11)
    assert page.url.endswith(f"/appointments/agenda/?date={day.isoformat()}")
    row = page.locator(f"[data-testid=appointment-{booked.pk}]")
    assert "11:00" in row.inner_text() and "Lucia Neri" in row.inner_text()
    assert "Wedding suit" in row.inner_text()
    assert row.locator("[data-testid=status]").inner_text() == "Booked"

    local_day = started_at.astimezone(ROME).date()
    page.goto(page.base_url + f"/appointments/agenda/?date={local_day.isoformat()}")
    visit = page.locator(f"[data-testid=appointment-{walk_in.pk}]")
    visit.locator("[data-testid=complete]").click()
    page.wait_for_load_state("networkidle")
    visit = page.locator(f"[data-testid=appointment-{walk_in.pk}]")
    assert visit.locator("[data-testid=status]").inner_text() == "Completed"
    assert visit.locator("[data-testid=complete]").count() == 0
    walk_in.refresh_from_db()
    assert walk_in.status == AppointmentStatus.COMPLETED
