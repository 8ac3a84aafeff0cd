"""The dashboard's "Today's appointments" panel (omni.dashboard, registered in appointments.wiring): at the
current store, today's appointments still to come, completed and no-shows, linked to the agenda. HQ without
a chosen store sees the whole network's figures."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from appointments.models import Appointment, AppointmentStatus
from appointments.selectors.appointments import local_day_bounds
from omni.actors import Actor
from omni.dashboard import Figure, Panel
from stores.selectors.slots import location_zone


def appointments_panel(request: HttpRequest, location: Any) -> Panel | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    actor = Actor.for_user(user)  # type: ignore[arg-type]
    now = timezone.now()
    if location is not None:
        if location.kind != "store" or not actor.can_act_at(location.pk):
            return None
        start, end = local_day_bounds(location, now.astimezone(location_zone(location)).date())
        appointments = Appointment.objects.filter(location=location, start__gte=start, start__lt=end)
        title = _("Today's appointments at %(name)s") % {"name": location.name}
    elif actor.sees_all_locations:
        today = timezone.localdate()
        appointments = Appointment.objects.filter(start__date=today)
        title = _("Today's appointments")
    else:
        return None
    if location is not None and not Appointment.objects.filter(location=location).exists():
        return None  # a store that takes no appointments: no empty panel
    counts = appointments.aggregate(
        to_come=Count("pk", filter=Q(status=AppointmentStatus.BOOKED, start__gt=now)),
        to_mark=Count("pk", filter=Q(status=AppointmentStatus.BOOKED, start__lte=now)),
        completed=Count("pk", filter=Q(status=AppointmentStatus.COMPLETED)),
        no_shows=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW)),
    )
    agenda = reverse("appointments:agenda") if location is not None else None
    return Panel(
        title=title,
        order=18,
        figures=[
            Figure(_("Still to come"), counts["to_come"], agenda),
            Figure(_("To mark"), counts["to_mark"], agenda, tone="warn" if counts["to_mark"] else ""),
            Figure(_("Completed"), counts["completed"], agenda, tone="good" if counts["completed"] else ""),
            Figure(
                pgettext("appointments", "No-shows"),
                counts["no_shows"],
                agenda,
                tone="bad" if counts["no_shows"] else "",
            ),
        ],
        links=[(_("Agenda"), reverse("appointments:agenda"))] if location is not None else [],
    )
