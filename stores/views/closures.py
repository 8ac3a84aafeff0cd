"""A store's calendar page: its closures and special hours (list, add, delete) and the length and capacity
of its pickup windows. Managers of that store and HQ only; the writes are stores.services.closures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from omni import pages
from omni.exceptions import DomainError
from stores import selectors
from stores.forms import ClosureForm, PickupWindowsForm
from stores.models import Closure, Location
from stores.services.closures import add_closure, can_manage_calendar, delete_closure, set_pickup_windows


def _location(request: HttpRequest, code: str) -> Location:
    location = selectors.location_for_page(code.upper())
    if location is None:
        raise Http404(_("No such location."))
    if not can_manage_calendar(pages.actor(request), location):
        raise PermissionDenied(_("Only the managers of this store, or HQ, change its closures."))
    return location


@login_required
@require_http_methods(["GET", "POST"])
def closures(request: HttpRequest, code: str) -> HttpResponse:
    location = _location(request, code)
    actor = pages.actor(request)
    form = ClosureForm(request.POST if request.POST.get("action") == "add" else None)
    windows = PickupWindowsForm(
        request.POST if request.POST.get("action") == "windows" else None,
        initial={
            "pickup_slot_minutes": location.pickup_slot_minutes,
            "pickup_slot_capacity": location.pickup_slot_capacity,
        },
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "add" and form.is_valid():
                closure = add_closure(
                    actor=actor,
                    location=location,
                    day=form.cleaned_data["date"],
                    opens=form.cleaned_data["opens"],
                    closes=form.cleaned_data["closes"],
                    reason=form.cleaned_data["reason"],
                )
                messages.success(
                    request, _("Saved for %(day)s.") % {"day": closure.date.strftime("%Y-%m-%d")}
                )
                return redirect("stores:closures", code=location.code)
            if request.POST.get("action") == "windows" and windows.is_valid():
                set_pickup_windows(
                    actor=actor,
                    location=location,
                    minutes=windows.cleaned_data["pickup_slot_minutes"],
                    capacity=windows.cleaned_data["pickup_slot_capacity"],
                )
                messages.success(request, _("Pickup windows saved."))
                return redirect("stores:closures", code=location.code)
        except DomainError as exc:
            pages.show_on_form(form if request.POST.get("action") == "add" else windows, exc)
    upcoming = Closure.objects.filter(location=location, date__gte=timezone.localdate()).order_by("date")
    return render(
        request,
        "stores/closures.html",
        {"location": location, "form": form, "windows": windows, "closures": upcoming},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def closure_delete(request: HttpRequest, code: str, closure_id: int) -> HttpResponse:
    location = _location(request, code)
    try:
        delete_closure(actor=pages.actor(request), location=location, closure_id=closure_id)
        messages.success(request, _("Deleted."))
    except DomainError as exc:
        pages.show_as_message(request, exc)
    return redirect("stores:closures", code=location.code)
