"""The customer page's preferences and consent: what staff see (the preferred store, language, sizes; the
current consent on each purpose and channel with its full history: who, when, through which touchpoint,
where) and the two forms that change them. A consent the customer states in store is recorded with source
"store", by the staff member, at their current location."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loyalty import selectors, services
from loyalty.forms import ConsentForm, PreferencesForm
from loyalty.models import Customer
from loyalty.views.common import customer_or_404
from loyalty.views.consent_panel import consent_context, store_choices
from loyalty.views.customers import _customer_context
from omni import pages
from omni.exceptions import DomainError


def _render_with(request: HttpRequest, customer_id: int, **forms: Any) -> HttpResponse:
    customer = customer_or_404(customer_id)  # fresh figures beside the form's errors
    if customer.erased_at is not None:  # no section to show the form on: say it as a message
        for form in forms.values():
            pages.form_errors_as_messages(request, form)
    context = _customer_context(request, customer)
    context.update(consent_context(customer, **forms))
    return render(request, "loyalty/customer_detail.html", context, status=400)


def _active_customer(customer_id: int) -> Customer:
    customer = customer_or_404(customer_id)
    return selectors.root_of(customer)


@login_required
@require_POST
def customer_consent(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _active_customer(customer_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            event = services.record_consent(
                customer=customer,
                purpose=form.cleaned_data["purpose"],
                channel=form.cleaned_data["channel"],
                granted=form.cleaned_data["granted"],
                source="store",
                actor=pages.actor(request),
                location_id=getattr(getattr(request, "current_location", None), "pk", None),
            )
        except DomainError as exc:
            pages.show_on_form(form, exc)
        else:
            purpose, channel = event.get_purpose_display(), event.get_channel_display()
            if event.granted:
                note = _("Consent recorded: %(purpose)s by %(channel)s given.")
            else:
                note = _("Consent recorded: %(purpose)s by %(channel)s withdrawn.")
            messages.success(request, note % {"purpose": purpose, "channel": channel})
            return redirect(f"{customer_page_url(customer)}#consent")
    return _render_with(request, customer.pk, consent_form=form)


@login_required
@require_POST
def customer_preferences(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _active_customer(customer_id)
    form = PreferencesForm(request.POST, stores=store_choices(customer))
    if form.is_valid():
        changes = dict(form.cleaned_data)
        preferred = selectors.preferred_location_of(customer)
        if changes["preferred_location"] == (preferred.code if preferred else ""):
            del changes["preferred_location"]  # unchanged (it may have closed since it was chosen)
        try:
            services.update_preferences(customer=customer, changes=changes, actor=pages.actor(request))
        except DomainError as exc:
            pages.show_on_form(form, exc)
        else:
            messages.success(request, _("Preferences saved."))
            return redirect(f"{customer_page_url(customer)}#preferences")
    return _render_with(request, customer.pk, preferences_form=form)


def customer_page_url(customer: Customer) -> str:
    return reverse("loyalty:customer", kwargs={"customer_id": customer.pk})
