"""The managers' report pages: the index, one report (filters, headline figures, chart, sortable paginated
table) and its streamed CSV / XLSX export. Reports come from the registry (base.py), so these views never
import an app; who sees what is the report's `visible_to` and the filter form's location rule."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni.actors import Actor
from omni.reports import exports, runner
from omni.reports.base import Column, Kind, Report, get_report, reports_for
from omni.reports.charts import chart_note, format_value, render_svg
from omni.reports.forms import filters_from, querystring

PER_PAGE = 50
GROUPS = (("stock", gettext_lazy("Stock")), ("channels", gettext_lazy("Channels")))
NUMERIC = {Kind.INT, Kind.MONEY, Kind.DECIMAL, Kind.PERCENT}


def manager_actor(request: HttpRequest) -> Actor:
    """The logged-in manager as an Actor; store associates (and any non-manager) get a 403."""
    actor = Actor.for_user(request.user)  # type: ignore[arg-type]
    if not actor.is_manager:
        raise PermissionDenied(_("Reports are for store and HQ managers."))
    return actor


def report_for(request: HttpRequest, slug: str) -> tuple[Report, Actor]:
    """The report and the manager asking for it: 404 for an unknown report, 403 for one not theirs."""
    report = get_report(slug)
    if report is None:
        raise Http404(_("No such report."))
    actor = manager_actor(request)
    if not report.visible_to(actor):
        raise PermissionDenied(_("You may not see this report."))
    return report, actor


@login_required
def index(request: HttpRequest) -> HttpResponse:
    actor = manager_actor(request)
    visible = reports_for(actor)
    groups = []
    known = {key for key, _label in GROUPS}
    for key, label in GROUPS:
        items = sorted((r for r in visible if r.group == key), key=lambda r: str(r.title))
        if items:
            groups.append({"key": key, "label": label, "reports": items})
    others = sorted((r for r in visible if r.group not in known), key=lambda r: str(r.title))
    if others:
        groups.append({"key": "other", "label": _("Other"), "reports": others})
    return render(request, "omni/reports/index.html", {"groups": groups})


def _int(value: Any, default: int = 1) -> int:
    try:
        return max(1, min(int(str(value)), 1_000_000))
    except (TypeError, ValueError):
        return default


def _optional_url(name: str, slug: str) -> str | None:
    """A URL served by the background-jobs part (omni/reports/views/jobs.py), if it is there."""
    try:
        return reverse(name, args=[slug])
    except NoReverseMatch:
        return None


def _headers(columns: list[Column], sort: str, filter_qs: str) -> list[dict[str, Any]]:
    key_now = sort.removeprefix("-")
    descending = sort.startswith("-")
    headers = []
    for col in columns:
        current = col.key == key_now
        if current:
            next_sort = col.key if descending else f"-{col.key}"
        else:
            next_sort = f"-{col.key}" if col.kind in NUMERIC else col.key
        headers.append(
            {
                "column": col,
                "numeric": col.kind in NUMERIC,
                "sortable": col.sortable,
                "aria_sort": ("descending" if descending else "ascending") if current else None,
                "href": "?" + "&".join(p for p in (filter_qs, querystring({"sort": next_sort})) if p),
            }
        )
    return headers


def report_scope(form: Any) -> str | None:
    """Where the report's figures come from, for its header: the location chosen in the filters, else the
    filter's "Whole network" / "All my locations" (None for a report without a location filter)."""
    field = form.fields.get("location")
    if field is None:
        return None
    chosen = form.cleaned_data.get("location") if form.is_valid() else None
    if chosen is not None:
        return f"{chosen.code} · {chosen.name}" if getattr(chosen, "code", "") else str(chosen)
    return str(getattr(field, "empty_label", "") or "") or None


@login_required
def report_page(request: HttpRequest, slug: str) -> HttpResponse:
    report, actor = report_for(request, slug)
    form, filters = filters_from(report, actor, request.GET)
    context: dict[str, Any] = {
        "report": report,
        "form": form,
        "filters": filters,
        "scope": report_scope(form),
    }
    filter_qs = querystring(form)
    refusal = report.page_refusal(filters) if filters is not None else None
    if filters is not None and refusal is not None:
        context["refusal"] = refusal
    elif filters is not None:
        columns = report.visible_columns(filters)
        sort_asked = request.GET.get("sort")
        number = _int(request.GET.get("page"))
        page = runner.run_page(report, filters, sort=sort_asked, page=number, per_page=PER_PAGE)
        if page.number > page.pages:  # past the end (a bookmark, fewer rows now): the last page
            page = runner.run_page(report, filters, sort=page.sort, page=page.pages, per_page=PER_PAGE)
        sorted_qs = "&".join(p for p in (filter_qs, querystring({"sort": page.sort})) if p)
        context.update(
            {
                "page": page,
                "headers": _headers(columns, page.sort, filter_qs),
                "rows": [
                    [
                        {"text": format_value(c.kind, row.get(c.key)), "numeric": c.kind in NUMERIC}
                        for c in columns
                    ]
                    for row in page.rows
                ],
                "totals": [
                    {
                        "text": format_value(c.kind, page.totals.get(c.key)) if c.total else "",
                        "numeric": c.kind in NUMERIC,
                    }
                    for c in columns
                ]
                if any(c.total for c in columns) and page.count
                else None,
                "figures": [{"label": f.label, "text": format_value(f.kind, f.value)} for f in page.figures],
                "freshness": report.freshness(filters),
                "chart_svg": render_svg(page.chart, columns) if report.chart is not None else None,
                "chart_note": chart_note(page.chart),
                "sorted_qs": sorted_qs,
                "first_row": (page.number - 1) * page.per_page + 1 if page.count else 0,
                "last_row": min(page.number * page.per_page, page.count),
            }
        )
    query = filter_qs
    context.update(
        {
            "filter_qs": query,
            "export_csv": _with_query(reverse("reports:export", args=[report.slug]), f"format=csv&{query}"),
            "export_xlsx": _with_query(reverse("reports:export", args=[report.slug]), f"format=xlsx&{query}"),
            "run_url": _with_query(_optional_url("reports:run-create", report.slug), query),
            "schedule_url": _with_query(_optional_url("reports:schedule-create", report.slug), query),
        }
    )
    return render(request, "omni/reports/report.html", context)


def _with_query(url: str | None, query: str) -> str | None:
    if url is None:
        return None
    query = query.strip("&")
    return f"{url}?{query}" if query else url


@login_required
def export(request: HttpRequest, slug: str) -> HttpResponseBase:
    report, actor = report_for(request, slug)
    fmt = request.GET.get("format", "")
    if fmt not in exports.CONTENT_TYPES:
        return HttpResponseBadRequest(
            _("Choose the CSV or the XLSX format."), content_type="text/plain; charset=utf-8"
        )
    form, filters = filters_from(report, actor, request.GET)
    if filters is None:
        problems = "; ".join(
            f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
        )
        return HttpResponseBadRequest(
            _("The filters are not valid: %(problems)s") % {"problems": problems},
            content_type="text/plain; charset=utf-8",
        )
    sort = request.GET.get("sort")
    if runner.estimate_rows(report, filters) > report.background_rows:
        run_url = _optional_url("reports:run-create", report.slug)
        if run_url is not None:
            return HttpResponseRedirect(_with_query(run_url, request.GET.urlencode()) or run_url)
    response = StreamingHttpResponse(
        exports.chunks(fmt, report, filters, sort=sort), content_type=exports.CONTENT_TYPES[fmt]
    )
    response["Content-Disposition"] = content_disposition_header(True, exports.export_filename(report, fmt))
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # a proxy passes the chunks on as they come
    return response
