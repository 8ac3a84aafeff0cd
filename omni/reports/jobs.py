"""Reports in the background: an export produced by a Celery task (ReportRun, with a progress page and a
download), and the weekly email of a report (ReportSchedule, see omni/reports/schedules.py).

A run stores the filters as the manager gave them and checks them again when the task starts (the manager may
have lost a location meanwhile). The export streams from a server-side cursor into a temporary file, then into
the default storage under reports/<run id>/, so neither the rows nor the file are held in memory. Progress is
a plain UPDATE of rows_done outside any transaction, so the progress page sees it while the task runs.

Beat jobs: runs stuck in "running" (or never started) for an hour are marked failed; runs and their files are
deleted after OMNI_REPORT_RUN_DAYS days."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omni import outbox
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput, NotFound
from omni.models import ReportFormat, ReportRun
from omni.reports.base import Report, ReportFilters, get_report
from omni.reports.runner import estimate_rows, normalise_sort

if TYPE_CHECKING:
    from omni.models import User

logger = logging.getLogger(__name__)

STUCK_AFTER = dt.timedelta(hours=1)
ERROR_MAX = 500
MAX_PARAMS = 40  # a report has a handful of filters: anything beyond is junk
Params = dict[str, str]


def run_days() -> int:
    return int(getattr(settings, "OMNI_REPORT_RUN_DAYS", 7))


# --- Checking a report, its filters and its user ----------------------------------------------------------


@dataclass
class Checked:
    report: Report
    actor: Actor
    form: forms.Form
    filters: ReportFilters


def clean_params(data: Mapping[str, Any]) -> Params:
    """The filter parameters as given (one value per name, the last of a repeated one), without the
    page's own (sort, page, format, the CSRF token)."""
    skip = {"sort", "page", "per_page", "format", "csrfmiddlewaretoken"}
    params: Params = {}
    for key in data:
        if key in skip or key.startswith("_"):
            continue
        value = data[key]
        if isinstance(value, list | tuple):
            value = value[-1] if value else ""
        if value not in (None, ""):
            params[str(key)[:80]] = str(value)[:200]
        if len(params) >= MAX_PARAMS:
            break
    return params


def check_report(*, user: User, slug: str, params: Mapping[str, Any]) -> Checked:
    """The report, if this user may run it with these filters now (NotFound, Forbidden or InvalidInput)."""
    from omni.reports.forms import filters_from

    report = get_report(slug)
    if report is None:
        raise NotFound(_("No such report."))
    if not user.is_active:
        raise Forbidden(_("This account is not active."))
    actor = Actor.for_user(user)
    if not report.visible_to(actor):
        raise Forbidden(_("You may not see this report."))
    try:
        form, filters = filters_from(report, actor, dict(params))
    except PermissionDenied as exc:
        raise Forbidden(str(exc) or _("You may not see this report.")) from exc
    if filters is None:
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        first = next((e for errs in errors.values() for e in errs), "")
        raise InvalidInput(_("The filters are not valid: %(error)s") % {"error": first}, errors=errors)
    return Checked(report=report, actor=actor, form=form, filters=filters)


def describe_filters(form: forms.Form) -> list[tuple[str, str]]:
    """(label, value) of each filter the manager set, for a page or an email; the dates are the period."""
    described: list[tuple[str, str]] = []
    cleaned = getattr(form, "cleaned_data", {}) or {}
    for name, field in form.fields.items():
        if isinstance(field, forms.DateField):
            continue
        value = cleaned.get(name)
        if value in (None, "", [], (), False) or (hasattr(value, "exists") and not value.exists()):
            continue
        if hasattr(value, "exists"):  # a queryset (multiple choice)
            shown = ", ".join(str(v) for v in value)
        elif isinstance(field, forms.ModelChoiceField):
            shown = str(value)
        elif isinstance(field, forms.ChoiceField):
            pairs: Any = field.choices
            choices = {str(k): v for k, v in pairs if not isinstance(v, list | tuple)}
            if isinstance(value, list | tuple):
                shown = ", ".join(str(choices.get(str(v), v)) for v in value)
            else:
                shown = str(choices.get(str(value), value))
        elif value is True:
            shown = _("yes")
        else:
            shown = str(formats.localize(value))
        described.append((str(field.label or name), shown))
    return described


def period_of(filters: ReportFilters) -> tuple[dt.date, dt.date] | None:
    if filters.date_from is None or filters.date_to is None:
        return None
    return filters.date_from, filters.date_to


# --- Writing an export to a file ---------------------------------------------------------------------------


def export_chunks(
    report: Report, filters: ReportFilters, *, sort: str, fmt: str, progress: Callable[[int], None] | None
) -> Iterator[bytes]:
    from omni.reports import exports

    chunks = exports.xlsx_chunks if fmt == ReportFormat.XLSX else exports.csv_chunks
    return chunks(report, filters, sort=sort, progress=progress)


@contextmanager
def export_file(
    report: Report,
    filters: ReportFilters,
    *,
    sort: str,
    fmt: str,
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[IO[bytes], int]]:
    """The whole export in a temporary file (chunk by chunk, never in memory), rewound, with its size."""
    with tempfile.NamedTemporaryFile(prefix="omni-report-", suffix=f".{fmt}") as tmp:
        for chunk in export_chunks(report, filters, sort=sort, fmt=fmt, progress=progress):
            tmp.write(chunk)
        tmp.flush()
        size = tmp.tell()
        tmp.seek(0)
        yield tmp, size


def download_name(run: ReportRun) -> str:
    return (run.file.name or "").rsplit("/", 1)[-1] or f"{run.report}.{run.format}"


def store_file(run: ReportRun, report: Report, tmp: IO[bytes]) -> str:
    """Copy the export into the default storage as reports/<run id>/<file name>; the stored name."""
    from omni.reports.exports import export_filename

    name = f"{run.pk}/{export_filename(report, run.format)}"
    run.file.save(name, File(tmp, name=name), save=False)
    return str(run.file.name)


def short_error(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:ERROR_MAX]


# --- Runs ------------------------------------------------------------------------------------------------


@transaction.atomic
def start_report_run(
    *, user: User, slug: str, params: Mapping[str, Any], sort: str | None, fmt: str
) -> ReportRun:
    """Check the report and its filters for this user, record the run and queue its task after commit."""
    if fmt not in ReportFormat.values:
        raise InvalidInput(_("Choose CSV or XLSX."), errors={"format": [_("Choose CSV or XLSX.")]})
    given = clean_params(params)
    checked = check_report(user=user, slug=slug, params=given)
    run = ReportRun.objects.create(
        user=user,
        report=checked.report.slug,
        params=given,
        sort=normalise_sort(checked.report, sort),
        format=fmt,
    )
    outbox.enqueue("omni.reports.tasks.run_report_task", run.pk)
    return run


def record_progress(*, run_id: int, rows: int) -> None:
    """rows_done of a running run: one UPDATE, committed at once (the task runs outside a transaction)."""
    ReportRun.objects.filter(pk=run_id, status=ReportRun.Status.RUNNING).update(rows_done=rows)


def fail_run(*, run_id: int, error: str) -> bool:
    """Mark a run that has not finished as failed, with a short message."""
    updated = ReportRun.objects.filter(
        pk=run_id, status__in=[ReportRun.Status.QUEUED, ReportRun.Status.RUNNING]
    ).update(status=ReportRun.Status.FAILED, error=error[:ERROR_MAX], finished_at=timezone.now())
    return bool(updated)


def run_report(*, run_id: int) -> str:
    """Produce a queued run's file. Idempotent: a run that is not queued any more is left as it is.

    Not atomic on purpose: the progress updates must be visible while the export streams, and a failure
    must leave the run marked failed."""
    claimed = ReportRun.objects.filter(pk=run_id, status=ReportRun.Status.QUEUED).update(
        status=ReportRun.Status.RUNNING, started_at=timezone.now()
    )
    run = ReportRun.objects.select_related("user").filter(pk=run_id).first()
    if run is None:
        return "missing"
    if not claimed:
        return run.status
    try:
        checked = check_report(user=run.user, slug=run.report, params=run.params)
    except (NotFound, Forbidden, InvalidInput) as exc:
        fail_run(run_id=run_id, error=exc.detail)
        return ReportRun.Status.FAILED
    stored = ""
    rows = {"done": 0}

    def progress(done: int) -> None:
        rows["done"] = done
        record_progress(run_id=run_id, rows=done)

    try:
        estimate = estimate_rows(checked.report, checked.filters)
        ReportRun.objects.filter(pk=run_id).update(rows_estimate=max(0, estimate))
        # the column labels in the manager's language
        with (
            translation.override(run.user.preferred_language or settings.LANGUAGE_CODE),
            export_file(
                checked.report, checked.filters, sort=run.sort, fmt=run.format, progress=progress
            ) as (
                tmp,
                size,
            ),
        ):
            stored = store_file(run, checked.report, tmp)
    except Exception as exc:  # (any failure of the report: the run says so, the worker goes on)
        logger.exception("Report run %s (%s) failed.", run_id, run.report)
        if stored:
            run.file.storage.delete(stored)
        fail_run(run_id=run_id, error=_("The report failed: %(error)s") % {"error": short_error(exc)})
        return ReportRun.Status.FAILED
    done = ReportRun.objects.filter(pk=run_id, status=ReportRun.Status.RUNNING).update(
        status=ReportRun.Status.DONE,
        file=stored,
        size=size,
        rows_done=rows["done"],
        finished_at=timezone.now(),
    )
    if not done:  # marked failed by the sweeper meanwhile: the file is nobody's
        run.file.storage.delete(stored)
        return ReportRun.Status.FAILED
    return ReportRun.Status.DONE


STUCK_MESSAGE = gettext_lazy(
    "The report stopped: it ran for more than an hour. Try again, or narrow the filters."
)
NEVER_STARTED_MESSAGE = gettext_lazy("The report never started: the background workers may be down.")


def fail_stuck_runs(*, now: dt.datetime | None = None) -> int:
    """Runs running (or queued) for more than an hour are marked failed: none stays "running" forever."""
    now = now or timezone.now()
    cutoff = now - STUCK_AFTER
    running = ReportRun.objects.filter(status=ReportRun.Status.RUNNING, started_at__lt=cutoff).update(
        status=ReportRun.Status.FAILED, error=str(STUCK_MESSAGE), finished_at=now
    )
    queued = ReportRun.objects.filter(status=ReportRun.Status.QUEUED, created_at__lt=cutoff).update(
        status=ReportRun.Status.FAILED, error=str(NEVER_STARTED_MESSAGE), finished_at=now
    )
    return running + queued


def purge_runs(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Delete runs older than OMNI_REPORT_RUN_DAYS, their files first (a file already gone is no error)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=run_days() if days is None else days)
    purged = 0
    old = ReportRun.objects.filter(created_at__lt=cutoff).order_by("pk").only("pk", "file")
    for run in old.iterator(chunk_size=500):
        if run.file.name:
            run.file.storage.delete(run.file.name)
            _remove_empty_folder(run.file.storage, run.file.name)
        purged += ReportRun.objects.filter(pk=run.pk).delete()[0]
    return purged


def _remove_empty_folder(storage: Any, name: str) -> None:
    """reports/<run id>/ once its file is gone (file-system storage only)."""
    import os

    folder = name.rsplit("/", 1)[0]
    try:
        path = storage.path(folder)
    except NotImplementedError:
        return
    with suppress(OSError):
        os.rmdir(path)


# --- Reads -----------------------------------------------------------------------------------------------


def runs_of(user: User) -> Any:
    return ReportRun.objects.filter(user=user).order_by("-created_at", "-id")


def run_of(user: User, run_id: int) -> ReportRun:
    """The user's own run (NotFound for anyone else's: its existence is not disclosed)."""
    run = runs_of(user).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No such report run."))
    return run
