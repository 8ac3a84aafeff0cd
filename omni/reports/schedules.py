"""Weekly emails of a report (ReportSchedule): creating, pausing, resuming and deleting them, and sending the
ones that are due (the beat job `send_due_report_schedules_task`, every 15 minutes).

Times: a schedule fires on `weekday` at `hour`:00 local time (settings.TIME_ZONE, Europe/Rome), whatever the
UTC offset that week (zoneinfo: the local hour is kept across the changes of March and October; an hour that
does not exist that night, 02:00 on the last Sunday of March, fires at 03:00; one that happens twice fires
once).

Sending: due schedules are claimed in a short transaction (select_for_update(skip_locked=True), in pk order)
by pushing next_run_at an hour ahead (a lease: if the worker dies, the schedule is due again an hour later);
each is then sent outside any transaction. A failure is recorded on that schedule alone (last_error) and it is
retried at the next beat, up to MAX_FAILURES times in a row, then it waits for the following week. A user who
is no longer an active manager, or whose filters are no longer theirs, has the schedule deactivated."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from omni.emails import render_email
from omni.exceptions import Forbidden, InvalidInput, NotFound
from omni.models import ReportFormat, ReportRun, ReportSchedule
from omni.reports.jobs import (
    check_report,
    clean_params,
    describe_filters,
    export_file,
    period_of,
    run_days,
    short_error,
    store_file,
)
from omni.reports.runner import normalise_sort

if TYPE_CHECKING:
    from omni.models import User

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(hours=1)
MAX_FAILURES = 3
DATE_PARAMS = ("date_from", "date_to")


def attach_max_bytes() -> int:
    return int(getattr(settings, "OMNI_REPORT_EMAIL_ATTACH_MAX_BYTES", 5 * 1024 * 1024))


def base_url() -> str:
    return str(getattr(settings, "OMNI_BASE_URL", "") or "http://localhost:8000").rstrip("/")


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def next_run_after(*, weekday: int, hour: int, after: dt.datetime) -> dt.datetime:
    """The first `weekday` at `hour`:00 local time strictly after `after`, as an aware UTC datetime."""
    zone = local_zone()
    local = after.astimezone(zone)
    day = local.date() + dt.timedelta(days=(weekday - local.weekday()) % 7)
    while True:
        # fold=0: a nonexistent hour (spring forward) is read with the offset before the change, i.e. an hour
        # later on the clock; a repeated hour (fall back) is its first occurrence
        candidate = dt.datetime.combine(day, dt.time(hour), tzinfo=zone).astimezone(dt.UTC)
        if candidate > after.astimezone(dt.UTC):  # compared in UTC: same-zone comparisons ignore the offset
            return candidate
        day += dt.timedelta(days=7)


def dates_are_default(report: Any, params: Mapping[str, str], today: dt.date | None = None) -> bool:
    """Whether the dates in `params` are just the report's default window (the last default_days to today):
    then a schedule drops them, so each email covers the window of its own day."""
    if "dates" not in report.filters:
        return True
    date_from, date_to = params.get("date_from"), params.get("date_to")
    if not date_from and not date_to:
        return True
    today = today or timezone.localdate()
    span = dt.timedelta(days=max(1, report.default_days) - 1)
    return date_to == today.isoformat() and date_from in (None, "", (today - span).isoformat())


# --- Writes ----------------------------------------------------------------------------------------------


@transaction.atomic
def create_report_schedule(
    *,
    user: User,
    slug: str,
    params: Mapping[str, Any],
    sort: str | None,
    fmt: str,
    weekday: int,
    hour: int,
    fixed_dates: bool = False,
    now: dt.datetime | None = None,
) -> ReportSchedule:
    """A weekly email of this report to `user`. Without `fixed_dates` the dates are dropped, so each email
    covers the report's default window ending on the day it is sent."""
    if not user.email:
        raise InvalidInput(_("Your account has no email address: ask an administrator to add one."))
    if fmt not in ReportFormat.values:
        raise InvalidInput(_("Choose CSV or XLSX."), errors={"format": [_("Choose CSV or XLSX.")]})
    if not (0 <= weekday <= 6 and 0 <= hour <= 23):
        raise InvalidInput(_("Choose a day of the week and an hour."))
    given = clean_params(params)
    if not fixed_dates:
        given = {k: v for k, v in given.items() if k not in DATE_PARAMS}
    checked = check_report(user=user, slug=slug, params=given)
    return ReportSchedule.objects.create(
        user=user,
        report=checked.report.slug,
        params=given,
        sort=normalise_sort(checked.report, sort),
        format=fmt,
        weekday=weekday,
        hour=hour,
        next_run_at=next_run_after(weekday=weekday, hour=hour, after=now or timezone.now()),
    )


def schedules_of(user: User) -> Any:
    return ReportSchedule.objects.filter(user=user).order_by("weekday", "hour", "id")


def _own_locked(user: User, schedule_id: int) -> ReportSchedule:
    schedule = schedules_of(user).select_for_update().filter(pk=schedule_id).first()
    if schedule is None:
        raise NotFound(_("No such schedule."))
    return schedule


@transaction.atomic
def pause_report_schedule(*, user: User, schedule_id: int) -> ReportSchedule:
    schedule = _own_locked(user, schedule_id)
    if schedule.active:
        schedule.active = False
        schedule.save(update_fields=["active"])
    return schedule


@transaction.atomic
def resume_report_schedule(*, user: User, schedule_id: int, now: dt.datetime | None = None) -> ReportSchedule:
    """Active again from the next slot, if the user may still run the report with its filters."""
    schedule = _own_locked(user, schedule_id)
    check_report(user=user, slug=schedule.report, params=schedule.params)
    if not user.email:
        raise InvalidInput(_("Your account has no email address: ask an administrator to add one."))
    schedule.active = True
    schedule.failures = 0
    schedule.last_error = ""
    schedule.next_run_at = next_run_after(
        weekday=schedule.weekday, hour=schedule.hour, after=now or timezone.now()
    )
    schedule.save(update_fields=["active", "failures", "last_error", "next_run_at"])
    return schedule


@transaction.atomic
def delete_report_schedule(*, user: User, schedule_id: int) -> None:
    _own_locked(user, schedule_id).delete()


# --- Sending ---------------------------------------------------------------------------------------------


@transaction.atomic
def claim_due_schedules(*, now: dt.datetime, limit: int = 200) -> list[int]:
    """Lock the due schedules no other worker holds (pk order) and lease them for an hour."""
    due = list(
        ReportSchedule.objects.select_for_update(skip_locked=True)
        .filter(active=True, next_run_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    ReportSchedule.objects.filter(pk__in=due).update(next_run_at=now + LEASE)
    return due


def _deactivate(schedule_id: int, error: str) -> None:
    ReportSchedule.objects.filter(pk=schedule_id).update(active=False, last_error=error[:500])


def _record_failure(schedule: ReportSchedule, error: str, now: dt.datetime) -> None:
    """Retried at the next beat (next_run_at = now) until MAX_FAILURES in a row, then next week's slot."""
    failures = schedule.failures + 1
    retry = failures < MAX_FAILURES
    ReportSchedule.objects.filter(pk=schedule.pk).update(
        failures=failures if retry else 0,
        last_error=error[:500],
        next_run_at=now if retry else next_run_after(weekday=schedule.weekday, hour=schedule.hour, after=now),
    )


def send_report_schedule(*, schedule_id: int, now: dt.datetime | None = None) -> str:
    """Email one schedule's report now ("sent", "deactivated", "failed" or "skipped")."""
    now = now or timezone.now()
    schedule = ReportSchedule.objects.select_related("user").filter(pk=schedule_id, active=True).first()
    if schedule is None:
        return "skipped"
    user = schedule.user
    if not user.is_active or not user.is_manager:
        _deactivate(
            schedule.pk, _("Stopped: %(user)s is no longer an active manager.") % {"user": user.username}
        )
        return "deactivated"
    if not user.email:
        _deactivate(schedule.pk, _("Stopped: the user has no email address."))
        return "deactivated"
    try:
        message = build_email(schedule, now=now)
    except (NotFound, Forbidden, InvalidInput) as exc:
        _deactivate(schedule.pk, _("Stopped: %(reason)s") % {"reason": exc.detail})
        return "deactivated"
    except Exception as exc:  # (one schedule failing never stops the others)
        logger.exception("Report schedule %s failed.", schedule.pk)
        _record_failure(schedule, short_error(exc), now)
        return "failed"
    try:
        message.send()
    except Exception as exc:  # (SMTP down: retried at the next beat)
        logger.exception("Report schedule %s: the email was not sent.", schedule.pk)
        _record_failure(schedule, short_error(exc), now)
        return "failed"
    ReportSchedule.objects.filter(pk=schedule.pk).update(
        last_sent_at=now,
        next_run_at=next_run_after(weekday=schedule.weekday, hour=schedule.hour, after=now),
        failures=0,
        last_error="",
    )
    return "sent"


def build_email(schedule: ReportSchedule, *, now: dt.datetime) -> EmailMultiAlternatives:
    """The email of this schedule, in the user's language: the export attached when small enough, else a link
    to a ReportRun holding it. The filters are checked again (NotFound / Forbidden / InvalidInput)."""
    user = schedule.user
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        checked = check_report(user=user, slug=schedule.report, params=schedule.params)
        report = checked.report
        sort = normalise_sort(report, schedule.sort)
        context: dict[str, Any] = {
            "user": user,
            "report_title": report.title,
            "summary": describe_filters(checked.form),
            "period": period_of(checked.filters),
            "fixed_dates": any(k in schedule.params for k in DATE_PARAMS),
            "schedule": schedule,
            "format": schedule.get_format_display(),
            "schedules_url": base_url() + reverse("reports:schedule-list"),
            "days": run_days(),
            "LANGUAGE_CODE": language,
        }
        attachment: tuple[str, bytes, str] | None = None
        with export_file(report, checked.filters, sort=sort, fmt=schedule.format) as (tmp, size):
            from omni.reports.exports import CONTENT_TYPES, export_filename

            filename = export_filename(report, schedule.format)
            if size <= attach_max_bytes():
                attachment = (filename, tmp.read(), CONTENT_TYPES[schedule.format])
            else:
                run = ReportRun.objects.create(
                    user=user,
                    report=report.slug,
                    params=schedule.params,
                    sort=sort,
                    format=schedule.format,
                    status=ReportRun.Status.RUNNING,
                    started_at=now,
                )
                stored = store_file(run, report, tmp)
                ReportRun.objects.filter(pk=run.pk).update(
                    status=ReportRun.Status.DONE, file=stored, size=size, finished_at=timezone.now()
                )
                context["link"] = base_url() + reverse("reports:run-download", args=[run.pk])
        context["filename"] = filename
        context["attached"] = attachment is not None
        subject, text, html = render_email("omni/reports/jobs/email/schedule", context, language=language)
    message = EmailMultiAlternatives(subject, text, None, [user.email])
    message.attach_alternative(html, "text/html")
    if attachment is not None:
        message.attach(*attachment)
    return message


def send_due_schedules(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The beat job: claim what is due, send each on its own (outside any transaction)."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    for schedule_id in claim_due_schedules(now=now):
        outcome = send_report_schedule(schedule_id=schedule_id, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
