"""What every back-office page needs: the current location and the ones the user may switch to."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def backoffice(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/api/"):
        return {}
    from stores.selectors import locations_for_user

    return {
        "current_location": getattr(request, "current_location", None),
        "switchable_locations": locations_for_user(user).only("id", "code", "name").order_by("code"),
    }
