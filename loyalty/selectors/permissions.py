"""Who may do what on the loyalty staff pages (the services take any actor: the pages decide, here).

Every member of staff finds and sees customers, whatever the channel or store (loyalty is cross-channel);
store managers and above adjust points; HQ managers and administrators also merge duplicates and export
or erase personal data."""

from __future__ import annotations

from omni.actors import Actor


def can_adjust(actor: Actor) -> bool:
    """Store managers, HQ managers and administrators; not store associates."""
    return actor.is_staff_user and actor.is_manager


def can_merge(actor: Actor) -> bool:
    """HQ managers and administrators (they see the whole network)."""
    return actor.is_staff_user and actor.sees_all_locations


def can_manage_personal_data(actor: Actor) -> bool:
    """The GDPR export and erasure: HQ managers and administrators."""
    return actor.is_staff_user and actor.sees_all_locations
