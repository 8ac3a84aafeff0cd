"""Staff book an appointment for a customer at the current store: choose the service and the day (GET), then
one of the free times and the customer's details (POST). The same booking service as the API
(appointments.services.booking): a time taken meanwhile, a customer without email, a cart not found come
back as errors on the form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from appointments.forms import BookingForm, SlotSearchForm
from appointments.selectors.services import active_services
from appointments.services import CustomerInput, book_appointment
from appointments.views.agenda import local_today, store_here
from omni import pages
from omni.exceptions import DomainError
from stores.models import Service
from stores.selectors.slots import location_zone, service_slots


def _slot_choices(service: Service, day: Any) -> list[tuple[str, str]]:
    zone = location_zone(service.location)
    choices = []
    for slot in service_slots(service, day):
        if slot.remaining < 1:
            continue
        start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
        label = _("%(start)s–%(end)s (%(free)d free)") % {
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
            "free": slot.remaining,
        }
        choices.append((start.isoformat(), label))
    return choices


@login_required
def book(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    here = store_here(request, actor)
    if here is None:
        return render(request, "appointments/book.html", {"here": None})
    services = active_services(here)
    data = request.POST if request.method == "POST" else request.GET
    search = SlotSearchForm(
        data if "service" in data else None, services=services, initial={"date": local_today(here)}
    )
    slots: list[tuple[str, str]] = []
    form = None
    if search.is_bound and search.is_valid():
        service, day = search.cleaned_data["service"], search.cleaned_data["date"]
        slots = _slot_choices(service, day)
        if request.method == "POST":
            form = BookingForm(request.POST, services=services, slots=slots)
            if form.is_valid():
                done = _book(request, actor, here, form)
                if done is not None:
                    return done
        else:
            form = BookingForm(
                services=services,
                slots=slots,
                initial={"service": service, "date": day, "language": "it"},
            )
    return render(
        request,
        "appointments/book.html",
        {"here": here, "search": search, "form": form, "slots": slots, "has_services": services.exists()},
    )


def _book(request: HttpRequest, actor: Any, here: Any, form: BookingForm) -> HttpResponse | None:
    data = form.cleaned_data
    try:
        appointment = book_appointment(
            actor=actor,
            location_code=here.code,
            service_code=data["service"].code,
            start=datetime.fromisoformat(data["start"]),
            customer=CustomerInput(
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
            ),
            note=data["note"],
            cart_id=data["cart"].strip(),
            language=data["language"],
        )
    except DomainError as exc:
        pages.show_on_form(form, exc)
        return None
    start = appointment.start.astimezone(location_zone(here))
    messages.success(
        request,
        _("Booked: %(service)s on %(day)s at %(time)s for %(name)s.")
        % {
            "service": appointment.service.name,
            "day": f"{start:%d/%m/%Y}",
            "time": f"{start:%H:%M}",
            "name": f"{appointment.customer_first_name} {appointment.customer_last_name}".strip(),
        },
    )
    return redirect(f"{reverse('appointments:agenda')}?date={start.date().isoformat()}")
