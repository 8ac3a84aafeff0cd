"""Staff pages of the loyalty programme: the member lookup (one box for a scanned card, an email or a
phone), a customer's 360-degree view with the points ledger, manual adjustments, merging duplicates, the
printable digital card, and the GDPR export and erasure.

They read through loyalty.selectors (and loyalty.page_selectors) and write through loyalty.services; who
may do what is decided in one place (page_selectors.can_*). A domain error is shown on the form, never as
a 500."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loyalty import barcodes, page_selectors, services
from loyalty.forms import AdjustmentForm, DuplicateSearchForm, EraseForm, LookupForm, MergeForm
from loyalty.models import Customer, MemberStatus
from omni.actors import Actor
from omni.exceptions import DomainError, Forbidden, NotFound
from omni.services import record_audit

LEDGER_PAGE_SIZE = 25


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)  # type: ignore[arg-type]


def _customer_or_404(customer_id: int) -> Customer:
    customer = page_selectors.customer_for_page(customer_id)
    if customer is None:
        raise Http404(_("No customer %(id)s.") % {"id": customer_id})
    return customer


def _merged_redirect(request: HttpRequest, customer: Customer, name: str) -> HttpResponse | None:
    """A merged duplicate's pages lead to the profile it was merged into."""
    if customer.merged_into_id is None:
        return None
    root = page_selectors.root_of(customer)
    messages.info(
        request,
        _("Customer %(old)s was merged into this profile.") % {"old": customer.pk},
    )
    return redirect(name, customer_id=root.pk)


def _form_domain_error(form: Form, exc: DomainError) -> None:
    """Put a service's refusal on the form: on the field it names, else above the form; a refusal is a
    403 and a vanished object a 404, as anywhere else."""
    if isinstance(exc, Forbidden):
        raise PermissionDenied(exc.detail) from exc
    if isinstance(exc, NotFound):
        raise Http404(exc.detail) from exc
    placed = False
    for name, errors in (exc.errors or {}).items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
            placed = True
    if not placed:
        form.add_error(None, exc.detail)


# --- 1. The member lookup -----------------------------------------------------------------------------


@login_required
@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.GET or None)
    found = None
    if form.is_valid() and form.cleaned_data["q"]:
        found = page_selectors.lookup_customers(form.cleaned_data["q"])
        if found.exact is not None:
            return redirect("loyalty:customer", customer_id=found.exact.pk)
    return render(
        request,
        "loyalty/lookup.html",
        {"form": form, "found": found},
        status=400 if form.errors else 200,
    )


# --- 2. A customer: the 360-degree view, with the adjustment form -------------------------------------------


def _customer_context(
    request: HttpRequest, customer: Customer, *, adjust_form: AdjustmentForm | None = None
) -> dict[str, Any]:
    actor = _actor(request)
    member = page_selectors.member_of(customer)
    member_active = member is not None and member.status == MemberStatus.ACTIVE
    context: dict[str, Any] = {
        "customer": customer,
        "member": member,
        "member_active": member_active,
        "emails": page_selectors.person_emails(customer),
        "can_adjust": page_selectors.can_adjust(actor) and member_active,
        "can_merge": page_selectors.can_merge(actor) and customer.is_active,
        "can_manage_data": page_selectors.can_manage_personal_data(actor),
        "progress": None,
        "ledger": None,
        "lots": [],
        "merged_cards": [],
    }
    if context["can_adjust"]:
        context["adjust_form"] = adjust_form or AdjustmentForm()
    orders_qs = page_selectors.orders_of(customer)
    orders = list(orders_qs[: page_selectors.RECENT_ORDERS]) if orders_qs is not None else []
    context["orders"] = orders
    context["orders_count"] = orders_qs.count() if orders_qs is not None else 0
    context["returns"] = page_selectors.returns_of([o.pk for o in orders]) if orders else None
    if member is not None:
        context["progress"] = page_selectors.tier_progress(member)
        context["ledger"] = Paginator(page_selectors.ledger_of(member), LEDGER_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context["lots"] = list(page_selectors.open_lots_of(member))
        context["merged_cards"] = page_selectors.merged_cards_of(member)
    return context


@login_required
@require_GET
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(customer_id)
    moved = _merged_redirect(request, customer, "loyalty:customer")
    if moved is not None:
        return moved
    return render(request, "loyalty/customer_detail.html", _customer_context(request, customer))


# --- 3. A manual adjustment ------------------------------------------------------------------------------


@login_required
@require_POST
def customer_adjust(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = _actor(request)
    if not page_selectors.can_adjust(actor):
        raise PermissionDenied(_("Only managers adjust points."))
    customer = _customer_or_404(customer_id)
    member = page_selectors.member_of(customer)
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
            _form_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(points)+d points: the balance is now %(balance)d.")
                % {"points": entry.points, "balance": entry.balance_after},
            )
            return redirect("loyalty:customer", customer_id=customer.pk)
    customer = _customer_or_404(customer_id)  # fresh figures beside the form's errors
    return render(
        request,
        "loyalty/customer_detail.html",
        _customer_context(request, customer, adjust_form=form),
        status=400,
    )


# --- 4. Merging a duplicate --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def customer_merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Find the duplicate (GET ?duplicate=), see what moves (?merge=<id>), confirm with a reason (POST)."""
    actor = _actor(request)
    if not page_selectors.can_merge(actor):
        raise PermissionDenied(_("Only HQ merges customers."))
    keep = _customer_or_404(customer_id)
    moved = _merged_redirect(request, keep, "loyalty:merge")
    if moved is not None:
        return moved
    if keep.erased_at is not None:
        raise Http404(_("This customer has been erased."))
    search = DuplicateSearchForm(request.GET or None)
    candidates: list[Customer] | None = None
    if search.is_valid():
        candidates = page_selectors.find_duplicate(search.cleaned_data["duplicate"], keep=keep)
    chosen_id = (request.POST if request.method == "POST" else request.GET).get("merge", "")
    if not chosen_id and candidates is not None and len(candidates) == 1:
        chosen_id = str(candidates[0].pk)
    merge: Customer | None = None
    problem = ""
    if chosen_id:
        merge = page_selectors.customer_for_page(int(chosen_id)) if chosen_id.isdigit() else None
        if merge is None or not merge.is_active or merge.pk == keep.pk:
            merge = None
            problem = _("Choose another customer: that one cannot be merged into this one.")
    form = MergeForm(initial={"merge": merge.pk} if merge else None)
    if request.method == "POST":
        form = MergeForm(request.POST)
        if merge is not None and form.is_valid():
            try:
                services.merge_customers(
                    keep=keep, merge=merge, actor=actor, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                _form_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Customer %(merged)s merged into this profile.") % {"merged": merge.email or merge.pk},
                )
                return redirect("loyalty:customer", customer_id=keep.pk)
    return render(
        request,
        "loyalty/merge.html",
        {
            "customer": keep,
            "search": search,
            "candidates": candidates,
            "problem": problem,
            "preview": page_selectors.merge_preview(keep=keep, merge=merge) if merge else None,
            "form": form,
        },
        status=400 if request.method == "POST" or problem else 200,
    )


# --- 5. The digital card --------------------------------------------------------------------------------


@login_required
@require_GET
def member_card(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(customer_id)
    moved = _merged_redirect(request, customer, "loyalty:card")
    if moved is not None:
        return moved
    member = page_selectors.member_of(customer)
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


# --- 6. GDPR: export and erasure ---------------------------------------------------------------------------


@login_required
@require_POST
def customer_export(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Everything held on the person as a JSON download (Art. 15/20 GDPR); who exported it is audited."""
    actor = _actor(request)
    if not page_selectors.can_manage_personal_data(actor):
        raise PermissionDenied(_("Only HQ exports personal data."))
    customer = _customer_or_404(customer_id)
    if customer.merged_into_id is not None:
        customer = _customer_or_404(page_selectors.root_of(customer).pk)
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
    actor = _actor(request)
    if not page_selectors.can_manage_personal_data(actor):
        raise PermissionDenied(_("Only HQ erases personal data."))
    customer = _customer_or_404(customer_id)
    moved = _merged_redirect(request, customer, "loyalty:erase")
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
            _form_domain_error(form, exc)
        else:
            messages.success(request, _("The customer's personal data has been erased."))
            return redirect("loyalty:customer", customer_id=customer.pk)
    return render(
        request,
        "loyalty/erase.html",
        {"customer": customer, "member": page_selectors.member_of(customer), "form": form},
        status=400 if form.errors else 200,
    )
