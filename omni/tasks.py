"""Platform tasks."""

from __future__ import annotations

from celery import shared_task
from django.db import connection


@shared_task(name="omni.tasks.purge_idempotency_keys_task")
def purge_idempotency_keys_task() -> int:
    """Delete idempotency records past their 24 hours (hourly, by beat)."""
    from omni.api.idempotency import purge_expired

    return purge_expired()


@shared_task(name="omni.tasks.run_outbox_task", max_retries=0, ignore_result=True)
def run_outbox_task(message_id: int) -> bool:
    """Run one outbox message (published after its change committed, or by the sweeper). A failure is
    rescheduled on the row itself, so the task never retries on its own."""
    from omni.outbox import run_message

    return run_message(message_id=message_id)


@shared_task(name="omni.tasks.drain_outbox_task", max_retries=0, ignore_result=True)
def drain_outbox_task() -> int:
    """Every minute (beat): publish the outbox messages that are due (never published, lost, or failed)."""
    from omni.outbox import drain

    return drain()


@shared_task(name="omni.tasks.ping_task", ignore_result=False)
def ping_task(token: str) -> dict[str, str]:
    """Health check of a worker: proves it runs Omni's code against Omni's database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
    return {"pong": token, "database": database}


# The reports' tasks live in omni/reports/tasks.py; autodiscovery looks at <app>/tasks.py only.
from omni.reports import tasks as _report_tasks  # noqa: E402, F401
