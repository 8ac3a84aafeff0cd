"""Checking bodies against the OpenAPI document the server serves, as a strict OpenAPI 3.0.3 reader does
(`nullable` only next to a `type`, readOnly members allowed in responses, formats checked)."""

from __future__ import annotations

from typing import Any

from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker


def response_schema(document: dict[str, Any], path: str, method: str, status: int, content_type: str) -> dict:
    """The schema the document gives this response (path is the template, e.g. /api/v1/orders/{number}/)."""
    responses = document["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path}: {status} is not documented ({sorted(responses)})"
    content = responses[str(status)].get("content", {})
    media_type = content_type.split(";")[0].strip()
    assert media_type in content, (
        f"{method} {path} {status}: {media_type} is not documented ({list(content)})"
    )
    return content[media_type]["schema"]


def schema_errors(document: dict[str, Any], schema: dict[str, Any], instance: Any) -> list[str]:
    """Every way the instance breaks the schema ($refs resolved against the document's components)."""
    root = {"allOf": [schema], "components": document.get("components", {})}
    validator = OAS30ReadValidator(root, format_checker=oas30_format_checker)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(body)'}: {error.message[:300]}"
        for error in validator.iter_errors(instance)
    ]


def assert_matches(
    document: dict[str, Any], path: str, method: str, status: int, content_type: str, body: Any
) -> None:
    schema = response_schema(document, path, method, status, content_type)
    errors = schema_errors(document, schema, body)
    assert not errors, f"{method.upper()} {path} {status}: the body breaks the schema:\n" + "\n".join(errors)
