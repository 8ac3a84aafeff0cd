"""The queue of stock adjustments waiting for a manager's approval (inventory.services.adjustments): the
requests of the user's locations, oldest first, each with approve and reject for the managers of its
location (associates see the queue, to follow their own requests, but may not decide: 403), and the
recently decided ones."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory import selectors
from inventory.forms import AdjustmentDecisionForm
from inventory.selectors.approvals import decided_adjustments, pending_adjustments
from inventory.selectors.ledger import signed_units
from inventory.services.adjustments import approve_adjustment, may_decide, reject_adjustment
from inventory.views.common import chosen_location, url_with_query
from omni import pages
from omni.exceptions import DomainError

RECENT = 20


def _queue(
    request: HttpRequest, *, failed: tuple[int, AdjustmentDecisionForm] | None = None, status: int = 200
) -> HttpResponse:
    actor = pages.actor(request)
    location = chosen_location(request, actor)
    location_id = location.pk if location is not None else None
    rows: list[dict[str, Any]] = []
    for item in pending_adjustments(actor, location_id=location_id)[:200]:
        form = failed[1] if failed is not None and failed[0] == item.pk else AdjustmentDecisionForm()
        form.prefix = f"r{item.pk}"
        rows.append({"request": item, "form": form, "can_decide": may_decide(actor, item.location_id)})
    return render(
        request,
        "inventory/adjustment_queue.html",
        {
            "location": location,
            "locations": selectors.visible_locations(actor),
            "rows": rows,
            "decided": list(decided_adjustments(actor, location_id=location_id)[:RECENT]),
        },
        status=status,
    )


@login_required
def adjustment_queue(request: HttpRequest) -> HttpResponse:
    return _queue(request)


def _decide(request: HttpRequest, request_id: int, *, approve: bool) -> HttpResponse:
    actor = pages.actor(request)
    form = AdjustmentDecisionForm(request.POST, prefix=f"r{request_id}")
    back = url_with_query("inventory:stock-adjustments", location=request.GET.get("location", ""))
    if not form.is_valid():
        pages.form_errors_as_messages(request, form)
        return _queue(request, failed=(request_id, form), status=400)
    decide = approve_adjustment if approve else reject_adjustment
    try:
        decided = decide(actor=actor, request_id=request_id, note=form.cleaned_data["note"])
    except DomainError as exc:
        pages.show_as_message(request, exc)  # a refusal is a 403, another store's request too
        return _queue(request, failed=(request_id, form), status=exc.status)
    text = (
        _("Approved: %(delta)s × %(sku)s at %(location)s recorded.")
        if approve
        else _("Rejected: %(delta)s × %(sku)s at %(location)s; stock unchanged.")
    )
    messages.success(
        request,
        text
        % {
            "delta": signed_units(decided.delta),
            "sku": decided.variant.sku,
            "location": decided.location.name,
        },
    )
    return redirect(back)


@login_required
@require_POST
def adjustment_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    return _decide(request, request_id, approve=True)


@login_required
@require_POST
def adjustment_reject(request: HttpRequest, request_id: int) -> HttpResponse:
    return _decide(request, request_id, approve=False)
