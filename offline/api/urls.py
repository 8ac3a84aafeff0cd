"""The offline app's API routes, under /api/v1/."""

from __future__ import annotations

from django.urls import path

from offline.api.views import ActionsView, CatalogView, HeartbeatView

urlpatterns = [
    path("offline/catalog/", CatalogView.as_view(), name="offline-catalog"),
    path("offline/actions/", ActionsView.as_view(), name="offline-actions"),
    path("offline/devices/heartbeat/", HeartbeatView.as_view(), name="offline-heartbeat"),
]
