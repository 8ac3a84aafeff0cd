"""API-CONTRACT.md's click and collect, held through a real multi-process server (gunicorn) on the test
database: two desks handing over the same order at once (exactly one wins), wrong codes sent at once
(each counted, committed although the answer is an error; the fifth locks), the unlock and the sale."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from inventory.models import Reservation, ReservationState, StockLevel, StockMovement
from inventory.selectors import stock_drift
from inventory.services import record_movement
from omni.actors import Actor
from omni.services import create_api_client
from orders.models import Order, OrderEvent
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PROBLEM = "application/problem+json"


def _headers(role: str, name: str, location=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, token = create_api_client(
        name=f"pickup-{name}", role=role, location_id=location.pk if location else None
    )
    return {"Authorization": f"Bearer {token}"}


def _problem(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:400])
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    return body


@pytest.fixture
def ready_order(gunicorn_server):  # type: ignore[no-untyped-def]
    """A web order of 2 units for pickup at MI-PCK, made ready through the server."""
    store = LocationFactory(code="MI-PCK", click_and_collect=True, pickup_hold_days=7)
    variant = VariantFactory(sku="PCK-TEE-M")
    record_movement(
        actor=Actor.system(), location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=5
    )
    api = gunicorn_server.url + "/api/v1/orders/"
    shop = _headers("eshop", "shop")
    r = requests.post(
        api,
        json={
            "channel": "web",
            "customer": {"email": "giulia@example.it", "first_name": "Giulia"},
            "lines": [{"sku": "PCK-TEE-M", "quantity": 2}],
            "fulfilment": {"type": "pickup", "location": "MI-PCK"},
            "payment": {"method": "card", "status": "captured"},
        },
        headers=shop,
        timeout=30,
    )
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    desk = _headers("store", "desk-1", store)
    r = requests.post(f"{api}{number}/ready-for-pickup/", headers=desk, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["pickup"]["code"] is None  # the store never sees it
    code = requests.get(f"{api}{number}/", headers=shop, timeout=30).json()["pickup"]["code"]
    assert code is not None and len(code) == 6
    return {
        "api": api,
        "number": number,
        "code": code,
        "store": store,
        "variant": variant,
        "desks": [desk, _headers("store", "desk-2", store)],
        "hq": _headers("integration", "hq"),
    }


def _level(o) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    level = StockLevel.objects.get(location=o["store"], variant=o["variant"])
    return level.on_hand, level.reserved


def test_two_desks_collect_the_same_order_at_once_exactly_one_wins(ready_order):
    o = ready_order
    collect = f"{o['api']}{o['number']}/collect/"

    def hand_over(i: int) -> requests.Response:
        return requests.post(collect, json={"pickup_code": o["code"]}, headers=o["desks"][i % 2], timeout=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(hand_over, range(8)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({200: 1, 409: 7}), [(r.status_code, r.text[:200]) for r in responses]
    for r in responses:
        if r.status_code == 409:
            _problem(r, 409, "invalid_transition")
        else:
            assert r.json()["status"] == "collected"
    assert Order.objects.get(number=o["number"]).status == "collected"
    assert _level(o) == (3, 0)  # the two units left once
    assert StockMovement.objects.filter(kind="sale", reference=o["number"]).count() == 1
    assert not Reservation.objects.filter(
        owner=f"order:{o['number']}", state=ReservationState.ACTIVE
    ).exists()
    assert OrderEvent.objects.filter(order__number=o["number"], kind="collected").count() == 1
    assert stock_drift() == []


def test_wrong_codes_sent_at_once_are_each_counted_and_the_fifth_locks(ready_order):
    o = ready_order
    collect = f"{o['api']}{o['number']}/collect/"
    wrong = f"{(int(o['code']) + 1) % 10**6:06d}"

    def guess(i: int) -> requests.Response:
        return requests.post(collect, json={"pickup_code": wrong}, headers=o["desks"][i % 2], timeout=60)

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(guess, range(10)))
    statuses = Counter(r.status_code for r in responses)
    # no lost update: exactly five wrong codes counted (each committed though answered 400), then locked
    assert statuses == Counter({400: 5, 409: 5}), [(r.status_code, r.text[:200]) for r in responses]
    for r in responses:
        _problem(r, 400, "invalid_pickup_code") if r.status_code == 400 else _problem(r, 409, "pickup_locked")
    order = Order.objects.get(number=o["number"])
    assert order.pickup_failed_attempts == 5 and order.pickup_locked_at is not None

    # locked: the right code too is refused, and nothing leaves the store
    _problem(
        requests.post(collect, json={"pickup_code": o["code"]}, headers=o["desks"][0], timeout=30),
        409,
        "pickup_locked",
    )
    assert _level(o) == (5, 2)

    # a store tablet cannot unlock; HQ can, saying why
    unlock = f"{o['api']}{o['number']}/unlock-pickup/"
    _problem(
        requests.post(unlock, json={"reason": "x"}, headers=o["desks"][0], timeout=30),
        403,
        "permission_denied",
    )
    r = requests.post(unlock, json={"reason": "customer showed ID"}, headers=o["hq"], timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["pickup"]["locked"] is False

    r = requests.post(collect, json={"pickup_code": o["code"]}, headers=o["desks"][1], timeout=30)
    assert r.status_code == 200, r.text
    assert _level(o) == (3, 0)
    assert stock_drift() == []
