"""The feedback app's API routes, under /api/v1/: POST feedback/ and GET feedback/summary/."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from feedback.api.views import FeedbackViewSet

router = SimpleRouter(trailing_slash=True)
router.register("feedback", FeedbackViewSet, basename="feedback")
urlpatterns = [*router.urls]
