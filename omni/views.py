from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from omni.dashboard import panels_for


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    location = getattr(request, "current_location", None)
    return render(request, "omni/dashboard.html", {"panels": panels_for(request, location)})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
