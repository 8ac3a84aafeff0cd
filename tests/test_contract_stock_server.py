"""API-CONTRACT.md's Stock section, held through a real multi-process server (gunicorn) on the test
database: concurrent writers from several processes, idempotent replays, the ledger adding up."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from inventory.models import StockLevel, StockMovement
from omni.services import create_api_client
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PROBLEM = "application/problem+json"


def _headers(role: str, location=None, **extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, token = create_api_client(
        name=f"stock-{role}-{location.code if location else 'all'}-{StockMovement.objects.count()}",
        role=role,
        location_id=location.pk if location else None,
    )
    return {"Authorization": f"Bearer {token}", **extra}


def _problem(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:400])
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    return body


def _ledger_adds_up() -> None:
    for level in StockLevel.objects.all():
        deltas = StockMovement.objects.filter(location=level.location, variant=level.variant)
        assert level.on_hand == sum(deltas.values_list("delta", flat=True)), level


@pytest.fixture
def network():
    milano = LocationFactory(code="MI-STK", latitude=45.4642, longitude=9.19, click_and_collect=True)
    roma = LocationFactory(code="RM-STK", latitude=41.9028, longitude=12.4964, click_and_collect=True)
    hub = WarehouseFactory(code="PC-STK", latitude=45.05, longitude=9.69)
    variant = VariantFactory(sku="STK-TEE-M")
    return {"milano": milano, "roma": roma, "hub": hub, "variant": variant}


def test_movements_availability_and_the_ledger(gunicorn_server, network):
    url = gunicorn_server.url + "/api/v1"
    hq = _headers("integration")
    for code, qty in (("MI-STK", 5), ("RM-STK", 3), ("PC-STK", 40)):
        r = requests.post(
            f"{url}/stock/movements/",
            json={"location": code, "sku": "STK-TEE-M", "kind": "receipt", "quantity": qty},
            headers=hq,
            timeout=10,
        )
        assert r.status_code == 201, r.text
        assert r.json()["level"]["on_hand"] == qty
    r = requests.post(
        f"{url}/stock/movements/",
        json={
            "location": "MI-STK",
            "sku": "STK-TEE-M",
            "kind": "adjustment",
            "quantity": -1,
            "reason": "shrinkage",
        },
        headers=hq,
        timeout=10,
    )
    assert r.status_code == 201 and r.json()["level"]["on_hand"] == 4
    r = requests.post(
        f"{url}/stock/movements/",
        json={"location": "RM-STK", "sku": "STK-TEE-M", "kind": "count", "quantity": 2},
        headers=hq,
        timeout=10,
    )
    assert r.status_code == 201 and r.json()["level"]["on_hand"] == 2

    eshop = _headers("eshop")
    r = requests.get(
        f"{url}/skus/STK-TEE-M/availability/", params={"near": "41.9,12.5"}, headers=eshop, timeout=10
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["sku"] == "STK-TEE-M"
    assert body["locations"][0]["location"] == "RM-STK"
    assert all("distance_km" in loc for loc in body["locations"])
    by_code = {loc["location"]: loc for loc in body["locations"]}
    assert by_code["MI-STK"]["available"] == 4 and by_code["RM-STK"]["on_hand"] == 2
    assert body["available"] == 4 + 2 + 40

    r = requests.get(
        f"{url}/stock/movements/", params={"location": "MI-STK", "sku": "STK-TEE-M"}, headers=hq, timeout=10
    )
    assert r.status_code == 200
    entries = r.json()["results"]
    assert [e["kind"] for e in entries] == ["adjustment", "receipt"]  # newest first
    assert sum(e["delta"] for e in entries) == 4
    _ledger_adds_up()

    # eshop and kiosk may read availability but not write stock
    _problem(
        requests.post(
            f"{url}/stock/movements/",
            json={"location": "MI-STK", "sku": "STK-TEE-M", "kind": "receipt", "quantity": 1},
            headers=eshop,
            timeout=10,
        ),
        403,
        "permission_denied",
    )


def test_concurrent_damage_never_takes_more_than_there_is(gunicorn_server, network):
    url = gunicorn_server.url + "/api/v1"
    store = _headers("store", network["milano"])
    r = requests.post(
        f"{url}/stock/movements/",
        json={"location": "MI-STK", "sku": "STK-TEE-M", "kind": "receipt", "quantity": 5},
        headers=store,
        timeout=10,
    )
    assert r.status_code == 201

    def damage(_: int) -> int:
        return requests.post(
            f"{url}/stock/movements/",
            json={
                "location": "MI-STK",
                "sku": "STK-TEE-M",
                "kind": "damage",
                "quantity": 1,
                "reason": "damaged_in_store",
            },
            headers=store,
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = Counter(pool.map(damage, range(12)))
    assert statuses == Counter({201: 5, 409: 7}), statuses
    level = StockLevel.objects.get(location=network["milano"], variant=network["variant"])
    assert level.on_hand == 0
    _ledger_adds_up()

    before = StockMovement.objects.count()
    _problem(
        requests.post(
            f"{url}/stock/movements/",
            json={
                "location": "MI-STK",
                "sku": "STK-TEE-M",
                "kind": "damage",
                "quantity": 1,
                "reason": "damaged_in_store",
            },
            headers=store,
            timeout=10,
        ),
        409,
        "insufficient_stock",
    )
    assert StockMovement.objects.count() == before
    # a store client acts only at its own location
    _problem(
        requests.post(
            f"{url}/stock/movements/",
            json={"location": "RM-STK", "sku": "STK-TEE-M", "kind": "receipt", "quantity": 1},
            headers=store,
            timeout=10,
        ),
        403,
        "permission_denied",
    )
    body = _problem(
        requests.post(
            f"{url}/stock/movements/",
            json={"location": "MI-STK", "sku": "NOPE-404", "kind": "receipt", "quantity": 1},
            headers=store,
            timeout=10,
        ),
        400,
        "validation_error",
    )
    assert "sku" in body["errors"]


def test_an_idempotent_movement_is_written_once(gunicorn_server, network):
    url = gunicorn_server.url + "/api/v1"
    hq = _headers("integration", **{"Idempotency-Key": "receipt-42"})
    payload = {"location": "PC-STK", "sku": "STK-TEE-M", "kind": "receipt", "quantity": 12}
    first = requests.post(f"{url}/stock/movements/", json=payload, headers=hq, timeout=10)
    again = requests.post(f"{url}/stock/movements/", json=payload, headers=hq, timeout=10)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert StockMovement.objects.filter(location=network["hub"]).count() == 1
    _problem(
        requests.post(f"{url}/stock/movements/", json={**payload, "quantity": 13}, headers=hq, timeout=10),
        422,
        "idempotency_key_reused",
    )


def test_a_transfer_ships_and_is_received_with_a_shortfall(gunicorn_server, network):
    url = gunicorn_server.url + "/api/v1"
    hq = _headers("integration")
    requests.post(
        f"{url}/stock/movements/",
        json={"location": "PC-STK", "sku": "STK-TEE-M", "kind": "receipt", "quantity": 10},
        headers=hq,
        timeout=10,
    ).raise_for_status()
    r = requests.post(
        f"{url}/transfers/",
        json={
            "from_location": "PC-STK",
            "to_location": "MI-STK",
            "lines": [{"sku": "STK-TEE-M", "quantity": 6}],
        },
        headers=hq,
        timeout=10,
    )
    assert r.status_code == 201, r.text
    transfer_id = r.json()["id"]
    rome_store = _headers("store", network["roma"])
    foreign = requests.post(f"{url}/transfers/{transfer_id}/ship/", headers=rome_store, timeout=10)
    assert foreign.status_code in (403, 404) and foreign.headers["Content-Type"].startswith(PROBLEM)
    hub_ship = requests.post(f"{url}/transfers/{transfer_id}/ship/", headers=hq, timeout=10)
    assert hub_ship.status_code == 200, hub_ship.text
    _problem(
        requests.post(f"{url}/transfers/{transfer_id}/ship/", headers=hq, timeout=10),
        409,
        "invalid_transition",
    )
    milano_store = _headers("store", network["milano"])
    r = requests.post(
        f"{url}/transfers/{transfer_id}/receive/",
        json={"lines": [{"sku": "STK-TEE-M", "quantity": 5, "reason": "damaged_in_transit"}]},
        headers=milano_store,
        timeout=10,
    )
    assert r.status_code == 200, r.text
    levels = {lv.location.code: lv.on_hand for lv in StockLevel.objects.select_related("location")}
    assert levels["PC-STK"] == 4 and levels["MI-STK"] == 5
    _ledger_adds_up()
