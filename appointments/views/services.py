"""A store's appointment services, for its managers and HQ: the list (active and not), adding one, and
changing one's name, duration or capacity, or deactivating it (no new bookings; those made stay)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.forms import NewServiceForm, ServiceForm
from appointments.selectors.services import services_of
from appointments.services import create_service, update_service
from appointments.views.agenda import store_here
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError
from stores.models import Service


def _manager(request: HttpRequest) -> Actor:
    actor = pages.actor(request)
    if not actor.is_manager:
        raise PermissionDenied(_("Only managers manage the appointment services."))
    return actor


@login_required
def service_list(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    here = store_here(request, actor)
    form = NewServiceForm(request.POST or None, initial={"duration_minutes": 30, "capacity": 1})
    if here is not None and request.method == "POST" and form.is_valid():
        try:
            service = create_service(actor=actor, location=here, **form.cleaned_data)
        except DomainError as exc:
            pages.show_on_form(form, exc)
        else:
            messages.success(request, _("Service %(name)s added.") % {"name": service.name})
            return redirect("appointments:services")
    services = list(services_of(here)) if here is not None else []
    return render(request, "appointments/services.html", {"here": here, "services": services, "form": form})


def _service_here(request: HttpRequest, actor: Actor, service_id: int) -> Service:
    here = store_here(request, actor)
    service = services_of(here).filter(pk=service_id).select_related("location").first() if here else None
    if service is None:
        raise Http404(_("No such service at this store."))
    return service


@login_required
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    actor = _manager(request)
    service = _service_here(request, actor, service_id)
    initial = {
        "name": service.name,
        "duration_minutes": service.duration_minutes,
        "capacity": service.capacity,
    }
    form = ServiceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_service(actor=actor, service=service, **form.cleaned_data)
        except DomainError as exc:
            pages.show_on_form(form, exc)
        else:
            messages.success(request, _("Service %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("appointments:services")
    return render(request, "appointments/service_form.html", {"service": service, "form": form})


@login_required
@require_POST
def service_active(request: HttpRequest, service_id: int) -> HttpResponse:
    """Deactivate (active=0) or reactivate (active=1) a service."""
    actor = _manager(request)
    service = _service_here(request, actor, service_id)
    active = request.POST.get("active") == "1"
    try:
        update_service(actor=actor, service=service, active=active)
    except DomainError as exc:
        pages.show_as_message(request, exc)
    else:
        if active:
            messages.success(request, _("Service %(name)s is bookable again.") % {"name": service.name})
        else:
            messages.success(request, _("Service %(name)s deactivated.") % {"name": service.name})
    return redirect("appointments:services")
