"""Closing a follow-up: the manager records the outcome (and a note), once.

The row is locked (SELECT ... FOR UPDATE) through the same visibility the pages use and re-read under the
lock, so two managers submitting at once queue and the second finds it closed (409 invalid_transition,
said kindly); the database's check constraint (closed_at with an outcome) backs the rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from feedback.exceptions import FollowUpClosed, FollowUpForbidden, FollowUpInvalid, FollowUpNotFound
from feedback.models import FollowUp, FollowUpOutcome
from feedback.selectors.follow_ups import follow_ups_for, may_follow_up
from omni.actors import Actor

if TYPE_CHECKING:
    from omni.models import User

NOTE_MAX = 2000

__all__ = ["NOTE_MAX", "close_follow_up"]


@transaction.atomic
def close_follow_up(*, follow_up: FollowUp, outcome: str, note: str, user: User) -> FollowUp:
    """Record `outcome` (FollowUpOutcome) and `note` on the follow-up as `user`. Errors: 403 for a user who
    follows up with no one (an associate), 404 for a follow-up they may not see, 400 for an unknown outcome
    or a long note, 409 when it was closed already."""
    actor = Actor.for_user(user)
    if not may_follow_up(actor):
        raise FollowUpForbidden(_("Only store managers and HQ follow up with customers."))
    locked = follow_ups_for(actor).select_for_update().filter(pk=follow_up.pk).first()
    if locked is None:
        raise FollowUpNotFound(_("No such follow-up."))
    if outcome not in FollowUpOutcome.values:
        message = _("Choose the outcome of the follow-up.")
        raise FollowUpInvalid(message, errors={"outcome": [message]})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        message = _("Keep the note under %(max)s characters.") % {"max": NOTE_MAX}
        raise FollowUpInvalid(message, errors={"note": [message]})
    if locked.closed_at is not None:
        raise FollowUpClosed(_closed_already(locked))
    locked.outcome = outcome
    locked.note = note
    locked.closed_at = timezone.now()
    locked.closed_by = user
    locked.save(update_fields=["outcome", "note", "closed_at", "closed_by"])
    return locked


def _closed_already(follow_up: FollowUp) -> str:
    when = formats.date_format(timezone.localtime(follow_up.closed_at), "SHORT_DATETIME_FORMAT")
    by = (
        follow_up.closed_by.get_full_name() or follow_up.closed_by.get_username()
        if follow_up.closed_by
        else ""
    )
    if by:
        return _(
            "Someone got there first: %(name)s recorded this follow-up on %(when)s. Nothing was changed."
        ) % {
            "name": by,
            "when": when,
        }
    return _("This follow-up was recorded already on %(when)s. Nothing was changed.") % {"when": when}
