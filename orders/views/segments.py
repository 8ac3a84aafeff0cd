"""Customer segments for managers (store managers and HQ): the list with live member counts, a segment
defined or changed from its conditions, its members (paginated) and their CSV export. Associates get 403."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from omni import pages
from omni.actors import Actor
from omni.exceptions import DomainError
from omni.reports.base import Kind
from omni.reports.exports import CONTENT_TYPES, csv_separators, csv_value
from orders.forms.segments import SegmentForm
from orders.models import Segment
from orders.segment_rules import KIND_LABELS
from orders.selectors import segments as selectors
from orders.services import segments as services

MEMBERS_PAGE_SIZE = 50
EXPORT_BATCH = 1000


def _manager(request: HttpRequest) -> Actor:
    actor = pages.actor(request)
    if not services.can_manage_segments(actor):
        raise PermissionDenied(_("Customer segments are for managers."))
    return actor


def _segment_or_404(segment_id: int) -> Segment:
    segment = selectors.segment_for_page(segment_id)
    if segment is None:
        raise Http404(_("No such segment."))
    return segment


@login_required
@require_GET
def segment_list(request: HttpRequest) -> HttpResponse:
    _manager(request)
    segments = list(Segment.objects.order_by("-active", "name", "pk"))
    counts = selectors.member_counts(segments)
    rows = [(s, counts.get(s.pk, 0)) for s in segments]
    return render(request, "orders/segments/list.html", {"rows": rows})


def _save(request: HttpRequest, actor: Actor, form: SegmentForm, segment: Segment | None) -> Segment | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return services.save_segment(
            actor=actor,
            segment=segment,
            code=data["code"],
            name=data["name"],
            description=data.get("description") or "",
            active=bool(data.get("active")),
            rules=data["rules"],
        )
    except DomainError as exc:
        pages.show_on_form(form, exc)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def segment_create(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = SegmentForm(request.POST or None)
    if request.method == "POST":
        saved = _save(request, actor, form, None)
        if saved is not None:
            messages.success(request, _("Segment %(name)s created.") % {"name": saved.name})
            return redirect("orders:segment-detail", segment_id=saved.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "orders/segments/form.html", {"form": form, "segment": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    actor = _manager(request)
    segment = _segment_or_404(segment_id)
    form = SegmentForm(request.POST or None, initial=SegmentForm.initial_for(segment))
    if request.method == "POST":
        saved = _save(request, actor, form, segment)
        if saved is not None:
            messages.success(request, _("Segment %(name)s saved.") % {"name": saved.name})
            return redirect("orders:segment-detail", segment_id=saved.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "orders/segments/form.html", {"form": form, "segment": segment}, status=status)


def describe(rule: dict[str, Any], names: dict[str, dict[str, str]]) -> str:
    """A condition in words, for the segment's page."""
    kind = rule["kind"]
    label = str(KIND_LABELS.get(kind, kind))

    def named(group: str, values: list[Any]) -> str:
        return ", ".join(names.get(group, {}).get(str(v), str(v)) for v in values)

    if kind == "tier":
        detail = named("tiers", rule["tiers"])
    elif kind == "spend":
        detail = _("at least %(amount)s EUR in the last %(days)d days") % {
            "amount": rule["min_amount"],
            "days": rule["days"],
        }
    elif kind == "last_purchase":
        template = (
            _("within the last %(days)d days") if rule["within"] else _("not within the last %(days)d days")
        )
        detail = template % {"days": rule["days"]}
    elif kind == "preferred_store":
        detail = named("locations", rule["locations"])
    elif kind == "city":
        detail = ", ".join(rule["cities"])
    elif kind == "categories":
        detail = _("%(categories)s in the last %(days)d days") % {
            "categories": named("categories", rule["categories"]),
            "days": rule["days"],
        }
    else:
        channels = named("channels", rule["channels"])
        detail = (
            _("%(channels)s in the last %(days)d days") % {"channels": channels, "days": rule["days"]}
            if rule.get("days")
            else channels
        )
    return f"{label}: {detail}"


def _rule_names(form: SegmentForm) -> dict[str, dict[str, str]]:
    def of(field: str) -> dict[str, str]:
        return {str(k): str(v) for k, v in form.fields[field].choices}  # type: ignore[attr-defined]

    return {
        "tiers": of("tiers"),
        "locations": of("preferred_stores"),
        "categories": of("categories"),
        "channels": of("channels"),
    }


@login_required
@require_GET
def segment_detail(request: HttpRequest, segment_id: int) -> HttpResponse:
    _manager(request)
    segment = _segment_or_404(segment_id)
    members = Paginator(selectors.segment_members(segment), MEMBERS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    names = _rule_names(SegmentForm())
    return render(
        request,
        "orders/segments/detail.html",
        {
            "segment": segment,
            "members": members,
            "conditions": [describe(rule, names) for rule in segment.rules],
            "promotions": list(segment.promotions.order_by("-starts_at", "name")[:20]),
        },
    )


def _export_rows(segment: Segment) -> Iterator[bytes]:
    delimiter, decimal = csv_separators()
    tz = timezone.get_current_timezone()
    headers = [_("Email"), _("First name"), _("Last name"), _("Card number"), _("Tier"), _("Points balance")]
    kinds = [Kind.TEXT, Kind.TEXT, Kind.TEXT, Kind.TEXT, Kind.TEXT, Kind.INT]
    rows = selectors.segment_members(segment).values_list(
        "email",
        "first_name",
        "last_name",
        "member__card_number",
        "member__tier__name",
        "member__points_balance",
    )

    def generate() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow([str(h) for h in headers])
        yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        for done, row in enumerate(rows.iterator(chunk_size=EXPORT_BATCH), start=1):
            writer.writerow([csv_value(k, v, tz, decimal) for k, v in zip(kinds, row, strict=True)])
            if done % EXPORT_BATCH == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        if buffer.getvalue():
            yield buffer.getvalue().encode("utf-8")

    return generate()


@login_required
@require_GET
def segment_export(request: HttpRequest, segment_id: int) -> StreamingHttpResponse:
    """The segment's members now as CSV (the separators of the page's language, as the reports' exports)."""
    _manager(request)
    segment = _segment_or_404(segment_id)
    response = StreamingHttpResponse(_export_rows(segment), content_type=CONTENT_TYPES["csv"])
    filename = f"segment-{segment.code}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
