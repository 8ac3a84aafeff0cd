"""API-CONTRACT.md's Carts section, held through a real multi-process server (gunicorn) on the test
database: the app starts a cart for an email, the web adds to it, the kiosk finds it by card, and eight
store tablets check it out at once from separate connections: exactly one order, remembering the app."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from carts.models import Cart, CartStatus
from inventory.services import record_movement
from loyalty import services as loyalty
from omni.actors import Actor
from omni.services import create_api_client
from orders.models import Order
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PROBLEM = "application/problem+json"


def _headers(role: str, name: str, location=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, token = create_api_client(
        name=f"carts-{name}", role=role, location_id=location.pk if location else None
    )
    return {"Authorization": f"Bearer {token}"}


def test_the_cart_journey_and_concurrent_checkouts(gunicorn_server):
    store = LocationFactory(code="MI-CRT")
    other = LocationFactory(code="RM-CRT")
    variant = VariantFactory(sku="CRT-TEE")
    record_movement(
        actor=Actor.system(), location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=9
    )
    member = loyalty.enroll_member(email="giulia@example.it", first_name="Giulia", actor=Actor.system())
    base = gunicorn_server.url + "/api/v1/carts/"
    app, kiosk, till = (
        _headers("eshop", "app"),
        _headers("kiosk", "kiosk", store),
        _headers("store", "till", store),
    )
    elsewhere = _headers("store", "elsewhere", other)

    started = requests.post(
        base,
        json={
            "channel": "app",
            "customer": {"email": "giulia@example.it"},
            "lines": [{"sku": "CRT-TEE", "quantity": 1}],
        },
        headers=app,
        timeout=30,
    )
    assert started.status_code == 201, started.text
    cart = started.json()
    added = requests.post(
        f"{base}{cart['id']}/lines/", json={"sku": "CRT-TEE", "quantity": 2}, headers=app, timeout=30
    )
    assert added.json()["lines"][0]["quantity"] == 3
    found = requests.get(base, params={"card_number": member.card_number}, headers=kiosk, timeout=30).json()
    assert [c["id"] for c in found["results"]] == [cart["id"]]
    assert found["results"][0]["total"] == added.json()["total"]
    bad = requests.get(f"{base}not-a-cart/", headers=kiosk, timeout=30)
    assert bad.status_code == 404 and bad.headers["Content-Type"].startswith(PROBLEM)

    body = {"channel": "store", "fulfilment": {"type": "carry_out", "location": "MI-CRT"}}

    def checkout(n: int) -> requests.Response:
        return requests.post(f"{base}{cart['id']}/checkout/", json=body, headers=till, timeout=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(checkout, range(8)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({201: 1, 409: 7}), [(r.status_code, r.text[:200]) for r in responses]
    assert all(r.json()["code"] == "invalid_transition" for r in responses if r.status_code == 409)
    order = Order.objects.get()
    assert (order.channel, order.started_channel) == ("store", "app")
    assert Cart.objects.get(pk=cart["id"]).status == CartStatus.CONVERTED
    again = requests.post(f"{base}{cart['id']}/checkout/", json=body, headers=elsewhere, timeout=30)
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
