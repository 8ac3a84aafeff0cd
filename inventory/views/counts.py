"""Staff pages of stock counts: the list, starting one, the counting screen (scan, enter, next), the review
of counted against expected, posting and cancelling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory import selectors, services
from inventory.forms import CountEntryForm, CountPostForm, CountStartForm
from inventory.models import CountStatus, StockCount
from inventory.views.common import chosen_location, forbid_posted_location, page_of, write
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError, NotFound


def _count_or_404(count_id: int) -> StockCount:
    """Any location's count, for a write: the page answers 403 for another location's."""
    count = selectors.count_by_id(count_id)
    if count is None:
        raise Http404(_("No such count."))
    return count


def _visible_count(actor: Actor, count_id: int) -> StockCount:
    try:
        return selectors.count_for_actor(actor, count_id)
    except NotFound as exc:
        raise Http404(_("No such count.")) from exc


@login_required
def count_list(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    location = chosen_location(request, actor)
    counts = selectors.counts_for_actor(actor, location_id=location.pk if location else None)
    page, querystring = page_of(request, counts)
    return render(
        request,
        "inventory/count_list.html",
        {"location": location, "page": page, "querystring": querystring},
    )


@login_required
def count_new(request: HttpRequest) -> HttpResponse:
    actor = pages.actor(request)
    locations = selectors.visible_locations(actor)
    if request.method == "POST":
        forbid_posted_location(actor, request.POST.get("location"))
        form = CountStartForm(request.POST, locations=locations)
        if form.is_valid():
            data = form.cleaned_data
            count = write(
                form,
                lambda: services.start_count(
                    actor=actor,
                    location_id=data["location"].pk,
                    category_id=data["category"].pk if data["category"] else None,
                    blind=data["blind"],
                ),
            )
            if count is not None:
                messages.success(request, _("Count %(number)s started.") % {"number": count.number})
                return redirect("inventory:count-detail", count_id=count.pk)
    else:
        here = getattr(request, "current_location", None)
        form = CountStartForm(locations=locations, initial={"location": here.pk if here else None})
    return render(request, "inventory/count_form.html", {"form": form})


@login_required
def count_detail(request: HttpRequest, count_id: int) -> HttpResponse:
    """The counting screen: scan a SKU, enter what is on the shelf, next."""
    actor = pages.actor(request)
    if request.method == "POST":
        count = _count_or_404(count_id)
        if not actor.can_act_at(count.location_id):
            raise PermissionDenied(_("You may only count stock at your own location."))
        form = CountEntryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            line = write(
                form,
                lambda: services.record_count_entry(
                    actor=actor,
                    count_id=count.pk,
                    variant_id=data["sku"].pk,
                    counted=data["counted"],
                    add=data["add"],
                ),
            )
            if line is not None:
                messages.success(
                    request,
                    _("%(sku)s: %(counted)d counted.") % {"sku": data["sku"].sku, "counted": line.counted},
                )
                return redirect("inventory:count-detail", count_id=count.pk)
    else:
        count = _visible_count(actor, count_id)
        form = CountEntryForm()
    lines = selectors.count_lines(count)
    recent = list(lines.filter(counted__isnull=False).order_by("-counted_at", "-id")[:20])
    return render(
        request,
        "inventory/count_detail.html",
        {
            "count": count,
            "form": form,
            "recent": recent,
            "counted": lines.filter(counted__isnull=False).count(),
            "total": lines.count(),
            "can_act": actor.can_act_at(count.location_id) and count.status == CountStatus.OPEN,
        },
    )


@login_required
def count_review(request: HttpRequest, count_id: int) -> HttpResponse:
    """Counted against expected: the on-hand figure when each SKU was counted, and what moved since."""
    actor = pages.actor(request)
    count = _visible_count(actor, count_id)
    return render(
        request,
        "inventory/count_review.html",
        {
            "count": count,
            "rows": selectors.count_review_rows(count),
            "uncounted": count.lines.filter(counted__isnull=True).count(),
            "post_form": CountPostForm(),
            "can_act": actor.can_act_at(count.location_id) and count.status == CountStatus.OPEN,
        },
    )


def _count_action(
    request: HttpRequest, count_id: int, action: Callable[[Actor, StockCount], Any]
) -> HttpResponse:
    actor = pages.actor(request)
    count = _count_or_404(count_id)
    if not actor.can_act_at(count.location_id):
        raise PermissionDenied(_("You may only change counts of your own location."))
    try:
        action(actor, count)
    except DomainError as exc:
        pages.show_as_message(request, exc)
    return redirect("inventory:count-review", count_id=count.pk)


@login_required
@require_POST
def count_post(request: HttpRequest, count_id: int) -> HttpResponse:
    form = CountPostForm(request.POST)
    uncounted_as_zero = form.is_valid() and form.cleaned_data["uncounted_as_zero"]

    def post(actor: Actor, count: StockCount) -> None:
        services.post_count(actor=actor, count_id=count.pk, uncounted_as_zero=uncounted_as_zero)
        messages.success(request, _("Count %(number)s posted.") % {"number": count.number})

    return _count_action(request, count_id, post)


@login_required
@require_POST
def count_cancel(request: HttpRequest, count_id: int) -> HttpResponse:
    def cancel(actor: Actor, count: StockCount) -> None:
        services.cancel_count(actor=actor, count_id=count.pk)
        messages.success(request, _("Count %(number)s cancelled.") % {"number": count.number})

    return _count_action(request, count_id, cancel)
