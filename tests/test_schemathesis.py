"""Schemathesis over the whole OpenAPI schema: no 5xx, and every documented response matches its schema."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES = int(os.environ.get("OMNI_SCHEMATHESIS_EXAMPLES", "20"))


@pytest.fixture
def api_schema(db):  # type: ignore[no-untyped-def]
    from django.core import signals
    from django.db import close_old_connections

    from omni.wsgi import application

    # As Django's test client does: a finished request must not close the test's connection.
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def bearer(make_api_client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from tests.inventory.factories import VariantFactory
    from tests.stores.factories import LocationFactory, WarehouseFactory

    LocationFactory(code="MI-TEST")
    WarehouseFactory(code="WH-TEST")
    VariantFactory(sku="SKU-TEST-1")
    return {"Authorization": f"Bearer {make_api_client('integration').token}"}


schema = schemathesis.pytest.from_fixture("api_schema")
pytestmark = pytest.mark.slow


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    derandomize=True,
    database=None,
)
def test_api_conforms_to_its_schema(case, bearer):  # type: ignore[no-untyped-def]
    response = case.call(headers=bearer)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
