"""The dashboard's follow-up panel (omni.dashboard, registered in feedback/wiring.py): for managers, the
unhappy customers waiting for a call back at the current store (or every one HQ sees), and how long the
oldest has waited."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from feedback.selectors.follow_ups import may_follow_up, open_follow_ups
from omni.actors import Actor
from omni.dashboard import Figure, Panel


def follow_ups_panel(request: HttpRequest, location: Any) -> Panel | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    actor = Actor.for_user(user)
    if not may_follow_up(actor):
        return None
    if location is None and not user.sees_all_locations:
        return None
    waiting = open_follow_ups(actor, location)
    url = reverse("feedback:follow-up-list")
    if location is not None:
        url += f"?location={location.pk}"
    days = waiting.oldest_days
    oldest = ngettext("%(days)s day", "%(days)s days", days) % {"days": days} if days is not None else "—"
    tone = "bad" if days is not None and days >= 2 else ("warn" if waiting.count else "")
    title = _("Follow-ups at %(name)s") % {"name": location.name} if location is not None else _("Follow-ups")
    return Panel(
        title=title,
        order=60,
        figures=[
            Figure(_("Customers to call back"), waiting.count, url, tone="warn" if waiting.count else ""),
            Figure(_("Oldest waiting"), oldest, url, tone=tone),
        ],
        links=[(_("Follow-up queue"), url)],
    )
