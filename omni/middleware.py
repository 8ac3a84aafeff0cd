"""Platform middleware: problem+json for anything under /api/ that DRF did not answer; no-store on the API."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from omni.api.errors import PROBLEM_CONTENT_TYPE, problem_response, unavailable_dependency

logger = logging.getLogger("omni.api")

API_PREFIX = "/api/"


class ApiNoStoreMiddleware:
    """Every answer under /api/ carries customer data (or says whether it exists): `Cache-Control: no-store`,
    so that no browser, proxy or shared cache keeps a copy. Outside ApiProblemMiddleware, so its problem
    documents get the header too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX):
            add_never_cache_headers(response)  # no-store, no-cache, must-revalidate, private, max-age=0
        return response


class ApiLanguageMiddleware:
    """The API speaks English unless the client asks for another language with Accept-Language
    (the back-office defaults to Italian; an integration should not get Italian messages by surprise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX) and "HTTP_ACCEPT_LANGUAGE" not in request.META:
            from django.utils import translation

            translation.activate("en")
            request.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
        return self.get_response(request)


class ApiProblemMiddleware:
    """Under /api/: an uncaught exception becomes a 500 problem document (and is logged), and any error
    response that is not JSON (Django's 404 page for an unknown route, a CSRF failure, a 400 for a bad
    host) is replaced by the problem document of its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if content_type.startswith(PROBLEM_CONTENT_TYPE):
            return response
        if response.status_code >= 500:
            return problem_response(
                response.status_code, "server_error", "The server failed; it has been logged."
            )
        replacement = problem_response(response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replacement[header] = response[header]
        return replacement

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if dependency := unavailable_dependency(exception):
            logger.warning("%s unavailable on %s %s: %s", dependency, request.method, request.path, exception)
            from omni.views import unavailable

            return unavailable(request)
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return problem_response(
                413, "request_too_large", f"The request body is over the {limit} bytes allowed."
            )
        if isinstance(exception, SuspiciousOperation):
            return problem_response(400, "bad_request", str(exception) or "Bad request.")
        logger.exception("Unhandled error on %s %s", request.method, request.path, exc_info=exception)
        return problem_response(500, "server_error", "The server failed; it has been logged.")
