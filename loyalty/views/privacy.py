"""Staff pages of a person's data (GDPR): the export of everything held on them (Art. 15/20), and the
erasure."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from loyalty import selectors, services
from loyalty.forms import EraseForm
from loyalty.views.common import customer_or_404, merged_redirect
from omni import pages
from omni.exceptions import DomainError
from omni.services import record_audit


@login_required
@require_POST
def customer_export(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Everything held on the person as a JSON download (Art. 15/20 GDPR); who exported it is audited."""
    actor = pages.actor(request)
    if not selectors.can_manage_personal_data(actor):
        raise PermissionDenied(_("Only HQ exports personal data."))
    customer = customer_or_404(customer_id)
    if customer.merged_into_id is not None:
        customer = customer_or_404(selectors.root_of(customer).pk)
    data = services.export_customer(customer)
    record_audit(
        action="loyalty.customer_exported",
        actor=actor,
        object_type="loyalty_customer",
        object_id=customer.pk,
    )
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def customer_erase(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = pages.actor(request)
    if not selectors.can_manage_personal_data(actor):
        raise PermissionDenied(_("Only HQ erases personal data."))
    customer = customer_or_404(customer_id)
    moved = merged_redirect(request, customer, "loyalty:erase")
    if moved is not None:
        return moved
    if customer.erased_at is not None:
        messages.info(request, _("This customer has already been erased."))
        return redirect("loyalty:customer", customer_id=customer.pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.erase_customer(customer=customer, actor=actor, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            pages.show_on_form(form, exc)
        else:
            messages.success(request, _("The customer's personal data has been erased."))
            return redirect("loyalty:customer", customer_id=customer.pk)
    return render(
        request,
        "loyalty/erase.html",
        {"customer": customer, "member": selectors.member_of(customer), "form": form},
        status=400 if form.errors else 200,
    )
