"""Pages of the reports in the background: start a run (confirm the filters and the format), follow its
progress, download its file, list one's runs; set up, list, pause, resume and delete weekly emails.

Managers only (associates: 403). A user sees only their own runs and schedules: anyone else's id is a 404.
The writes go through omni/reports/jobs.py and schedules.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput, NotFound
from omni.models import ReportFormat, ReportRun
from omni.pages import show_on_form
from omni.reports import jobs, schedules
from omni.reports.base import Report, get_report
from omni.reports.forms import filters_from
from omni.reports.runner import normalise_sort
from omni.reports.views.pages import manager_actor, report_for

PAGE_SIZE = 50


class RunForm(forms.Form):
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=ReportFormat.choices, initial="xlsx")


class ScheduleForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Day"), choices=sorted(WEEKDAYS.items()), coerce=int, initial=0
    )
    hour = forms.TypedChoiceField(
        label=gettext_lazy("Hour"), choices=[(h, f"{h:02d}:00") for h in range(24)], coerce=int, initial=7
    )
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=ReportFormat.choices, initial="xlsx")
    fixed_dates = forms.BooleanField(label=gettext_lazy("Keep these dates in every email"), required=False)


def _filters_context(report: Report, actor: Actor, params: dict[str, str]) -> dict[str, Any]:
    """What both confirmation pages show: the filters (or their errors) and the period."""
    filter_form, filters = filters_from(report, actor, params)
    context: dict[str, Any] = {
        "report": report,
        "params": params,
        "filters_valid": filters is not None,
        "filter_errors": [
            _error_line(filter_form, name, errors) for name, errors in filter_form.errors.items()
        ],
        "summary": jobs.describe_filters(filter_form) if filters is not None else [],
        "period": jobs.period_of(filters) if filters is not None else None,
    }
    back = reverse("reports:report", args=[report.slug])
    context["back_url"] = back + ("?" + _urlencode(params) if params else "")
    return context


def _error_line(form: forms.Form, name: str, errors: Any) -> str:
    label = form.fields[name].label if name in form.fields else ""
    return f"{label or ''} {' '.join(str(e) for e in errors)}".strip()


PARAM_PREFIX = "filter-"


def _params(request: HttpRequest) -> dict[str, str]:
    """The report's filters: the query string of the report page (GET), or the hidden inputs that carry it,
    named "filter-<name>" so they never clash with the fields of this page's own form (POST)."""
    if request.method != "POST":
        return jobs.clean_params(request.GET)
    return jobs.clean_params(
        {k.removeprefix(PARAM_PREFIX): request.POST[k] for k in request.POST if k.startswith(PARAM_PREFIX)}
    )


def _urlencode(params: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode(list(params.items()))


# --- Runs ------------------------------------------------------------------------------------------------


@login_required
def run_create(request: HttpRequest, slug: str) -> HttpResponse:
    report, actor = report_for(request, slug)
    source = request.POST if request.method == "POST" else request.GET
    params = _params(request)
    sort = normalise_sort(report, source.get("sort"))
    if request.method == "POST":
        form = RunForm(request.POST)
        if form.is_valid():
            try:
                run = jobs.start_report_run(
                    user=request.user,  # type: ignore[arg-type]
                    slug=report.slug,
                    params=params,
                    sort=sort,
                    fmt=form.cleaned_data["format"],
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.detail) from exc
            except (InvalidInput, NotFound) as exc:
                show_on_form(form, exc, access_errors_raise=False)
            else:
                return redirect("reports:run-detail", pk=run.pk)
    else:
        fmt = source.get("format")
        form = RunForm(initial={"format": fmt} if fmt in ReportFormat.values else None)
    context = _filters_context(report, actor, params)
    context.update({"form": form, "sort": sort})
    status = 400 if request.method == "POST" or not context["filters_valid"] else 200
    return render(request, "omni/reports/jobs/run_create.html", context, status=status)


def _own_run(request: HttpRequest, pk: int) -> ReportRun:
    manager_actor(request)
    try:
        return jobs.run_of(request.user, pk)  # type: ignore[arg-type]
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _title(slug: str) -> str:
    report = get_report(slug)
    return str(report.title) if report is not None else slug


def _status_data(run: ReportRun) -> dict[str, Any]:
    finished = run.status in (ReportRun.Status.DONE, ReportRun.Status.FAILED)
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "rows_done": run.rows_done,
        "rows_estimate": run.rows_estimate,
        "size": run.size,
        "error": run.error,
        "finished": finished,
        "download_url": reverse("reports:run-download", args=[run.pk])
        if run.status == ReportRun.Status.DONE
        else None,
    }


@never_cache
@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _own_run(request, pk)
    context = {
        "run": run,
        "title": _title(run.report),
        "data": _status_data(run),
        "filename": jobs.download_name(run),
        "days": jobs.run_days(),
        "progress_max": max(run.rows_estimate or 0, run.rows_done, 1),
    }
    return render(request, "omni/reports/jobs/run_detail.html", context)


@never_cache
@login_required
def run_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(_status_data(_own_run(request, pk)))


@login_required
def run_download(request: HttpRequest, pk: int) -> FileResponse:
    run = _own_run(request, pk)
    if run.status != ReportRun.Status.DONE or not run.file:
        raise Http404(_("This report has no file to download."))
    from omni.reports.exports import CONTENT_TYPES

    try:
        handle = run.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("This report's file is no longer there.")) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=jobs.download_name(run), content_type=CONTENT_TYPES[run.format]
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    manager_actor(request)
    page = Paginator(jobs.runs_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    items = [{"run": run, "title": _title(run.report), "filename": jobs.download_name(run)} for run in page]
    return render(
        request, "omni/reports/jobs/run_list.html", {"page": page, "items": items, "days": jobs.run_days()}
    )


# --- Schedules -------------------------------------------------------------------------------------------


@login_required
def schedule_create(request: HttpRequest, slug: str) -> HttpResponse:
    report, actor = report_for(request, slug)
    source = request.POST if request.method == "POST" else request.GET
    params = _params(request)
    sort = normalise_sort(report, source.get("sort"))
    has_dates = "dates" in report.filters and any(k in params for k in schedules.DATE_PARAMS)
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            try:
                schedules.create_report_schedule(
                    user=request.user,  # type: ignore[arg-type]
                    slug=report.slug,
                    params=params,
                    sort=sort,
                    fmt=form.cleaned_data["format"],
                    weekday=form.cleaned_data["weekday"],
                    hour=form.cleaned_data["hour"],
                    fixed_dates=has_dates and form.cleaned_data["fixed_dates"],
                )
            except Forbidden as exc:
                raise PermissionDenied(exc.detail) from exc
            except (InvalidInput, NotFound) as exc:
                show_on_form(form, exc, access_errors_raise=False)
            else:
                messages.success(
                    request, _("The weekly email of %(report)s is set up.") % {"report": report.title}
                )
                return redirect("reports:schedule-list")
    else:
        fmt = source.get("format")
        form = ScheduleForm(
            initial={
                "format": fmt if fmt in ReportFormat.values else "xlsx",
                "fixed_dates": not schedules.dates_are_default(report, params),
            }
        )
    if not has_dates:
        del form.fields["fixed_dates"]
    context = _filters_context(report, actor, params)
    context.update(
        {
            "form": form,
            "sort": sort,
            "has_dates": has_dates,
            "default_days": report.default_days,
            "no_email": not request.user.email,  # type: ignore[union-attr]
        }
    )
    status = 400 if request.method == "POST" or not context["filters_valid"] else 200
    return render(request, "omni/reports/jobs/schedule_create.html", context, status=status)


@login_required
def schedule_list(request: HttpRequest) -> HttpResponse:
    manager_actor(request)
    weekdays = dict(WEEKDAYS)
    items = [
        {"schedule": s, "title": _title(s.report), "weekday": weekdays.get(s.weekday, s.weekday)}
        for s in schedules.schedules_of(request.user)  # type: ignore[arg-type]
    ]
    return render(request, "omni/reports/jobs/schedule_list.html", {"items": items})


def _schedule_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    manager_actor(request)
    user = request.user
    try:
        if action == "pause":
            schedules.pause_report_schedule(user=user, schedule_id=pk)  # type: ignore[arg-type]
            messages.success(request, _("The weekly email is paused."))
        elif action == "resume":
            schedules.resume_report_schedule(user=user, schedule_id=pk)  # type: ignore[arg-type]
            messages.success(request, _("The weekly email is active again."))
        else:
            schedules.delete_report_schedule(user=user, schedule_id=pk)  # type: ignore[arg-type]
            messages.success(request, _("The weekly email is deleted."))
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    except (Forbidden, InvalidInput) as exc:
        messages.error(request, exc.detail)
    return redirect("reports:schedule-list")


@require_POST
@login_required
def schedule_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _schedule_action(request, pk, "pause")


@require_POST
@login_required
def schedule_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _schedule_action(request, pk, "resume")


@require_POST
@login_required
def schedule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _schedule_action(request, pk, "delete")
