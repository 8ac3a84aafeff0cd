"""The managers' page of the store tablets: per store they manage (HQ and administrators: every store), the
tablets with their queues (last seen, actions waiting and the age of the oldest), the synced actions that
need attention (rejected: recorded, not applied) and the shortfalls to review, each with a "reviewed" form
(offline.services.devices.review_shortfall, once)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from offline.selectors.devices import STALE_QUEUE, managed_locations, tablets_by_store
from offline.services.devices import review_shortfall
from omni import pages
from omni.exceptions import DomainError


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": gettext_lazy("What was found")}),
    )


def _page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    actor = pages.actor(request)
    if not actor.is_manager:
        raise PermissionDenied(_("Only managers see the store tablets."))
    stores = tablets_by_store(actor, managed_locations(actor))
    return render(
        request,
        "offline/devices.html",
        {
            "stores": stores,
            "form": ReviewForm(),
            "stale_after": STALE_QUEUE,
            "stale_before": timezone.now() - STALE_QUEUE,
        },
        status=status,
    )


@login_required
def devices(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def review(request: HttpRequest, shortfall_id: int) -> HttpResponse:
    actor = pages.actor(request)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        pages.form_errors_as_messages(request, form)
        return _page(request, status=400)
    try:
        shortfall = review_shortfall(actor=actor, shortfall_id=shortfall_id, note=form.cleaned_data["note"])
    except DomainError as exc:
        pages.show_as_message(request, exc)  # another store's shortfall: 404; not a manager: 403
        return _page(request, status=exc.status)
    messages.success(
        request,
        _("Reviewed: %(units)d × %(sku)s at %(location)s.")
        % {"units": shortfall.quantity, "sku": shortfall.variant.sku, "location": shortfall.location.code},
    )
    return redirect("offline:devices")
