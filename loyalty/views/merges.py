"""Staff page of merging a duplicate customer into the one kept: find the duplicate (GET ?duplicate=), see
what moves (?merge=<id>), confirm with a reason (POST). HQ only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from loyalty import selectors, services
from loyalty.forms import DuplicateSearchForm, MergeForm
from loyalty.models import Customer
from loyalty.views.common import customer_or_404, merged_redirect
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError


def _kept_customer(request: HttpRequest, customer_id: int) -> Customer | HttpResponse:
    """The profile kept: a merged duplicate's page leads to its root; an erased one is a 404."""
    keep = customer_or_404(customer_id)
    moved = merged_redirect(request, keep, "loyalty:merge")
    if moved is not None:
        return moved
    if keep.erased_at is not None:
        raise Http404(_("This customer has been erased."))
    return keep


def _search(request: HttpRequest, keep: Customer) -> tuple[DuplicateSearchForm, list[Customer] | None]:
    """The duplicate search box and what it found (None: nothing searched)."""
    search = DuplicateSearchForm(request.GET or None)
    if not search.is_valid():
        return search, None
    return search, selectors.find_duplicate(search.cleaned_data["duplicate"], keep=keep)


def _chosen_duplicate(
    request: HttpRequest, keep: Customer, candidates: list[Customer] | None
) -> tuple[Customer | None, str]:
    """The duplicate picked (`merge`, or the only candidate found), and why it cannot be merged
    ("": it can)."""
    chosen_id = (request.POST if request.method == "POST" else request.GET).get("merge", "")
    if not chosen_id and candidates is not None and len(candidates) == 1:
        chosen_id = str(candidates[0].pk)
    if not chosen_id:
        return None, ""
    merge = selectors.customer_for_page(int(chosen_id)) if chosen_id.isdigit() else None
    if merge is None or not merge.is_active or merge.pk == keep.pk:
        return None, _("Choose another customer: that one cannot be merged into this one.")
    return merge, ""


def _confirm(
    request: HttpRequest, actor: Actor, keep: Customer, merge: Customer | None
) -> tuple[MergeForm, HttpResponse | None]:
    """On POST: merge (a redirect to the kept profile), or the form with its errors."""
    form = MergeForm(request.POST)
    if merge is None or not form.is_valid():
        return form, None
    try:
        services.merge_customers(keep=keep, merge=merge, actor=actor, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        pages.show_on_form(form, exc)
        return form, None
    messages.success(
        request,
        _("Customer %(merged)s merged into this profile.") % {"merged": merge.email or merge.pk},
    )
    return form, redirect("loyalty:customer", customer_id=keep.pk)


@login_required
@require_http_methods(["GET", "POST"])
def customer_merge(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Find the duplicate (GET ?duplicate=), see what moves (?merge=<id>), confirm with a reason (POST)."""
    actor = pages.actor(request)
    if not selectors.can_merge(actor):
        raise PermissionDenied(_("Only HQ merges customers."))
    keep = _kept_customer(request, customer_id)
    if isinstance(keep, HttpResponse):
        return keep
    search, candidates = _search(request, keep)
    merge, problem = _chosen_duplicate(request, keep, candidates)
    form = MergeForm(initial={"merge": merge.pk} if merge else None)
    if request.method == "POST":
        form, done = _confirm(request, actor, keep, merge)
        if done is not None:
            return done
    return render(
        request,
        "loyalty/merge.html",
        {
            "customer": keep,
            "search": search,
            "candidates": candidates,
            "problem": problem,
            "preview": selectors.merge_preview(keep=keep, merge=merge) if merge else None,
            "form": form,
        },
        status=400 if request.method == "POST" or problem else 200,
    )
