"""Reads of staff membership: the locations a staff member works at (and may act at), and who works where."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from stores.models import Location, StaffMembership

if TYPE_CHECKING:
    from omni.models import User


def location_ids_of_user(user: User) -> frozenset[int]:
    """The ids of the locations this staff member is a member of (the Actor's locations)."""
    return frozenset(StaffMembership.objects.filter(user=user).values_list("location_id", flat=True))


def locations_for_user(user: User) -> QuerySet[Location]:
    """The active locations a staff member works at (every location for HQ managers and admins)."""
    qs = Location.objects.filter(active=True)
    if user.sees_all_locations:
        return qs
    return qs.filter(staff_memberships__user=user)


def current_location_for(user: User, chosen_id: int | None) -> Location | None:
    qs = locations_for_user(user)
    if chosen_id is not None:
        chosen = qs.filter(pk=chosen_id).first()
        if chosen is not None:
            return chosen
    if user.sees_all_locations:
        return None  # HQ sees the network until it picks a location
    return qs.order_by("code").first()


def staff_of(location: Location) -> QuerySet[User]:
    from omni.models import User

    return User.objects.filter(staff_memberships__location=location, is_active=True).order_by(
        "role", "last_name", "username"
    )
