"""The appointments app's API routes, under /api/v1/. `locations/{code}/services/` does not collide with the
stores app's `locations/{code}/` (its pattern ends there)."""

from __future__ import annotations

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from appointments.api.services import LocationServicesView
from appointments.api.views import AppointmentViewSet

router = SimpleRouter(trailing_slash=True)
router.register("appointments", AppointmentViewSet, basename="appointment")

urlpatterns = [
    re_path(
        r"^locations/(?P<code>[A-Za-z0-9][A-Za-z0-9-]{0,19})/services/$",
        LocationServicesView.as_view(),
        name="location-services",
    ),
    *router.urls,
]
