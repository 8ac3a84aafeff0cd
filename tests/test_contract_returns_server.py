"""API-CONTRACT.md's returns, held through a real multi-process server (gunicorn) on the test database:
several desks return the last unit of the same line at once, and exactly one of them gets it (201); the
others are told nothing is left to return (400 validation_error on lines.0.quantity). One unit comes back
on hand, one refund is owed, the ledger still adds up."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

from inventory.models import StockLevel, StockMovement
from inventory.selectors import stock_drift
from inventory.services import record_movement
from omni.actors import Actor
from omni.services import create_api_client
from orders.models import Payment, Return, ReturnLine
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PROBLEM = "application/problem+json"


def _headers(role: str, name: str, location=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, token = create_api_client(
        name=f"returns-{name}", role=role, location_id=location.pk if location else None
    )
    return {"Authorization": f"Bearer {token}"}


def test_desks_returning_the_last_unit_of_a_line_at_once_exactly_one_wins(gunicorn_server):
    store = LocationFactory(code="MI-RACE", accepts_returns=True)
    variant = VariantFactory(sku="RACE-TEE", price=Decimal("19.90"))
    record_movement(
        actor=Actor.system(), location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=5
    )
    api = gunicorn_server.url + "/api/v1/"
    desks = [_headers("store", f"desk-{i}", store) for i in range(4)]
    r = requests.post(
        api + "orders/",
        json={
            "channel": "store",
            "customer": {"email": "giulia@example.it"},
            "lines": [{"sku": "RACE-TEE", "quantity": 2}],
            "fulfilment": {"type": "carry_out", "location": "MI-RACE"},
            "payment": {"method": "card", "status": "captured"},
        },
        headers=desks[0],
        timeout=30,
    )
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    line = {"sku": "RACE-TEE", "quantity": 1, "condition": "resellable", "reason": "changed_mind"}
    r = requests.post(
        api + "returns/",
        json={"order": number, "location": "MI-RACE", "lines": [line]},
        headers=desks[1],
        timeout=30,
    )
    assert r.status_code == 201, r.text  # one of the two units is back: one is left

    def return_last(i: int) -> requests.Response:
        return requests.post(
            api + "returns/",
            json={"order": number, "location": "MI-RACE", "lines": [line]},
            headers=desks[i % len(desks)],
            timeout=60,
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(return_last, range(8)))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == Counter({201: 1, 400: 7}), [(r.status_code, r.text[:200]) for r in responses]
    for r in responses:
        if r.status_code == 400:
            assert r.headers["Content-Type"].startswith(PROBLEM)
            problem = r.json()
            assert problem["code"] == "validation_error" and "lines.0.quantity" in problem["errors"]
        else:
            assert r.json()["refund_amount"] == "19.90"
    assert (
        sum(ReturnLine.objects.filter(order_line__order__number=number).values_list("quantity", flat=True))
        == 2
    )
    assert Return.objects.filter(order__number=number).count() == 2
    level = StockLevel.objects.get(location=store, variant=variant)
    assert level.on_hand == 5  # 5 received, 2 sold, 2 back
    assert StockMovement.objects.filter(kind="return", variant=variant).count() == 2
    assert Payment.objects.get(order__number=number, method="card").refund_due == Decimal("39.80")
    assert stock_drift() == []
