"""The associate's day agenda on the store tablet: the current store's appointments of a day (time, service,
customer, note, the cart or wishlist the consultation is about, status) with the buttons to mark them
completed or no-show and to cancel, and the days before and after.

Authorization: the agenda is the current location's (the switcher), which a store's staff may only set to
their own stores; an appointment of another location is not found (404) by the action URLs
(appointments.selectors.access). HQ and superusers see and manage any store's."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.exceptions import AppointmentNotFound
from appointments.forms import DayForm
from appointments.models import Appointment, AppointmentStatus
from appointments.selectors import appointment_for
from appointments.selectors.appointments import agenda, consultation_subjects
from appointments.services import cancel_appointment, close_appointment
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError
from stores.selectors.slots import location_zone


def store_here(request: HttpRequest, actor: Actor) -> Any:
    """The current location if it is a store the user may act at; None (choose one) otherwise."""
    here = getattr(request, "current_location", None)
    if here is None:
        return None
    if not actor.can_act_at(here.pk):
        raise PermissionDenied(_("You may only work on the appointments of your own store."))
    return here if here.kind == "store" else None


def local_today(location: Any) -> date:
    return timezone.now().astimezone(location_zone(location)).date()


@login_required
def agenda_page(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    here = store_here(request, actor)
    form = DayForm(request.GET)
    day = None
    if form.is_valid():
        day = form.cleaned_data["date"]
    if here is None:
        return render(request, "appointments/agenda.html", {"here": None, "form": form})
    day = day or local_today(here)
    now = timezone.now()
    appointments = list(agenda(here, day))
    about = consultation_subjects(appointments)
    rows = [
        {
            "appointment": a,
            "started": a.start <= now,
            "open": a.status == AppointmentStatus.BOOKED,
            **about[a.pk],
        }
        for a in appointments
    ]
    return render(
        request,
        "appointments/agenda.html",
        {
            "here": here,
            "form": form,
            "day": day,
            "today": local_today(here),
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "rows": rows,
            "zone": location_zone(here),
            "counts": {
                "booked": sum(1 for r in rows if r["open"]),
                "completed": sum(1 for r in rows if r["appointment"].status == AppointmentStatus.COMPLETED),
                "no_show": sum(1 for r in rows if r["appointment"].status == AppointmentStatus.NO_SHOW),
            },
        },
    )


def _back(appointment: Appointment) -> str:
    day = appointment.start.astimezone(location_zone(appointment.location)).date()
    return f"{reverse('appointments:agenda')}?date={day.isoformat()}"


def _act(request: HttpRequest, appointment_id: str, do: Any, done: str) -> HttpResponse:
    actor = pages.actor(request)
    appointment = appointment_for(actor, appointment_id)
    if appointment is None:
        raise Http404(_("No appointment %(id)s.") % {"id": appointment_id})
    try:
        do(actor, appointment)
    except AppointmentNotFound as exc:
        raise Http404(exc.detail) from exc
    except DomainError as exc:
        pages.show_as_message(request, exc)
    else:
        messages.success(request, done)
    return redirect(_back(appointment))


@login_required
@require_POST
def complete(request: HttpRequest, appointment_id: str) -> HttpResponse:
    return _act(
        request,
        appointment_id,
        lambda actor, a: close_appointment(
            actor=actor, appointment_id=a.pk, status=AppointmentStatus.COMPLETED
        ),
        _("Marked completed."),
    )


@login_required
@require_POST
def no_show(request: HttpRequest, appointment_id: str) -> HttpResponse:
    return _act(
        request,
        appointment_id,
        lambda actor, a: close_appointment(
            actor=actor, appointment_id=a.pk, status=AppointmentStatus.NO_SHOW
        ),
        _("Marked as a no-show."),
    )


@login_required
@require_POST
def cancel(request: HttpRequest, appointment_id: str) -> HttpResponse:
    return _act(
        request,
        appointment_id,
        lambda actor, a: cancel_appointment(actor=actor, appointment_id=a.pk),
        _("Appointment cancelled: the customer is told by email."),
    )
