"""Role permissions. A view lists, per action, the roles that may call it:

    required_roles = {"list": ALL_ROLES, "create": {"integration"}}

An action missing from the map is refused. Location checks belong to the app's selectors/services,
which receive the `Actor`."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from omni.actors import Actor
from omni.models import ApiRole

ALL_ROLES = frozenset(r.value for r in ApiRole)
INTEGRATION = frozenset({ApiRole.INTEGRATION.value})
READERS = ALL_ROLES


class IsActor(BasePermission):
    """Authenticated as an API client or a staff user."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, Actor)


class HasRole(IsActor):
    message = "Your role may not do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        roles_by_action: dict[str, frozenset[str] | set[str]] = getattr(view, "required_roles", {})
        if hasattr(view, "action_map") and view.action is None:
            return True  # a method the viewset does not route: let DRF answer 405
        action = getattr(view, "action", None) or request.method.lower()  # type: ignore[union-attr]
        allowed = roles_by_action.get(action, roles_by_action.get("*"))
        if allowed is None:
            return False
        actor: Actor = request.auth  # type: ignore[assignment]
        return actor.role in allowed


def actor_of(request: Request) -> Actor:
    actor = request.auth
    assert isinstance(actor, Actor), "HasRole/IsActor must guard every API view"
    return actor
