"""Celery tasks of the reports: a background export, and the beat jobs (weekly emails, stuck runs, retention).

They take ids, call a service and are idempotent: a run that is not queued any more is not redone, a schedule
that is not due any more is not sent. Imported by omni/tasks.py, so the worker's autodiscovery finds them."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="omni.reports.tasks.run_report_task",
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=True,
)
def run_report_task(run_id: int) -> str:
    """Produce the file of a queued ReportRun (nothing if it is already running, done or failed)."""
    from omni.reports.jobs import run_report

    return run_report(run_id=run_id)


@shared_task(name="omni.reports.tasks.send_due_report_schedules_task", max_retries=0)
def send_due_report_schedules_task() -> dict[str, int]:
    """Every 15 minutes: email the weekly reports that are due."""
    from omni.reports.schedules import send_due_schedules

    return send_due_schedules()


@shared_task(name="omni.reports.tasks.fail_stuck_report_runs_task", max_retries=0)
def fail_stuck_report_runs_task() -> int:
    """Twice an hour: runs running (or queued) for more than an hour are marked failed."""
    from omni.reports.jobs import fail_stuck_runs

    return fail_stuck_runs()


@shared_task(name="omni.reports.tasks.purge_report_runs_task", max_retries=0)
def purge_report_runs_task() -> int:
    """Daily: delete runs (and their files) older than OMNI_REPORT_RUN_DAYS."""
    from omni.reports.jobs import purge_runs

    return purge_runs()
