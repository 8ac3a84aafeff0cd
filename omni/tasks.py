"""Platform tasks."""

from __future__ import annotations

from celery import shared_task
from django.db import connection


@shared_task(name="omni.tasks.purge_idempotency_keys_task")
def purge_idempotency_keys_task() -> int:
    """Delete idempotency records past their 24 hours (hourly, by beat)."""
    from omni.api.idempotency import purge_expired

    return purge_expired()


@shared_task(name="omni.tasks.ping_task")
def ping_task(token: str) -> dict[str, str]:
    """Health check of a worker: proves it runs Omni's code against Omni's database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
    return {"pong": token, "database": database}


# The reports' tasks live in omni/reports/tasks.py; autodiscovery looks at <app>/tasks.py only.
from omni.reports import tasks as _report_tasks  # noqa: E402, F401
