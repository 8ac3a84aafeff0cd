"""Customer segments: managers define them (a code, a name and rules, orders.segment_rules); every day the
size of each active segment is kept (the "segment sizes" report). Membership itself is never stored: it is
evaluated live (orders.selectors.segments), so a segment promotion follows the customer's latest orders."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omni.actors import Actor
from omni.exceptions import Forbidden
from omni.services import record_audit
from orders.exceptions import SegmentInvalid
from orders.models import Segment, SegmentSize
from orders.segment_rules import clean_rules
from orders.selectors.segments import member_counts

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def can_manage_segments(actor: Actor) -> bool:
    """Managers define segments: store managers and HQ (and Omni itself: commands, demo data), never
    associates or API clients."""
    if actor.user is None and actor.client is None:
        return True  # Actor.system()
    return actor.is_staff_user and actor.is_manager


def _check(actor: Actor, code: str, name: str, segment: Segment | None) -> None:
    if not can_manage_segments(actor):
        raise Forbidden(_("Only managers define customer segments."))
    if not CODE.match(code):
        raise SegmentInvalid(
            _("The code is 1 to 40 lowercase letters, digits, - or _."),
            errors={"code": [_("1 to 40 lowercase letters, digits, - or _ (e.g. gold-milano).")]},
        )
    taken = Segment.objects.filter(code=code)
    if segment is not None:
        taken = taken.exclude(pk=segment.pk)
    if taken.exists():
        raise SegmentInvalid(
            _("A segment %(code)s already exists.") % {"code": code},
            errors={"code": [_("This code is taken.")]},
        )
    if not name.strip() or len(name) > 120:
        raise SegmentInvalid(
            _("The name is 1 to 120 characters."), errors={"name": [_("1 to 120 characters.")]}
        )


@transaction.atomic
def save_segment(
    *,
    actor: Actor,
    code: str,
    name: str,
    rules: Any,
    description: str = "",
    active: bool = True,
    segment: Segment | None = None,
) -> Segment:
    """Create a segment (segment None) or change one; the rules are checked and stored in their clean form.
    A segment in use by a promotion changes who gets it from the next price computed."""
    code = code.strip().lower()
    _check(actor, code, name, segment)
    cleaned = clean_rules(rules)
    if segment is None:
        segment = Segment(created_by=actor.user)
    before = (
        None
        if segment.pk is None
        else {"code": segment.code, "rules": segment.rules, "active": segment.active}
    )
    segment.code, segment.name, segment.description = code, name.strip(), description.strip()
    segment.rules, segment.active = cleaned, active
    segment.save()
    record_audit(
        action="segment.created" if before is None else "segment.changed",
        actor=actor,
        object_type="segment",
        object_id=segment.pk,
        data={"code": code, "rules": cleaned, "active": active, "before": before},
    )
    return segment


def snapshot_segment_sizes(*, day: dt.date | None = None) -> int:
    """Keep today's (or `day`'s) member count of every active segment, one query for all the counts; run
    again the same day, it replaces that day's figures. Returns how many segments were counted."""
    day = day or timezone.localdate()
    segments = list(Segment.objects.filter(active=True).order_by("pk"))
    counts = member_counts(segments)
    now = timezone.now()
    SegmentSize.objects.bulk_create(
        [SegmentSize(segment=s, day=day, members=counts.get(s.pk, 0), taken_at=now) for s in segments],
        update_conflicts=True,
        unique_fields=["segment", "day"],
        update_fields=["members", "taken_at"],
    )
    return len(segments)
