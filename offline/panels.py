"""The dashboard's panel of the store tablets, for managers: shown only when something waits for them, a
tablet whose queue has not synced for more than 15 minutes, or shortfalls to review (at the current store,
or across the network for HQ)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from offline.selectors.devices import waiting_figures
from omni.actors import Actor
from omni.dashboard import Figure, Panel


def tablets_panel(request: HttpRequest, location: Any) -> Panel | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    actor = Actor.for_user(user)
    if not actor.is_manager:
        return None
    if location is not None:
        if not actor.can_act_at(location.pk):
            return None
        ids: list[int] | None = [location.pk]
    elif actor.location_ids is None:
        ids = None
    else:
        return None
    figures = waiting_figures(ids)
    if not figures["stale_tablets"] and not figures["shortfalls"]:
        return None
    page = reverse("offline:devices")
    shown = [
        Figure(
            _("Tablets not synced"),
            figures["stale_tablets"],
            page,
            tone="bad" if figures["stale_tablets"] else "",
        ),
        Figure(
            _("Shortfalls to review"),
            figures["shortfalls"],
            page,
            tone="warn" if figures["shortfalls"] else "",
        ),
    ]
    if figures["oldest"] is not None:
        shown.append(Figure(_("Oldest waiting"), timesince(figures["oldest"], timezone.now())))
    return Panel(title=_("Store tablets"), order=18, figures=shown, links=[(_("Store tablets"), page)])
