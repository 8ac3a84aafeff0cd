"""Who is acting: an API client or a staff user, reduced to one role and the locations it may act at.

Every permission check in the API and the pages goes through an `Actor`, so "may this caller do X at
location L" is answered in one place. Staff map onto the API roles: administrators and HQ managers act
like `integration` everywhere; store managers and associates act like `store` at their own locations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from omni.models import ApiRole, StaffRole

if TYPE_CHECKING:
    from omni.models import ApiClient, User


# Where a staff member works is the stores app's knowledge (its memberships); it registers the answer here
# when it starts (stores/apps.py), so the platform names no domain app.
_user_locations_resolver: Callable[[User], frozenset[int]] | None = None


def register_user_locations(resolver: Callable[[User], frozenset[int]]) -> None:
    """Called once by the app that owns staff memberships: the ids of the locations a user works at."""
    global _user_locations_resolver
    _user_locations_resolver = resolver


def _user_locations(user: User) -> frozenset[int]:
    if _user_locations_resolver is None:
        raise RuntimeError("No app registered where staff work (omni.actors.register_user_locations).")
    return _user_locations_resolver(user)


@dataclass(frozen=True)
class Actor:
    role: str
    location_ids: frozenset[int] | None = None  # None: every location
    user: User | None = None
    client: ApiClient | None = None
    staff_role: str | None = field(default=None)

    @classmethod
    def for_client(cls, client: ApiClient) -> Actor:
        if client.role in (ApiRole.KIOSK, ApiRole.STORE):
            ids = frozenset({client.location_id}) if client.location_id else frozenset()
            return cls(role=client.role, location_ids=ids, client=client)
        return cls(role=client.role, location_ids=None, client=client)

    @classmethod
    def for_user(cls, user: User) -> Actor:
        if user.sees_all_locations:
            return cls(role=ApiRole.INTEGRATION, location_ids=None, user=user, staff_role=user.role)
        return cls(role=ApiRole.STORE, location_ids=_user_locations(user), user=user, staff_role=user.role)

    @classmethod
    def system(cls) -> Actor:
        """Omni itself (beat jobs, commands): acts everywhere, labelled "system"."""
        return cls(role=ApiRole.INTEGRATION, location_ids=None)

    @property
    def owner_key(self) -> str:
        """Stable identity used to scope idempotency keys and throttling."""
        if self.client is not None:
            return f"client:{self.client.pk}"
        if self.user is not None:
            return f"user:{self.user.pk}"
        return "system"

    @property
    def label(self) -> str:
        if self.client is not None:
            return f"api:{self.client.name}"
        if self.user is not None:
            return self.user.get_username()
        return "system"

    @property
    def is_staff_user(self) -> bool:
        return self.user is not None

    @property
    def is_manager(self) -> bool:
        return self.staff_role in {StaffRole.STORE_MANAGER, StaffRole.HQ_MANAGER, StaffRole.ADMIN} or bool(
            self.user is not None and self.user.is_superuser
        )

    @property
    def sees_all_locations(self) -> bool:
        return self.location_ids is None

    def can_act_at(self, location_id: int | None) -> bool:
        if location_id is None:
            return False
        return self.location_ids is None or location_id in self.location_ids

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def home_location_id(self) -> int | None:
        """The single location of a location-bound client (kiosk, store)."""
        if self.client is not None:
            return self.client.location_id
        return None
