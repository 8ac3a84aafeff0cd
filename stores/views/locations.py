"""Back-office pages of locations, and the current-location switcher."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omni.actors import Actor
from stores import selectors
from stores.forms import LocationFilterForm
from stores.middleware import SESSION_KEY
from stores.models import Location
from stores.services.closures import can_manage_calendar


@login_required
def location_list(request: HttpRequest) -> HttpResponse:
    form = LocationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    here = request.current_location  # type: ignore[attr-defined]
    near = (here.latitude, here.longitude) if here is not None else None
    locations = selectors.location_directory(
        user=request.user,  # type: ignore[arg-type]
        query=filters.get("q", ""),
        kind=filters.get("kind", ""),
        capability=filters.get("capability", ""),
        near=near,
    )
    return render(request, "stores/location_list.html", {"form": form, "locations": locations, "near": near})


@login_required
def location_detail(request: HttpRequest, code: str) -> HttpResponse:
    location = selectors.location_for_page(code)
    if location is None or (not location.active and not request.user.sees_all_locations):  # type: ignore[union-attr]
        raise Http404(_("No such location."))
    today = timezone.localdate().weekday()
    hours = list(location.opening_hours.all())
    staff = None
    user = request.user
    if user.is_manager and (  # type: ignore[union-attr]
        user.sees_all_locations or selectors.locations_for_user(user).filter(pk=location.pk).exists()  # type: ignore[union-attr, arg-type]
    ):
        staff = selectors.staff_of(location)
    return render(
        request,
        "stores/location_detail.html",
        {
            "location": location,
            "hours": hours,
            "today": today,
            "staff": staff,
            "can_manage_calendar": can_manage_calendar(Actor.for_user(user), location),  # type: ignore[arg-type]
        },
    )


@login_required
@require_POST
def switch_location(request: HttpRequest) -> HttpResponse:
    """Pick the current location among those the staff member works at (HQ may pick none: the network)."""
    raw = request.POST.get("location", "")
    user = request.user
    if raw == "":
        if not user.sees_all_locations:  # type: ignore[union-attr]
            return HttpResponseBadRequest(_("Choose one of your locations."))
        request.session.pop(SESSION_KEY, None)
    else:
        try:
            chosen = selectors.locations_for_user(user).get(pk=int(raw))  # type: ignore[arg-type]
        except (ValueError, Location.DoesNotExist):
            return HttpResponseBadRequest(_("You do not work at that location."))
        request.session[SESSION_KEY] = chosen.pk
        messages.success(request, _("You are now working at %(name)s.") % {"name": chosen.name})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("dashboard")
    return HttpResponseRedirect(target)
