"""API-CONTRACT.md's Orders section, held through a real multi-process server (gunicorn) on the test
database: many buyers for the last units, one Idempotency-Key sent at once from several connections, and an
order placed, shipped and refused a cancel."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from inventory.models import Reservation, ReservationState, StockLevel, StockMovement
from inventory.selectors import stock_drift
from inventory.services import record_movement
from omni.actors import Actor
from omni.services import create_api_client
from orders.models import Order
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PROBLEM = "application/problem+json"
ADDRESS = {"line1": "Via Toledo 1", "city": "Napoli", "postcode": "80134", "country": "IT"}


def _headers(role: str, name: str, location=None, **extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, token = create_api_client(
        name=f"orders-{name}", role=role, location_id=location.pk if location else None
    )
    return {"Authorization": f"Bearer {token}", **extra}


def _problem(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:400])
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    return body


def _order(sku: str, quantity: int = 1) -> dict:
    return {
        "channel": "web",
        "customer": {"email": "giulia@example.it", "first_name": "Giulia", "last_name": "Rossi"},
        "lines": [{"sku": sku, "quantity": quantity}],
        "fulfilment": {"type": "delivery", "address": ADDRESS},
    }


@pytest.fixture
def network():
    store = LocationFactory(code="MI-ORD", click_and_collect=True, ships=False)
    hub = WarehouseFactory(code="PC-ORD", latitude=45.05, longitude=9.69)
    variant = VariantFactory(sku="ORD-TEE-M")
    record_movement(
        actor=Actor.system(), location_id=hub.pk, variant_id=variant.pk, kind="receipt", quantity=5
    )
    return {"store": store, "hub": hub, "variant": variant}


def _level(network) -> StockLevel:  # type: ignore[no-untyped-def]
    return StockLevel.objects.get(location=network["hub"], variant=network["variant"])


def test_many_buyers_for_the_last_units(gunicorn_server, network):
    url = gunicorn_server.url + "/api/v1/orders/"
    shop = _headers("eshop", "shop")

    def buy(_: int) -> requests.Response:
        return requests.post(url, json=_order("ORD-TEE-M"), headers=shop, timeout=60)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(buy, range(20)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({201: 5, 409: 15}), [(r.status_code, r.text[:200]) for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert _problem(r, 409, "insufficient_stock")["skus"] == ["ORD-TEE-M"]
        else:
            assert r.json()["lines"][0]["allocations"] == [{"location": "PC-ORD", "quantity": 1}]
    level = _level(network)
    assert (level.on_hand, level.reserved) == (5, 5)
    assert Order.objects.count() == 5
    assert Reservation.objects.filter(state=ReservationState.ACTIVE).count() == 5
    assert stock_drift() == []


def test_one_idempotency_key_sent_at_once_makes_one_order(gunicorn_server, network):
    url = gunicorn_server.url + "/api/v1/orders/"
    shop = _headers("eshop", "shop", **{"Idempotency-Key": "checkout-42"})

    def send(_: int) -> requests.Response:
        return requests.post(url, json=_order("ORD-TEE-M", 2), headers=shop, timeout=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(send, range(8)))
    assert {r.status_code for r in responses} <= {201, 409}, [r.text[:200] for r in responses]
    created = [r for r in responses if r.status_code == 201]
    assert created, [r.text[:200] for r in responses]
    first = [r for r in created if r.headers.get("Idempotent-Replayed") != "true"]
    assert len(first) == 1
    assert {r.json()["number"] for r in created} == {first[0].json()["number"]}
    for r in responses:
        if r.status_code == 409:
            _problem(r, 409, "idempotency_in_progress")
    assert Order.objects.count() == 1 and _level(network).reserved == 2

    # a retry afterwards is the replay of the first answer
    again = send(0)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first[0].json()
    assert Order.objects.count() == 1 and stock_drift() == []


def test_an_order_placed_shipped_and_not_cancelled(gunicorn_server, network):
    url = gunicorn_server.url + "/api/v1/orders/"
    shop = _headers("eshop", "shop")
    hq = _headers("integration", "hq")

    r = requests.post(url, json=_order("ORD-TEE-M", 2), headers=shop, timeout=30)
    assert r.status_code == 201, r.text
    placed = r.json()
    number = placed["number"]
    assert placed["status"] == "placed" and placed["total"] == "39.80"
    assert r.headers["Location"] == f"/api/v1/orders/{number}/"
    assert (_level(network).on_hand, _level(network).reserved) == (5, 2)

    # another e-shop client never sees it
    other = _headers("eshop", "other-shop")
    _problem(requests.get(f"{url}{number}/", headers=other, timeout=30), 404, "not_found")

    r = requests.post(
        f"{url}{number}/ship/", json={"carrier": "BRT", "tracking": "BRT-1"}, headers=hq, timeout=30
    )
    assert r.status_code == 200, r.text

    r = requests.get(f"{url}{number}/", headers=shop, timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "shipped"
    assert [(s["location"], s["status"], s["tracking"]) for s in body["shipments"]] == [
        ("PC-ORD", "shipped", "BRT-1")
    ]
    assert "shipped" in [e["kind"] for e in body["timeline"]]
    level = _level(network)
    assert (level.on_hand, level.reserved) == (3, 0)
    sale = StockMovement.objects.get(kind="sale", reference=number)
    assert sale.delta == -2
    assert stock_drift() == []

    _problem(
        requests.post(f"{url}{number}/cancel/", json={}, headers=shop, timeout=30), 409, "invalid_transition"
    )
    assert Order.objects.get(number=number).status == "shipped"
    assert (_level(network).on_hand, _level(network).reserved) == (3, 0)
