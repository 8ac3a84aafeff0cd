"""docs/API.md's Appointments section, held through a real multi-process server (gunicorn) on the test
database: HQ creates a capacity-1 service, the e-shop lists the services and the free slots, six bookers race
for the one place from separate connections (one 201, five 409 slot_full), a kiosk of another store is
refused, and a cancellation frees the slot for the next booker."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.utils import timezone

from appointments.models import Appointment
from omni.services import create_api_client
from stores.models import OpeningHours, SlotUsage
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PROBLEM = "application/problem+json"
ROME = ZoneInfo("Europe/Rome")


def _headers(role: str, name: str, location=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, token = create_api_client(
        name=f"appointments-{name}", role=role, location_id=location.pk if location else None
    )
    return {"Authorization": f"Bearer {token}"}


def test_services_slots_booking_slot_full_and_cancel(gunicorn_server):
    store = LocationFactory(code="MI-APC", name="Milano Appuntamenti")
    OpeningHours.objects.bulk_create(
        [OpeningHours(location=store, weekday=d, opens=time(9), closes=time(13)) for d in range(7)]
    )
    api = gunicorn_server.url + "/api/v1/"
    hq, shop = _headers("integration", "hq"), _headers("eshop", "shop")
    kiosk_elsewhere = _headers("kiosk", "kiosk", LocationFactory(code="RM-APC"))

    created = requests.post(
        f"{api}locations/MI-APC/services/",
        json={"code": "sartoria", "name": "Sartoria", "duration_minutes": 60, "capacity": 1},
        headers=hq,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    listed = requests.get(f"{api}locations/MI-APC/services/", headers=shop, timeout=30)
    assert listed.json() == [{"code": "sartoria", "name": "Sartoria", "duration_minutes": 60, "capacity": 1}]

    day = timezone.now().astimezone(ROME).date() + timedelta(days=5)
    query = {"location": "MI-APC", "service": "sartoria", "date": day.isoformat()}
    slots = requests.get(f"{api}appointments/slots/", params=query, headers=shop, timeout=30).json()
    ten = datetime.combine(day, time(10), tzinfo=ROME).isoformat()
    assert [s["start"][11:16] for s in slots] == ["09:00", "10:00", "11:00", "12:00"]
    assert all(s["remaining"] == 1 for s in slots)

    def book(email: str, headers: dict[str, str] = shop) -> requests.Response:
        body = {
            "location": "MI-APC",
            "service": "sartoria",
            "start": ten,
            "customer": {"email": email, "first_name": "Anna", "last_name": "Verdi"},
        }
        return requests.post(f"{api}appointments/", json=body, headers=headers, timeout=60)

    refused = book("x@example.it", kiosk_elsewhere)
    assert refused.status_code == 403 and refused.headers["Content-Type"].startswith(PROBLEM)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(lambda n: book(f"racer{n}@example.it"), range(6)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({201: 1, 409: 5}), [(r.status_code, r.text[:200]) for r in responses]
    assert all(r.json()["code"] == "slot_full" for r in responses if r.status_code == 409)
    winner = next(r.json() for r in responses if r.status_code == 201)
    assert winner["status"] == "booked" and winner["start"] == ten
    assert winner["service"] == {"code": "sartoria", "name": "Sartoria"}
    full = requests.get(f"{api}appointments/slots/", params=query, headers=shop, timeout=30).json()
    assert [s["remaining"] for s in full if s["start"] == ten] == [0]

    cancelled = requests.post(f"{api}appointments/{winner['id']}/cancel/", headers=shop, timeout=30)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = requests.post(f"{api}appointments/{winner['id']}/cancel/", headers=shop, timeout=30)
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    freed = requests.get(f"{api}appointments/slots/", params=query, headers=shop, timeout=30).json()
    assert [s["remaining"] for s in freed if s["start"] == ten] == [1]
    assert book("next@example.it").status_code == 201
    assert Appointment.objects.filter(status="booked").count() == 1
    assert SlotUsage.objects.get(location=store, resource="service:sartoria").taken == 1
