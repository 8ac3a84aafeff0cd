"""OpenAPI: the Bearer scheme, the problem document returned by every error, and `OmniSchemaGenerator`,
which makes the schema say what the server does (see its docstring): drf-spectacular's generator for
/api/schema/ and `manage.py spectacular` (SPECTACULAR_SETTINGS["DEFAULT_GENERATOR_CLASS"])."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from importlib import import_module
from typing import Any

from django.apps import apps
from django.utils.module_loading import module_has_submodule
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers, viewsets

from omni.api.errors import CODES_BY_STATUS, PROBLEM_CONTENT_TYPE, TITLES
from omni.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from omni.api.idempotency import REPLAYED_HEADER, idempotent
from omni.exceptions import DomainError


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "omni.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API client's token (create_api_client).",
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "omni.api.authentication.StaffSessionAuthentication"
    name = "staffSession"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem document."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    # A declared field: SerializerMetaclass moves it into _declared_fields, so Serializer.errors is untouched.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


def problem_responses(*statuses: int) -> dict:
    """`@extend_schema(responses={201: Out, **problem_responses(400, 409)})`"""
    from drf_spectacular.utils import OpenApiResponse

    # Plain status keys (drf-spectacular picks the main response by the smallest key; OmniSchemaGenerator
    # gives every error its application/problem+json content).
    return {s: OpenApiResponse(response=ProblemSerializer, description="Problem document") for s in statuses}


# --- What the server sends: codes, extra members, headers -----------------------------------------------

# Codes sent by the platform rather than by a DomainError: the exception handler and CODES_BY_STATUS
# (omni.api.errors), the Idempotency-Key checks (omni.api.idempotency), the middleware's 500, the 503 of a
# dependency that is down, and "error", the handler's fallback for a status it has no code for.
PLATFORM_CODES: dict[str, int | None] = {
    **{code: status for status, code in CODES_BY_STATUS.items()},
    "validation_error": 400,
    "parse_error": 400,
    "idempotency_in_progress": 409,
    "idempotency_key_reused": 422,
    "error": None,
}

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
NULL_REF = {"$ref": "#/components/schemas/NullEnum"}

# Members some problems carry besides the RFC 9457 ones (DomainError(..., **extra)); tests/test_openapi.py
# checks that every keyword a domain error is raised with is declared here.
PROBLEM_EXTRA_MEMBERS: dict[str, dict[str, Any]] = {
    "skus": {
        "type": "array",
        "items": {"type": "string"},
        "description": "insufficient_stock: the SKUs that cannot be had.",
    },
    "shortages": {
        "type": "array",
        "items": {"$ref": "#/components/schemas/StockShortage"},
        "description": "insufficient_stock: what is missing, per SKU and location.",
    },
    "attempts_left": {
        "type": "integer",
        "minimum": 0,
        "description": "invalid_pickup_code: wrong codes still allowed before the pickup is locked.",
    },
    "locked": {
        "type": "boolean",
        "description": "invalid_pickup_code: this wrong code locked the pickup.",
    },
    "to": {
        "type": "string",
        "description": "invalid_transition: the status the order was asked to take.",
    },
    "transfers": {
        "type": "array",
        "items": {"type": "string"},
        "description": "invalid_transition: the ship-to-store transfers the order waits for (their numbers).",
    },
    "closed_at": {
        "type": "string",
        "format": "date-time",
        "description": "return_window_closed: when the order's return window closed.",
    },
    "days": {
        "type": "integer",
        "minimum": 0,
        "description": "return_window_closed: the return window of the order's channel, in days.",
    },
}

STOCK_SHORTAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A SKU short at a location (members of insufficient_stock problems).",
    "properties": {
        "sku": {"type": "string"},
        "location": {"type": "string", "description": "The location's code."},
        "requested": {"type": "integer", "description": "Units asked for (a stock movement: taken away)."},
        "available": {"type": "integer", "description": "Units that can be had there (orders, transfers)."},
        "on_hand": {"type": "integer", "description": "Units on hand (stock movements)."},
        "reserved": {"type": "integer", "description": "Units reserved (stock movements)."},
    },
    "required": ["sku", "location", "requested"],
}

# Operations whose 201 carries `Location` (the new object's URL; replays repeat it).
SENDS_LOCATION = frozenset(
    {
        "locations_create",
        "orders_create",
        "products_create",
        "products_variants_create",
        "returns_create",
        "stock_counts_create",
        "transfers_create",
    }
)

RETRY_AFTER = {
    "description": "Seconds to wait before retrying.",
    "schema": {"type": "integer", "minimum": 0},
}
HEADERS_BY_STATUS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": 'The scheme to authenticate with: Bearer realm="api".',
            "schema": {"type": "string"},
        }
    },
    429: {"Retry-After": RETRY_AFTER},
    503: {"Retry-After": RETRY_AFTER},
}
REPLAYED = {
    "description": "`true` when this is the stored response of an earlier request with the same "
    "Idempotency-Key and body (nothing was done again); absent otherwise.",
    "schema": {"type": "string", "enum": ["true"]},
}
LOCATION = {
    "description": "The URL path of the object created, e.g. /api/v1/orders/W-100023/.",
    "schema": {"type": "string"},
}
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "1 to 255 printable characters. The same key and body within 24 hours replays the first "
    "response (with `Idempotent-Replayed: true`); the same key with another body: 422 "
    "`idempotency_key_reused`; while the first is still running: 409 `idempotency_in_progress`.",
}

# The code object shared by every `@idempotent` wrapper: how the generator knows which handlers take the key.
_IDEMPOTENT_CODE = idempotent(lambda view, request: None).__code__  # type: ignore[arg-type, return-value]


def domain_error_classes() -> Iterator[type[DomainError]]:
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "exceptions"):
            import_module(f"{app.name}.exceptions")
    seen: set[type[DomainError]] = set()
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        cls = pending.pop()
        if cls not in seen:
            seen.add(cls)
            pending.extend(cls.__subclasses__())
            yield cls


def problem_codes() -> dict[str, set[int]]:
    """Every `code` the server can send, with the statuses it comes with (none: any status)."""
    codes: dict[str, set[int]] = {}
    for code, status in PLATFORM_CODES.items():
        codes.setdefault(code, set()).update([status] if status else [])
    for cls in domain_error_classes():
        codes.setdefault(cls.code, set()).add(cls.status)
    return codes


def problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "An RFC 9457 problem document (Content-Type: application/problem+json), the body of "
        "every error. `code` is stable and machine-readable; `errors` names the fields of a validation "
        "error; a few problems carry more members, listed here.",
        "properties": {
            "type": {"type": "string", "example": "urn:omni:problem:insufficient_stock"},
            "title": {"type": "string", "example": "Insufficient stock"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status."},
            "detail": {"type": "string", "description": "A sentence a person can act on."},
            "code": {"$ref": "#/components/schemas/ProblemCode"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": 'Field path -> messages, e.g. {"lines.0.quantity": ["..."]}; request headers '
                'and query parameters by name ("Idempotency-Key", "limit").',
            },
            **copy.deepcopy(PROBLEM_EXTRA_MEMBERS),
        },
        "required": ["type", "title", "status", "detail", "code"],
    }


class OmniSchemaGenerator(SchemaGenerator):
    """drf-spectacular's schema, made to say what the server does:

    - every error response (declared, or implied by the operation: 400 for input, 401/403 when
      authenticated, 404 with a path parameter, 409/422 with Idempotency-Key, 413/415 with a body, 429,
      500 and 503 everywhere) is `application/problem+json` with the shared `Problem`, whose `code` is an enum
      of every code the server can send (PLATFORM_CODES and every DomainError subclass);
    - every `@idempotent` handler takes the `Idempotency-Key` header (1 to 255 characters) and its
      successes document `Idempotent-Replayed`; `Location` on the 201s that send it; `Retry-After` on 429
      and 503;
    - OpenAPI 3.0 nullability: `nullable` only next to a `type`, so `{allOf: [$ref], nullable}` becomes
      `oneOf: [$ref, NullEnum]` (null passes strict 3.0.3 validators and generated clients), and a
      `default` drf-spectacular puts inside one branch of a `oneOf` moves up to the property."""

    idempotent_operations: frozenset[tuple[str, str]] = frozenset()  # (path, method) of @idempotent handlers

    def _get_paths_and_endpoints(self) -> list[tuple[str, str, str, Any]]:
        endpoints = super()._get_paths_and_endpoints()
        self.idempotent_operations = frozenset(
            (path, method.lower()) for path, _, method, view in endpoints if _is_idempotent(view, method)
        )
        return endpoints

    def get_schema(self, request: Any = None, public: bool = False) -> dict[str, Any]:
        schema = super().get_schema(request=request, public=public)
        codes = problem_codes()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = problem_schema()
        components["ProblemCode"] = {
            "type": "string",
            "enum": sorted(codes),
            "description": "Every code a problem document can carry:\n\n"
            + "\n".join(f"* `{code}` - {_statuses(statuses)}" for code, statuses in sorted(codes.items())),
        }
        components["StockShortage"] = copy.deepcopy(STOCK_SHORTAGE_SCHEMA)
        components["NullEnum"] = {"enum": [None]}
        by_status: dict[int, list[str]] = {}
        for code, statuses in codes.items():
            for status in statuses:
                by_status.setdefault(status, []).append(code)
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                idempotent_op = (path, method) in self.idempotent_operations
                _document_operation(path, method, operation, idempotent_op, by_status)
        _fix_nullable(schema)
        return schema


def _statuses(statuses: set[int]) -> str:
    return ", ".join(str(s) for s in sorted(statuses)) or "any status"


def _is_idempotent(view: Any, method: str) -> bool:
    if isinstance(view, viewsets.ViewSetMixin):
        handler = getattr(view, getattr(view, "action", None) or "", None)
    else:
        handler = getattr(view, method.lower(), None)
    while handler is not None:
        if getattr(handler, "__code__", None) is _IDEMPOTENT_CODE:
            return True
        handler = getattr(handler, "__wrapped__", None)
    return False


def _error_statuses(path: str, method: str, operation: dict[str, Any], idempotent_op: bool) -> set[int]:
    statuses = {int(s) for s in operation.get("responses", {}) if s.isdigit() and int(s) >= 400}
    statuses |= {429, 500, 503}
    inputs = [p for p in operation.get("parameters", []) if p.get("in") != "path"]
    if operation.get("requestBody") or inputs or method in ("post", "put", "patch"):
        statuses.add(400)
    if operation.get("requestBody"):
        statuses |= {413, 415}
    if any(requirement for requirement in operation.get("security", [{}])):
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if idempotent_op:
        statuses |= {400, 409, 422}
    return statuses


def _document_operation(
    path: str, method: str, operation: dict[str, Any], idempotent_op: bool, by_status: dict[int, list[str]]
) -> None:
    responses = operation.setdefault("responses", {})
    if idempotent_op:
        parameters = [p for p in operation.get("parameters", []) if p.get("name") != IDEMPOTENCY_HEADER]
        operation["parameters"] = [copy.deepcopy(IDEMPOTENCY_KEY_PARAMETER), *parameters]
    for status in sorted(_error_statuses(path, method, operation, idempotent_op)):
        codes = sorted(by_status.get(status, []))
        listed = ", ".join(f"`{c}`" for c in codes) or "a problem `code`"
        response: dict[str, Any] = {
            "description": f"{TITLES.get(status, 'Error')}: {listed}.",
            "content": {PROBLEM_CONTENT_TYPE: {"schema": dict(PROBLEM_REF)}},
        }
        if status in HEADERS_BY_STATUS:
            response["headers"] = copy.deepcopy(HEADERS_BY_STATUS[status])
        responses[str(status)] = response
    for status, response in responses.items():
        if not (status.isdigit() and 200 <= int(status) < 300):
            continue
        headers = response.setdefault("headers", {})
        if idempotent_op:
            headers[REPLAYED_HEADER] = copy.deepcopy(REPLAYED)
        if status == "201" and operation.get("operationId") in SENDS_LOCATION:
            headers["Location"] = copy.deepcopy(LOCATION)
        if not headers:
            del response["headers"]
    operation["responses"] = dict(sorted(responses.items()))


def _fix_nullable(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _fix_nullable(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("nullable") is True and "type" not in node:
        node.pop("nullable")  # without a type it means nothing (OpenAPI 3.0.3)
        refs = node.pop("allOf", None) or node.pop("oneOf", None) or node.pop("anyOf", None)
        if refs:  # else: no type and no composition, any value (null too) is valid already
            node["oneOf"] = [*(r for r in refs if r != NULL_REF), dict(NULL_REF)]
    for branch in node.get("oneOf", []):
        if isinstance(branch, dict) and "default" in branch:
            node.setdefault("default", branch.pop("default"))
    for value in node.values():
        _fix_nullable(value)
