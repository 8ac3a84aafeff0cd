"""Staff pages of a customer: the member lookup (one box for a scanned card, an email or a phone), the
360-degree view with the points ledger, a manual adjustment, and the printable digital card."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loyalty import barcodes, selectors, services
from loyalty.customer_extras import customer_sections
from loyalty.forms import AdjustmentForm, LookupForm
from loyalty.models import Customer, MemberStatus
from loyalty.segments import segments_of
from loyalty.views.common import customer_or_404, merged_redirect
from loyalty.views.consent_panel import consent_context
from omni import pages
from omni.exceptions import DomainError

LEDGER_PAGE_SIZE = 25


@login_required
@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.GET or None)
    found = None
    if form.is_valid() and form.cleaned_data["q"]:
        found = selectors.lookup_customers(form.cleaned_data["q"])
        if found.exact is not None:
            return redirect("loyalty:customer", customer_id=found.exact.pk)
    return render(
        request,
        "loyalty/lookup.html",
        {"form": form, "found": found},
        status=400 if form.errors else 200,
    )


def _customer_context(
    request: HttpRequest, customer: Customer, *, adjust_form: AdjustmentForm | None = None
) -> dict[str, Any]:
    actor = pages.actor(request)
    member = selectors.member_of(customer)
    member_active = member is not None and member.status == MemberStatus.ACTIVE
    context: dict[str, Any] = {
        "customer": customer,
        "member": member,
        "member_active": member_active,
        "emails": selectors.person_emails(customer),
        "can_adjust": selectors.can_adjust(actor) and member_active,
        "can_merge": selectors.can_merge(actor) and customer.is_active,
        "can_manage_data": selectors.can_manage_personal_data(actor),
        "progress": None,
        "ledger": None,
        "lots": [],
        "merged_cards": [],
        # the codes of the customer segments they belong to now (defined and evaluated by orders)
        "segments": segments_of(customer) if customer.is_active else [],
    }
    if context["can_adjust"]:
        context["adjust_form"] = adjust_form or AdjustmentForm()
    orders_qs = selectors.customer_orders(customer)
    orders = list(orders_qs[: selectors.RECENT_ORDERS])
    context["orders"] = orders
    context["orders_count"] = orders_qs.count()
    context["returns"] = selectors.recent_returns_of([o.pk for o in orders]) if orders else None
    if member is not None:
        context["progress"] = selectors.tier_progress(member)
        context["ledger"] = Paginator(selectors.ledger_of(member), LEDGER_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context["lots"] = list(selectors.open_lots_of(member))
        context["merged_cards"] = selectors.merged_cards_of(member)
    context.update(consent_context(customer))  # preferences and consent (loyalty.views.consent_panel)
    context["customer_sections"] = customer_sections(request, customer)  # open carts... (customer_extras)
    return context


@login_required
@require_GET
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_or_404(customer_id)
    moved = merged_redirect(request, customer, "loyalty:customer")
    if moved is not None:
        return moved
    return render(request, "loyalty/customer_detail.html", _customer_context(request, customer))


@login_required
@require_POST
def customer_adjust(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = pages.actor(request)
    if not selectors.can_adjust(actor):
        raise PermissionDenied(_("Only managers adjust points."))
    customer = customer_or_404(customer_id)
    member = selectors.member_of(customer)
    if member is None or customer.merged_into_id is not None:
        raise Http404(_("This customer has no loyalty card."))
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        try:
            entry = services.adjust(
                member=member,
                points=form.cleaned_data["points"],
                reason=form.cleaned_data["reason"],
                actor=actor,
            )
        except DomainError as exc:
            pages.show_on_form(form, exc)
        else:
            messages.success(
                request,
                _("%(points)+d points: the balance is now %(balance)d.")
                % {"points": entry.points, "balance": entry.balance_after},
            )
            return redirect("loyalty:customer", customer_id=customer.pk)
    customer = customer_or_404(customer_id)  # fresh figures beside the form's errors
    return render(
        request,
        "loyalty/customer_detail.html",
        _customer_context(request, customer, adjust_form=form),
        status=400,
    )


@login_required
@require_GET
def member_card(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_or_404(customer_id)
    moved = merged_redirect(request, customer, "loyalty:card")
    if moved is not None:
        return moved
    member = selectors.member_of(customer)
    if member is None or member.status != MemberStatus.ACTIVE:
        raise Http404(_("This customer has no active loyalty card."))
    return render(
        request,
        "loyalty/card.html",
        {
            "customer": customer,
            "member": member,
            # both drawn here from 13 digits (the database refuses anything else): safe to inline
            "barcode_svg": mark_safe(barcodes.code128_svg(member.card_number, label="")),  # noqa: S308
            "qr_svg": mark_safe(barcodes.qr_svg(member.card_number)),  # noqa: S308
        },
    )
