"""The contract's pickup windows and arrivals, held through a real multi-process server (gunicorn) on the
test database: the listing (a plain array), placing with `fulfilment.pickup_slot`, orders racing for the
last places of a window (exactly the places left are placed, the others 409 `slot_full` with nothing
reserved), and `arrived`."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.utils import timezone

from inventory.models import Reservation, StockLevel
from inventory.services import record_movement
from omni.actors import Actor
from omni.services import create_api_client
from orders.models import Order
from stores.models import OpeningHours, SlotUsage
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PROBLEM = "application/problem+json"
ROME = ZoneInfo("Europe/Rome")


def _headers(role: str, name: str, location=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, token = create_api_client(
        name=f"slots-{name}", role=role, location_id=location.pk if location else None
    )
    return {"Authorization": f"Bearer {token}"}


def _problem(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:400])
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    return body


def _order(slot: str | None, email: str) -> dict:
    fulfilment: dict = {"type": "pickup", "location": "MI-SLOTS"}
    if slot is not None:
        fulfilment["pickup_slot"] = slot
    return {
        "channel": "web",
        "customer": {"email": email, "first_name": "Giulia"},
        "lines": [{"sku": "SLOT-TEE", "quantity": 1}],
        "fulfilment": fulfilment,
        "payment": {"method": "card", "status": "captured"},
    }


@pytest.fixture
def shop(gunicorn_server):  # type: ignore[no-untyped-def]
    store = LocationFactory(
        code="MI-SLOTS", click_and_collect=True, pickup_slot_minutes=60, pickup_slot_capacity=3
    )
    for weekday in range(7):
        OpeningHours.objects.create(location=store, weekday=weekday, opens=time(9), closes=time(13))
    variant = VariantFactory(sku="SLOT-TEE")
    record_movement(
        actor=Actor.system(), location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=20
    )
    return {
        "base": gunicorn_server.url + "/api/v1/",
        "store": store,
        "variant": variant,
        "shop": _headers("eshop", "shop"),
        "day": timezone.localdate() + timedelta(days=4),
    }


def test_listing_placing_with_a_window_and_arriving(shop):
    day: date = shop["day"]
    r = requests.get(
        f"{shop['base']}locations/MI-SLOTS/pickup-slots/?date={day}", headers=shop["shop"], timeout=30
    )
    assert r.status_code == 200, r.text
    slots = r.json()
    assert isinstance(slots, list) and len(slots) == 4
    first = datetime.combine(day, time(9), tzinfo=ROME)
    assert slots[0] == {
        "start": first.isoformat(),
        "end": (first + timedelta(hours=1)).isoformat(),
        "remaining": 3,
    }
    _problem(
        requests.get(f"{shop['base']}locations/MI-SLOTS/pickup-slots/", headers=shop["shop"], timeout=30),
        400,
        "validation_error",
    )

    r = requests.post(
        f"{shop['base']}orders/",
        json=_order(slots[1]["start"], "a@example.it"),
        headers=shop["shop"],
        timeout=30,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["pickup"]["slot"] == {"start": slots[1]["start"], "end": slots[1]["end"]}
    number = body["number"]
    listed = requests.get(
        f"{shop['base']}locations/MI-SLOTS/pickup-slots/?date={day}", headers=shop["shop"], timeout=30
    ).json()
    assert [s["remaining"] for s in listed] == [3, 2, 3, 3]

    r = requests.post(
        f"{shop['base']}orders/{number}/arrived/", json={"note": "Bay 2"}, headers=shop["shop"], timeout=30
    )
    assert r.status_code == 200, r.text
    assert r.json()["pickup"]["arrived_at"] is not None and r.json()["pickup"]["arrival_note"] == "Bay 2"
    other = _headers("eshop", "other-shop")
    _problem(
        requests.post(f"{shop['base']}orders/{number}/arrived/", json={}, headers=other, timeout=30),
        404,
        "not_found",
    )


def test_orders_racing_for_a_window_never_exceed_it_and_the_full_ones_reserve_nothing(shop):
    day: date = shop["day"]
    start = datetime.combine(day, time(11), tzinfo=ROME).isoformat()
    url = f"{shop['base']}orders/"

    def place(i: int) -> requests.Response:
        return requests.post(url, json=_order(start, f"race{i}@example.it"), headers=shop["shop"], timeout=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(place, range(8)))  # 3 places, 8 orders

    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({201: 3, 409: 5}), [(r.status_code, r.text[:200]) for r in responses]
    for r in responses:
        if r.status_code == 409:
            _problem(r, 409, "slot_full")
    placed = {r.json()["number"] for r in responses if r.status_code == 201}
    assert set(Order.objects.values_list("number", flat=True)) == placed
    assert SlotUsage.objects.get(location=shop["store"], resource="pickup").taken == 3
    level = StockLevel.objects.get(location=shop["store"], variant=shop["variant"])
    assert (level.on_hand, level.reserved) == (20, 3)
    assert Reservation.objects.count() == 3
