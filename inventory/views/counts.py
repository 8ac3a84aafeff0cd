"""Staff pages of stock counts: the list, starting one, the counting screen (scan, enter, next), the review
of counted against expected, posting and cancelling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory import selectors, services
from inventory.forms import CountEntryForm, CountPostForm, CountScanForm, CountStartForm
from inventory.models import CountStatus, StockCount
from inventory.views.common import chosen_location, forbid_posted_location, page_of, url_with_query, write
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


def _record_entry(request: HttpRequest, actor: Actor, count: StockCount) -> HttpResponse | forms.Form:
    """A scan (action=scan: one more unit of the SKU) or a line's exact quantity; after it the page comes
    back with the scan box focused and what was just counted. A refused entry returns its form."""
    scanning = request.POST.get("action") == "scan"
    form: forms.Form = CountScanForm(request.POST) if scanning else CountEntryForm(request.POST)
    if form.is_valid():
        variant = form.cleaned_data["sku"]
        line = write(
            form,
            lambda: services.record_count_entry(
                actor=actor,
                count_id=count.pk,
                variant_id=variant.pk,
                counted=1 if scanning else form.cleaned_data["counted"],
                add=scanning,
            ),
        )
        if line is not None:
            messages.success(
                request, _("%(sku)s: %(counted)d counted.") % {"sku": variant.sku, "counted": line.counted}
            )
            return redirect(url_with_query("inventory:count-detail", count.pk, scanned=variant.sku))
    return form


@login_required
def count_detail(request: HttpRequest, count_id: int) -> HttpResponse:
    """The counting screen: each scan counts one more unit of its SKU; a line's quantity can be set exactly.
    Posting the count is a separate step (the review page), never what Enter in the scan box does."""
    actor = pages.actor(request)
    form: forms.Form | None = None
    if request.method == "POST":
        count = _count_or_404(count_id)
        if not actor.can_act_at(count.location_id):
            raise PermissionDenied(_("You may only count stock at your own location."))
        done = _record_entry(request, actor, count)
        if isinstance(done, HttpResponse):
            return done
        form = done
    else:
        count = _visible_count(actor, count_id)
    lines = selectors.count_lines(count)
    recent = list(lines.filter(counted__isnull=False).order_by("-counted_at", "-id")[:30])
    scanned = request.GET.get("scanned", "")
    last = next((line for line in recent if line.variant.sku == scanned), None) if scanned else None
    return render(
        request,
        "inventory/count_detail.html",
        {
            "count": count,
            "form": form or CountScanForm(),
            "scan_form": form if isinstance(form, CountScanForm) else CountScanForm(),
            "entry_form": form if isinstance(form, CountEntryForm) else None,
            "recent": recent,
            "last": last,
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
