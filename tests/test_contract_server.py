"""API-CONTRACT.md's Authentication, Errors, Conventions, Catalog and Locations sections, held through a
real multi-process server (gunicorn, 4 workers) on the test database."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from omni.services import create_api_client
from stores.models import Location
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PROBLEM = "application/problem+json"


def _token(role: str, location=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, token = create_api_client(
        name=f"srv-{role}-{Location.objects.count()}-{id(location)}",
        role=role,
        location_id=location.pk if location else None,
    )
    return {"Authorization": f"Bearer {token}"}


def _problem(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:400])
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["code"] == code and body["title"] and body["detail"]
    return body


LOCATION = {
    "code": "MI-SRV",
    "name": "Milano Server",
    "kind": "store",
    "address": "Corso Vittorio Emanuele II 1",
    "city": "Milano",
    "country": "IT",
    "latitude": 45.4655,
    "longitude": 9.1925,
    "click_and_collect": True,
    "ships": False,
    "accepts_returns": True,
    "pickup_hold_days": 7,
}


def test_errors_are_problem_documents(gunicorn_server):
    url = gunicorn_server.url
    _problem(requests.get(f"{url}/api/v1/locations/", timeout=10), 401, "not_authenticated")
    _problem(
        requests.get(f"{url}/api/v1/locations/", headers={"Authorization": "Bearer nope"}, timeout=10),
        401,
        "not_authenticated",
    )
    integration = _token("integration")
    _problem(requests.get(f"{url}/api/v1/no-such-route/", headers=integration, timeout=10), 404, "not_found")
    _problem(
        requests.get(f"{url}/api/v1/locations/NOPE-1/", headers=integration, timeout=10), 404, "not_found"
    )
    _problem(
        requests.post(
            f"{url}/api/v1/locations/",
            data="{bad json",
            timeout=10,
            headers={**integration, "Content-Type": "application/json"},
        ),
        400,
        "parse_error",
    )
    body = _problem(
        requests.post(f"{url}/api/v1/locations/", json={"code": "x"}, headers=integration, timeout=10),
        400,
        "validation_error",
    )
    assert "name" in body["errors"]
    _problem(
        requests.delete(f"{url}/api/v1/locations/", headers=integration, timeout=10),
        405,
        "method_not_allowed",
    )
    eshop = _token("eshop")
    _problem(
        requests.post(f"{url}/api/v1/locations/", json=LOCATION, headers=eshop, timeout=10),
        403,
        "permission_denied",
    )


def test_concurrent_creates_with_one_idempotency_key_make_one_location(gunicorn_server):
    url = gunicorn_server.url
    headers = {**_token("integration"), "Idempotency-Key": "create-mi-srv"}

    def post(_: int) -> requests.Response:
        return requests.post(f"{url}/api/v1/locations/", json=LOCATION, headers=headers, timeout=30)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(post, range(8)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, [r.text for r in responses]
    assert Location.objects.filter(code="MI-SRV").count() == 1
    created = [r for r in responses if r.status_code == 201]
    assert created and all(r.json() == created[0].json() for r in created)
    for conflict in (r for r in responses if r.status_code == 409):
        _problem(conflict, 409, "idempotency_in_progress")
    replay = post(0)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == created[0].json()
    other = requests.post(
        f"{url}/api/v1/locations/", json={**LOCATION, "name": "Other"}, headers=headers, timeout=10
    )
    _problem(other, 422, "idempotency_key_reused")


def test_locations_near_and_catalog_through_the_server(gunicorn_server):
    url = gunicorn_server.url
    LocationFactory(code="RM-SRV", city="Roma", latitude="41.902800", longitude="12.496400")
    LocationFactory(code="MI-SRV2", city="Milano", latitude="45.464200", longitude="9.190000")
    variant = VariantFactory(sku="SRV-SKU-1", gtin="4006381333931")
    kiosk = _token("kiosk", location=Location.objects.get(code="MI-SRV2"))

    body = requests.get(f"{url}/api/v1/locations/?near=45.4642,9.19", headers=kiosk, timeout=10).json()
    codes = [loc["code"] for loc in body["results"]]
    assert codes[:2] == ["MI-SRV2", "RM-SRV"]
    assert body["results"][0]["distance_km"] < 1 and 470 < body["results"][1]["distance_km"] < 490
    _problem(
        requests.get(f"{url}/api/v1/locations/?near=abc", headers=kiosk, timeout=10), 400, "validation_error"
    )

    sku = requests.get(f"{url}/api/v1/skus/SRV-SKU-1/", headers=kiosk, timeout=10)
    assert sku.status_code == 200
    data = sku.json()
    assert data["sku"] == "SRV-SKU-1" and data["price"] == "19.90" and data["currency"] == "EUR"
    assert data["product"]["id"] == variant.product_id
    by_gtin = requests.get(f"{url}/api/v1/skus/?gtin=4006381333931", headers=kiosk, timeout=10).json()
    assert [r["sku"] for r in by_gtin["results"]] == ["SRV-SKU-1"]
    _problem(
        requests.get(f"{url}/api/v1/skus/?gtin=4006381333932", headers=kiosk, timeout=10),
        400,
        "validation_error",
    )

    integration = _token("integration")
    product = {
        "name": "Maglia",
        "brand": "Brand",
        "category": "Maglieria",
        "variants": [{"sku": "SRV-NEW-1", "gtin": "4006381333930", "price": "29.90"}],
    }
    body = _problem(
        requests.post(f"{url}/api/v1/products/", json=product, headers=integration, timeout=10),
        400,
        "validation_error",
    )
    assert "variants.0.gtin" in body["errors"]
    product["variants"][0]["gtin"] = "96385074"
    created = requests.post(f"{url}/api/v1/products/", json=product, headers=integration, timeout=10)
    assert created.status_code == 201, created.text
    duplicate = requests.post(f"{url}/api/v1/products/", json=product, headers=integration, timeout=10)
    body = _problem(duplicate, 400, "validation_error")
    assert "variants.0.sku" in body["errors"]
    _problem(
        requests.post(f"{url}/api/v1/products/", json=product, headers=kiosk, timeout=10),
        403,
        "permission_denied",
    )
    page = requests.get(f"{url}/api/v1/products/?limit=1", headers=kiosk, timeout=10).json()
    assert len(page["results"]) == 1 and "next" in page
