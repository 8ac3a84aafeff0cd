"""The follow-up queue's pages (the closed loop): the list of unhappy customers to call back, open first and
oldest first, and one follow-up with the answer, the order's context and timeline, what happened at the
touchpoint in words, and the outcome form. Who sees what is feedback.selectors.follow_ups'; the write is
feedback.services.follow_ups.close_follow_up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from feedback.exceptions import FollowUpClosed, FollowUpNotFound
from feedback.models import FollowUp, FollowUpOutcome, Response
from feedback.selectors.follow_ups import (
    ALL,
    CLOSED,
    OPEN,
    access_follow_up,
    follow_up_queue,
    may_follow_up,
)
from feedback.services.follow_ups import NOTE_MAX, close_follow_up
from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError
from orders.selectors.orders import order_detail
from stores.models import Location

PAGE_SIZE = 50
STATE_CHOICES = (
    (OPEN, pgettext_lazy("follow-ups", "Open")),
    (CLOSED, pgettext_lazy("follow-ups", "Closed")),
    (ALL, pgettext_lazy("follow-ups", "All")),
)


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("Show"), choices=STATE_CHOICES, required=False)
    location = forms.ModelChoiceField(
        label=gettext_lazy("Store"), queryset=Location.objects.none(), required=False
    )

    def __init__(self, actor: Actor, data: Any) -> None:
        super().__init__(data)
        qs = Location.objects.filter(active=True).order_by("code")
        if actor.location_ids is not None:
            qs = qs.filter(pk__in=actor.location_ids)
        field = self.fields["location"]
        field.queryset = qs  # type: ignore[attr-defined]
        field.empty_label = (  # type: ignore[attr-defined]
            _("Every queue") if actor.location_ids is None else _("All my stores")
        )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[("", gettext_lazy("Choose…")), *FollowUpOutcome.choices],
        error_messages={"required": gettext_lazy("Choose the outcome of the follow-up.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _manager(request: HttpRequest) -> Actor:
    actor = pages.actor(request)
    if not may_follow_up(actor):
        raise PermissionDenied(_("The follow-up queue is for store and HQ managers."))
    return actor


def _days_waiting(follow_up: FollowUp) -> int:
    end = follow_up.closed_at or timezone.now()
    return max(0, (end - follow_up.created_at).days)


@login_required
def follow_up_list(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = QueueFilterForm(actor, request.GET or None)
    state, location_id = OPEN, None
    if form.is_bound and form.is_valid():
        state = form.cleaned_data.get("state") or OPEN
        chosen = form.cleaned_data.get("location")
        location_id = chosen.pk if chosen is not None else None
    queue = follow_up_queue(actor, state=state, location_id=location_id)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    for follow_up in page.object_list:
        follow_up.days_waiting = _days_waiting(follow_up)  # type: ignore[attr-defined]
    querystring = urlencode(
        [(k, v) for k, v in (("state", state), ("location", location_id or "")) if v not in ("", None)]
    )
    return render(
        request,
        "feedback/follow_up_list.html",
        {"form": form, "page": page, "state": state, "querystring": querystring},
    )


@login_required
def follow_up_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _manager(request)
    try:
        follow_up = access_follow_up(actor, pk)
    except FollowUpNotFound as exc:
        pages.raise_for_access(exc)
        raise
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and follow_up.closed_at is None:
        if form.is_valid():
            try:
                close_follow_up(
                    follow_up=follow_up,
                    outcome=form.cleaned_data["outcome"],
                    note=form.cleaned_data["note"],
                    user=request.user,  # type: ignore[arg-type]
                )
            except FollowUpClosed as exc:
                messages.warning(request, exc.detail)
                return redirect("feedback:follow-up-detail", pk=pk)
            except DomainError as exc:
                pages.show_on_form(form, exc)
            else:
                messages.success(request, _("The outcome is recorded. Thank you for following up."))
                return redirect("feedback:follow-up-detail", pk=pk)
    elif request.method == "POST":
        messages.warning(request, _("This follow-up was recorded already. Nothing was changed."))
        return redirect("feedback:follow-up-detail", pk=pk)
    response = follow_up.response
    order = order_detail(actor, response.order.number) if response.order is not None else None
    lines = list(order.lines.all()) if order is not None else []
    context = {
        "follow_up": follow_up,
        "response": response,
        "order": order,
        "order_hidden": response.order is not None and order is None,
        "lines": lines,
        "units": sum(line.quantity for line in lines),
        "facts": fact_sentences(response),
        "days_waiting": _days_waiting(follow_up),
        "form": form,
    }
    return render(request, "feedback/follow_up_detail.html", context, status=400 if form.errors else 200)


# --- the facts in words ------------------------------------------------------------------------------------


def _duration(minutes: int) -> str:
    """A span of minutes as a person says it: minutes under two hours, hours under two days, else days."""
    if minutes < 120:
        return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    days = round(minutes / 1440)
    return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}


def fact_sentences(response: Response) -> list[str]:
    """What happened at the touchpoint, as recorded with the answer: "Pickup ready 25 minutes late"."""
    said: list[str] = []
    late = response.pickup_late_minutes
    if late is not None:
        if late <= 0:
            said.append(_("Pickup ready on time"))
        else:
            said.append(_("Pickup ready %(late)s late") % {"late": _duration(late)})
    if response.wait_minutes is not None:
        said.append(
            _("Waited %(wait)s at the pickup desk") % {"wait": _duration(max(0, response.wait_minutes))}
        )
    if response.return_minutes is not None:
        said.append(
            _("Return refunded %(time)s after it was received")
            % {"time": _duration(max(0, response.return_minutes))}
        )
    hours = response.delivery_late_hours
    if hours is not None:
        if hours <= 0:
            said.append(_("Delivery shipped on time"))
        else:
            said.append(_("Delivery shipped %(late)s late") % {"late": _duration(hours * 60)})
    return said
