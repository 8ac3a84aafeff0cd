"""The OpenAPI schema served at /api/schema/ says what the server does: valid OpenAPI 3.0, every error a
problem+json document with the shared `Problem` (every code and extra member the server can send), the
headers (Idempotency-Key, Idempotent-Replayed, Location, Retry-After) and the limits it enforces."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openapi_spec_validator import OpenAPIV30SpecValidator

from omni.api.schema import PROBLEM_EXTRA_MEMBERS, SENDS_LOCATION, domain_error_classes, problem_codes
from tests.conftest import ROOT, assert_problem
from tests.schema_validation import assert_matches, response_schema, schema_errors
from tests.stores.factories import LocationFactory

PROBLEM = "application/problem+json"
APPS = ("omni", "stores", "inventory", "orders", "loyalty")
# The contract's codes (API-CONTRACT.md, Errors) and the platform's own.
CONTRACT_CODES = {
    "validation_error",
    "not_authenticated",
    "permission_denied",
    "not_found",
    "insufficient_stock",
    "invalid_transition",
    "idempotency_in_progress",
    "idempotency_key_reused",
    "invalid_pickup_code",
    "member_exists",
    "throttled",
    "service_unavailable",
    "server_error",
    "request_too_large",
    "pickup_locked",
    "return_window_closed",
    "parse_error",
    "unsupported_media_type",
}
# POSTs that create something or move a workflow on: they take Idempotency-Key (API-CONTRACT.md, Conventions).
IDEMPOTENT = {
    "orders_create",
    "orders_cancel_create",
    "returns_create",
    "stock_movements_create",
    "transfers_create",
    "loyalty_members_create",
    "loyalty_members_adjustments_create",
    "products_create",
    "locations_create",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_the_schema_is_valid_openapi_30(document):
    errors = [f"{list(e.path)}: {e.message[:200]}" for e in OpenAPIV30SpecValidator(document).iter_errors()]
    assert errors == []
    assert document["openapi"].startswith("3.0") and len(operations(document)) > 40


def test_every_error_is_a_problem_document(document):
    for path, method, op in operations(document):
        where = f"{method.upper()} {path}"
        statuses = {int(s) for s in op["responses"]}
        assert any(400 <= s < 500 for s in statuses), where
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
                assert response["description"], (where, status)
        assert {429, 500, 503} <= statuses and (method == "get" or 400 in statuses), where
        for status in ("429", "503"):
            assert "Retry-After" in op["responses"][status]["headers"], (where, status)
        if op.get("security") and any(op["security"]):
            assert {401, 403} <= statuses, where
            assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
        if "{" in path:
            assert 404 in statuses, where
        if "requestBody" in op:
            assert {400, 413, 415} <= statuses, where


def test_the_problem_schema_has_every_member(document):
    schemas = document["components"]["schemas"]
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    assert problem["properties"]["code"] == {"$ref": "#/components/schemas/ProblemCode"}
    assert problem["properties"]["errors"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }
    for member in ("skus", "shortages", "attempts_left", "locked", "to", "transfers", "closed_at", "days"):
        assert "type" in problem["properties"][member], member
    assert schemas["StockShortage"]["required"] == ["sku", "location", "requested"]
    codes = set(schemas["ProblemCode"]["enum"])
    assert codes >= CONTRACT_CODES
    assert codes == set(problem_codes())


def _python_files() -> list[Path]:
    return [p for app in APPS for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def test_every_code_written_in_the_source_is_in_the_enum(document):
    """A `code = "..."` (domain errors, the exception handler) or a literal code given to problem(),
    _problem() or problem_response() anywhere in the apps: a generated client must know it."""
    found: dict[str, str] = {}
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "code" for t in node.targets)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                found[node.value.value] = f"{path.relative_to(ROOT)}:{node.lineno}"
            if isinstance(node, ast.Call) and len(node.args) >= 2:
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                code = node.args[1]
                if name in ("problem", "_problem", "problem_response") and isinstance(code, ast.Constant):
                    found[str(code.value)] = f"{path.relative_to(ROOT)}:{node.lineno}"
    assert len(found) > 15
    enum = set(document["components"]["schemas"]["ProblemCode"]["enum"])
    assert {code: where for code, where in found.items() if code not in enum} == {}


def test_every_extra_member_of_a_domain_error_is_declared():
    """Every keyword a domain error is built with becomes a member of its problem document (except
    `status`, which the document's own status overrides)."""
    names = {cls.__name__ for cls in domain_error_classes()}
    used: dict[str, str] = {}
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                in_domain_error = name in names or (
                    name == "__init__" and path.name == "exceptions.py"  # super().__init__(..., **extra)
                )
                if in_domain_error:
                    for keyword in node.keywords:
                        if keyword.arg and keyword.arg not in ("detail", "errors", "status"):
                            used[keyword.arg] = f"{path.relative_to(ROOT)}:{node.lineno}"
    assert {"skus", "shortages", "attempts_left", "locked"} <= set(used)
    assert {k: where for k, where in used.items() if k not in PROBLEM_EXTRA_MEMBERS} == {}


def test_idempotency_key_and_replay_header(document):
    with_key = set()
    for path, method, op in operations(document):
        keys = [p for p in op.get("parameters", []) if p["name"] == "Idempotency-Key"]
        if not keys:
            for status, response in op["responses"].items():
                assert "Idempotent-Replayed" not in response.get("headers", {}), (path, status)
            continue
        with_key.add(op["operationId"])
        assert method == "post"
        assert keys[0]["in"] == "header" and keys[0]["schema"] == {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
        }
        assert {"400", "409", "422"} <= set(op["responses"]), path
        for status, response in op["responses"].items():
            if status.startswith("2"):
                assert response["headers"]["Idempotent-Replayed"]["schema"] == {
                    "type": "string",
                    "enum": ["true"],
                }
    assert with_key >= IDEMPOTENT
    # A POST without @idempotent ignores the header: it is not offered there.
    assert "orders_collect_create" not in with_key and "returns_preview_create" not in with_key


def test_location_header_on_the_201s_that_send_it(document):
    documented = {
        op["operationId"]
        for _, _, op in operations(document)
        if "Location" in op["responses"].get("201", {}).get("headers", {})
    }
    assert documented == SENDS_LOCATION


def test_nullable_only_next_to_a_type(document):
    """OpenAPI 3.0.3: `nullable` means nothing without `type` in the same object; a nullable reference is
    `oneOf: [$ref, NullEnum]`."""
    wrong: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("nullable") and "type" not in node:
                wrong.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(document, "#")
    assert wrong == []
    schemas = document["components"]["schemas"]
    assert schemas["OrderOut"]["properties"]["pickup"]["oneOf"] == [
        {"$ref": "#/components/schemas/PickupOut"},
        {"$ref": "#/components/schemas/NullEnum"},
    ]
    assert schemas["NullEnum"] == {"enum": [None]}


def test_limits_are_schema_keywords(document):
    lists = 0
    for path, _, op in operations(document):
        body = op["responses"].get("200", {}).get("content", {}).get("application/json", {})
        if not body.get("schema", {}).get("$ref", "").startswith("#/components/schemas/Paginated"):
            continue
        lists += 1
        parameters = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
        assert parameters["limit"]["schema"] == {
            "type": "integer",
            "minimum": 1,
            "maximum": 200,
            "default": 50,
        }, path
        assert parameters["offset"]["schema"] == {"type": "integer", "minimum": 0, "default": 0}, path
    assert lists >= 13
    schemas = document["components"]["schemas"]
    for name in ("LineInRequest", "ReturnLineInRequest"):
        quantity = schemas[name]["properties"]["quantity"]
        assert (quantity["minimum"], quantity["maximum"]) == (1, 999), name
    assert schemas["LocationInRequest"]["properties"]["pickup_hold_days"]["minimum"] == 0


@pytest.mark.django_db
def test_line_quantity_limits_are_the_servers(make_api_client):
    order = {
        "channel": "web",
        "customer": {"email": "a@example.it"},
        "fulfilment": {"type": "pickup", "location": "MI-Q"},
    }
    api = make_api_client("eshop")
    for quantity in (0, 1000):
        body = assert_problem(
            api.post("/api/v1/orders/", {**order, "lines": [{"sku": "NOPE", "quantity": quantity}]}),
            400,
            "validation_error",
        )
        assert body["errors"]["lines.0.quantity"] == ["A quantity is a whole number from 1 to 999."], body


@pytest.mark.django_db
def test_a_location_with_opening_hours_is_what_the_schema_says(make_api_client, document):
    """Opening hours go out as "HH:MM" (not an RFC 3339 time), the weekday 0 to 6."""
    from stores.models import OpeningHours

    store = LocationFactory(code="MI-HRS", email="")
    OpeningHours.objects.create(location=store, weekday=0, opens="09:30", closes="19:30")
    OpeningHours.objects.create(location=store, weekday=6, opens="10:00", closes="13:00")
    LocationFactory(code="MI-NOHRS", email="mi@example.it", click_and_collect=False, pickup_hold_days=0)
    api = make_api_client("eshop")
    response = api.get("/api/v1/locations/MI-HRS/")
    assert response.json()["opening_hours"][0] == {"weekday": 0, "opens": "09:30", "closes": "19:30"}
    assert_matches(
        document, "/api/v1/locations/{code}/", "get", 200, response["Content-Type"], response.json()
    )
    response = api.get("/api/v1/locations/?limit=10")
    assert response.json()["count"] == 2
    assert_matches(document, "/api/v1/locations/", "get", 200, response["Content-Type"], response.json())
    opens = document["components"]["schemas"]["OpeningHours"]["properties"]["opens"]
    assert "format" not in opens and opens["pattern"] == "^([01][0-9]|2[0-3]):[0-5][0-9]$"
    # The check is not vacuous: seconds, a weekday 7 or a missing member break it.
    schema = response_schema(document, "/api/v1/locations/{code}/", "get", 200, "application/json")
    body = api.get("/api/v1/locations/MI-HRS/").json()
    for hours in ({"weekday": 0, "opens": "09:30:00", "closes": "19:30"}, {"weekday": 7, "opens": "09:30"}):
        assert schema_errors(document, schema, {**body, "opening_hours": [hours]})
    assert schema_errors(document, schema, {**body, "email": None})
    response = api.get("/api/v1/locations/?limit=0")
    assert_matches(document, "/api/v1/locations/", "get", 400, response["Content-Type"], response.json())
