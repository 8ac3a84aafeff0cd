"""What an outside team does with the OpenAPI schema: fetch it from a real server, generate a client with
openapi-python-client, and shop with it (locations, a SKU and its availability, a pickup order placed with
an Idempotency-Key, replayed, read back and cancelled, and a problem: insufficient stock). Every body of the
journey is also checked against the schema it was generated from."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from openapi_spec_validator import OpenAPIV30SpecValidator

from inventory.services import record_movement
from omni.actors import Actor
from omni.services import create_api_client
from stores.models import OpeningHours
from tests.inventory.factories import VariantFactory
from tests.schema_validation import assert_matches
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.django_db(transaction=True)]

PACKAGE = "omni_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
SKU = "CLI-TEE-M"


@pytest.fixture
def generated_client(gunicorn_server, tmp_path, monkeypatch) -> Iterator[tuple[Any, dict[str, Any]]]:
    """The client package generated from the schema the server serves, and that schema."""
    response = requests.get(gunicorn_server.url + "/api/schema/?format=json", timeout=60)
    assert response.status_code == 200, response.text[:500]
    document = response.json()
    assert list(OpenAPIV30SpecValidator(document).iter_errors()) == []
    (tmp_path / "schema.json").write_text(json.dumps(document))
    # No post-hooks: the default ones run ruff over the generated code, which the test does not need.
    (tmp_path / "config.yml").write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    run = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            "schema.json",
            "--output-path",
            str(tmp_path / PACKAGE),
            "--meta",
            "none",
            "--config",
            "config.yml",
            "--fail-on-warning",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE), document
    finally:
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture
def shop():
    store = LocationFactory(code="MI-CLI", name="Milano Client", click_and_collect=True, ships=False)
    OpeningHours.objects.create(location=store, weekday=0, opens="09:30", closes="19:30")
    variant = VariantFactory(sku=SKU)
    record_movement(
        actor=Actor.system(), location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=3
    )
    _, token = create_api_client(name="openapi-client-eshop", role="eshop")
    return token


def _body(document: dict, path: str, method: str, response: Any) -> Any:
    """The response's JSON, after checking it against the schema of its status and content type."""
    body = json.loads(response.content)
    assert_matches(document, path, method, int(response.status_code), response.headers["content-type"], body)
    return body


def test_an_eshop_journey_through_the_generated_client(gunicorn_server, generated_client, shop):
    client_package, document = generated_client
    api = importlib.import_module(PACKAGE + ".api")
    models = importlib.import_module(PACKAGE + ".models")
    locations_list = importlib.import_module(api.__name__ + ".locations.locations_list")
    skus_retrieve = importlib.import_module(api.__name__ + ".skus.skus_retrieve")
    availability = importlib.import_module(api.__name__ + ".skus.skus_availability_retrieve")
    orders_create = importlib.import_module(api.__name__ + ".orders.orders_create")
    orders_retrieve = importlib.import_module(api.__name__ + ".orders.orders_retrieve")
    orders_cancel = importlib.import_module(api.__name__ + ".orders.orders_cancel_create")
    client = client_package.AuthenticatedClient(
        base_url=gunicorn_server.url, token=shop, raise_on_unexpected_status=True, timeout=60.0
    )

    # Where can I collect?
    response = locations_list.sync_detailed(client=client, click_and_collect=True)
    assert response.status_code == 200
    page = response.parsed
    assert isinstance(page, models.PaginatedLocationOutList)
    assert [location.code for location in page.results] == ["MI-CLI"]
    assert page.results[0].opening_hours[0].opens == "09:30"
    _body(document, "/api/v1/locations/", "get", response)

    # The SKU, and where it is.
    response = skus_retrieve.sync_detailed(SKU, client=client)
    assert response.status_code == 200 and response.parsed.sku == SKU
    _body(document, "/api/v1/skus/{sku}/", "get", response)
    response = availability.sync_detailed(SKU, client=client, click_and_collect=True)
    assert response.status_code == 200
    assert [(a.location, a.available) for a in response.parsed.locations] == [("MI-CLI", 3)]
    _body(document, "/api/v1/skus/{sku}/availability/", "get", response)

    # A pickup order, sent twice with the same key: one order, the second answer a replay.
    order = models.OrderInRequest(
        channel=models.ChannelEnum.WEB,
        customer=models.CustomerInRequest(email="giulia@example.it", first_name="Giulia", last_name="Rossi"),
        lines=[models.LineInRequest(sku=SKU, quantity=2)],
        fulfilment=models.FulfilmentInRequest(type_=models.FulfilmentTypeEnum.PICKUP, location="MI-CLI"),
    )
    first = orders_create.sync_detailed(client=client, body=order, idempotency_key="journey-order-1")
    assert first.status_code == 201, first.content
    placed = first.parsed
    assert isinstance(placed, models.OrderOut)
    assert placed.status == models.OrderStatusEnum.PLACED and placed.lines[0].quantity == 2
    assert first.headers["location"] == f"/api/v1/orders/{placed.number}/"
    assert "idempotent-replayed" not in first.headers
    first_body = _body(document, "/api/v1/orders/", "post", first)
    again = orders_create.sync_detailed(client=client, body=order, idempotency_key="journey-order-1")
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.parsed.number == placed.number and again.headers["location"] == first.headers["location"]
    assert _body(document, "/api/v1/orders/", "post", again) == first_body

    # The same key with another body is refused.
    other = models.OrderInRequest.from_dict({**order.to_dict(), "lines": [{"sku": SKU, "quantity": 1}]})
    reused = orders_create.sync_detailed(client=client, body=other, idempotency_key="journey-order-1")
    assert reused.status_code == 422
    assert reused.parsed.code == models.ProblemCode.IDEMPOTENCY_KEY_REUSED
    _body(document, "/api/v1/orders/", "post", reused)

    # Read back, then cancelled.
    response = orders_retrieve.sync_detailed(placed.number, client=client)
    assert response.status_code == 200 and response.parsed.number == placed.number
    assert response.parsed.fulfilment.address is None and response.parsed.pickup is not None
    _body(document, "/api/v1/orders/{number}/", "get", response)
    response = orders_cancel.sync_detailed(
        placed.number, client=client, body=models.CancelInRequest(), idempotency_key="journey-cancel-1"
    )
    assert response.status_code == 200, response.content
    assert response.parsed.status == models.OrderStatusEnum.CANCELLED
    _body(document, "/api/v1/orders/{number}/cancel/", "post", response)

    # More than there is: a Problem, with the SKUs and the shortages typed.
    order.lines[0].quantity = 5
    response = orders_create.sync_detailed(client=client, body=order, idempotency_key="journey-order-2")
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.parsed
    assert isinstance(problem, models.Problem)
    assert problem.code == models.ProblemCode.INSUFFICIENT_STOCK and problem.status == 409
    assert problem.skus == [SKU]
    shortage = problem.shortages[0]
    assert isinstance(shortage, models.StockShortage)
    assert (shortage.sku, shortage.location, shortage.requested, shortage.available) == (SKU, "MI-CLI", 5, 3)
    _body(document, "/api/v1/orders/", "post", response)

    # A page size out of range: 400 validation_error naming `limit`.
    response = locations_list.sync_detailed(client=client, limit=500)
    assert response.status_code == 400
    assert response.parsed.code == models.ProblemCode.VALIDATION_ERROR
    assert response.parsed.errors.additional_properties == {"limit": ["A whole number from 1 to 200."]}
    _body(document, "/api/v1/locations/", "get", response)
