from __future__ import annotations

import sys

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.decorators import method_decorator
from django.views import defaults
from django.views.decorators.cache import never_cache
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from omni.api.errors import (
    problem_response,
    retry_after_seconds,
    unavailable_dependency,
    unavailable_response,
)
from omni.dashboard import panels_for


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    location = getattr(request, "current_location", None)
    return render(request, "omni/dashboard.html", {"panels": panels_for(request, location)})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers; 503 (for a load balancer to take this instance out) when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        response = JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
        response["Retry-After"] = str(retry_after_seconds())
        return response
    return JsonResponse({"status": "ok"})


def unavailable(request: HttpRequest) -> HttpResponse:
    """A dependency is down: 503 with Retry-After, as a problem document under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return unavailable_response()
    # No request context: its processors would read the session and the user, from the database that is down.
    page = loader.render_to_string("503.html", {"LANGUAGE_CODE": translation.get_language()})
    response = HttpResponse(page, status=503)
    response["Retry-After"] = str(retry_after_seconds())
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an error that escaped everything else. When it says a dependency is down (raised in a
    middleware, before any view could answer), it is a 503 to retry, not a bug."""
    exc = sys.exc_info()[1]
    if exc is not None and unavailable_dependency(exc):
        return unavailable(request)
    if request.path.startswith("/api/"):
        return problem_response(500, "server_error", "The server failed; it has been logged.")
    return defaults.server_error(request)


# --- The API docs under the Content-Security-Policy (settings.CONTENT_SECURITY_POLICY) ----------------------
# Swagger UI and Redoc are served from drf-spectacular-sidecar's local copies, with pages of Omni's own
# (templates/drf_spectacular/). Swagger UI needs nothing more than the policy: its page starts it from a
# script file (the split view) and takes its styles from files. Redoc writes <style> elements from its
# JavaScript (styled-components) and runs a web worker from a blob: URL: allowed on its page only.


class ApiDocsView(SpectacularSwaggerSplitView):
    """/api/docs/: Swagger UI."""


@method_decorator(csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]}), name="dispatch")
class ApiRedocView(SpectacularRedocView):
    """/api/redoc/: Redoc (templates/drf_spectacular/redoc.html: no inline script, no web fonts)."""
