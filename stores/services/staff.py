"""Writes of staff memberships: who works at which location."""

from __future__ import annotations

from django.db import transaction

from stores.models import StaffMembership


@transaction.atomic
def add_staff_membership(*, user_id: int, location_id: int) -> StaffMembership:
    membership, _ = StaffMembership.objects.get_or_create(user_id=user_id, location_id=location_id)
    return membership
