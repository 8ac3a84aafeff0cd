"""RFC 9457 problem documents for every error under /api/.

`problem_exception_handler` is DRF's exception handler; `problem_response` builds a document for the
middleware that catches what never reaches DRF (unknown routes, uncaught errors)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from omni.exceptions import DomainError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:omni:problem:"

TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Server error",
    503: "Service unavailable",
}
CODES_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}
UNAVAILABLE_DETAIL = (
    "A service Omni depends on is unavailable for a moment; nothing was changed. Retry shortly."
)


def retry_after_seconds() -> int:
    from django.conf import settings

    return int(getattr(settings, "OMNI_RETRY_AFTER_SECONDS", 10))


def unavailable_dependency(exc: BaseException) -> str | None:
    """ "database", "cache" or "broker" when `exc` says that dependency is down or unreachable, else None."""
    from django.db import InterfaceError, OperationalError

    if isinstance(exc, OperationalError | InterfaceError):
        return "database"
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    if isinstance(exc, BrokerError):
        return "broker"
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return "cache"
    return None


def unavailable_body() -> dict[str, Any]:
    return problem(503, "service_unavailable", UNAVAILABLE_DETAIL)


def unavailable_response() -> JsonResponse:
    """503 service_unavailable with Retry-After, for a dependency that is down."""
    response = JsonResponse(unavailable_body(), status=503, content_type=PROBLEM_CONTENT_TYPE)
    response["Retry-After"] = str(retry_after_seconds())
    return response


def problem(
    status_code: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    errors: dict[str, list[str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": title or TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return {**extra, **body}


def problem_response(status_code: int, code: str | None = None, detail: str | None = None) -> JsonResponse:
    code = code or CODES_BY_STATUS.get(status_code, "error")
    detail = detail or TITLES.get(status_code, "Error") + "."
    return JsonResponse(
        problem(status_code, code, detail), status=status_code, content_type=PROBLEM_CONTENT_TYPE
    )


def flatten_errors(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """{"lines": [{"quantity": ["..."]}]} -> {"lines.0.quantity": ["..."]}.

    Errors not tied to a field go under "non_field_errors"."""
    out: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_errors(value, path))
    elif isinstance(data, list):
        if all(not isinstance(v, dict | list) for v in data):
            out[prefix or "non_field_errors"] = [str(v) for v in data]
        else:
            for index, value in enumerate(data):
                if value:
                    out.update(flatten_errors(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(data)]
    return out


def _validation_detail(errors: dict[str, list[str]]) -> str:
    first_field, messages = next(iter(errors.items()), ("", ["Invalid input."]))
    if first_field in ("non_field_errors", ""):
        return messages[0]
    more = len(errors) - 1
    suffix = f" (and {more} more field{'s' if more > 1 else ''})" if more > 0 else ""
    return f"{first_field}: {messages[0]}{suffix}"


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    headers: dict[str, str] = {}
    if dependency := unavailable_dependency(exc):
        logger.warning("%s unavailable: %s", dependency, exc)
        return Response(
            unavailable_body(),
            status=503,
            content_type=PROBLEM_CONTENT_TYPE,
            headers={"Retry-After": str(retry_after_seconds())},
        )
    if isinstance(exc, DomainError):
        body = problem(exc.status, exc.code, exc.detail, title=exc.title, errors=exc.errors, **exc.extra)
        return Response(body, status=exc.status, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: the middleware answers 500 problem+json and logs it

    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        body = problem(
            400, "validation_error", _validation_detail(errors), title="Invalid input", errors=errors
        )
        return Response(body, status=400, content_type=PROBLEM_CONTENT_TYPE)

    status_code = exc.status_code
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = "not_authenticated"
        status_code = status.HTTP_401_UNAUTHORIZED
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    elif isinstance(exc, exceptions.PermissionDenied):
        code = "permission_denied"
    elif isinstance(exc, exceptions.NotFound):
        code = "not_found"
    elif isinstance(exc, exceptions.ParseError):
        code = "parse_error"
    elif isinstance(exc, exceptions.Throttled):
        code = "throttled"
        # Throttled.__init__ sets `wait` (seconds, or None), but the stubs do not declare the attribute.
        wait: float | None = getattr(exc, "wait", None)
        if wait is not None:
            headers["Retry-After"] = str(int(wait) + 1)
    else:
        code = CODES_BY_STATUS.get(status_code, "error")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    body = problem(status_code, code, str(detail))
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE, headers=headers)
