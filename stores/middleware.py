"""The back-office's current location: chosen with the switcher (kept in the session), else the staff
member's first location. Set on every page request as `request.current_location` (a Location or None)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

SESSION_KEY = "omni_current_location"


class CurrentLocationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.current_location = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if not request.path.startswith(("/api/", "/static/")) and user is not None and user.is_authenticated:
            from stores.selectors import current_location_for

            request.current_location = current_location_for(  # type: ignore[attr-defined]
                user, request.session.get(SESSION_KEY)
            )
        return self.get_response(request)
