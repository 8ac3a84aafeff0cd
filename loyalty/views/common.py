"""What the loyalty pages share: a customer by id (404 if none), and the way a merged duplicate's page leads
to the profile it was merged into."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from loyalty import selectors
from loyalty.models import Customer


def customer_or_404(customer_id: int) -> Customer:
    customer = selectors.customer_for_page(customer_id)
    if customer is None:
        raise Http404(_("No customer %(id)s.") % {"id": customer_id})
    return customer


def merged_redirect(request: HttpRequest, customer: Customer, name: str) -> HttpResponse | None:
    """A merged duplicate's pages lead to the profile it was merged into."""
    if customer.merged_into_id is None:
        return None
    root = selectors.root_of(customer)
    messages.info(
        request,
        _("Customer %(old)s was merged into this profile.") % {"old": customer.pk},
    )
    return redirect(name, customer_id=root.pk)
