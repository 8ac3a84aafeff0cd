"""Orders' Celery tasks: take ids, call a service, idempotent, bounded retries."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError


@shared_task(name="orders.tasks.deliver_webhook_task", max_retries=0)
def deliver_webhook_task(delivery_id: int) -> str:
    """After the order change commits: try this delivery once. Failures are rescheduled on the row itself
    (exponential backoff) and picked up by retry_webhooks_task, so the task never retries on its own."""
    from orders.services.webhooks import deliver

    return deliver(delivery_id)


@shared_task(name="orders.tasks.retry_webhooks_task", max_retries=0)
def retry_webhooks_task() -> dict[str, int]:
    """Every minute (beat): send every pending delivery whose next attempt is due."""
    from orders.services.webhooks import deliver_due

    return deliver_due()


@shared_task(
    name="orders.tasks.send_order_email_task",
    autoretry_for=(OperationalError, SMTPException, ConnectionError),
    max_retries=3,
    retry_backoff=True,
)
def send_order_email_task(order_id: int, kind: str) -> bool:
    """After the order change commits: send the customer this email once (a second run sends nothing)."""
    from orders.services.notifications import send_order_email

    return send_order_email(order_id=order_id, kind=kind)


@shared_task(name="orders.tasks.expire_pickups_task", max_retries=0)
def expire_pickups_task() -> list[str]:
    """Every 10 minutes (beat): cancel the pickups past their hold and release their stock. Safe to run
    twice at once (one transaction per order, SKIP LOCKED); the next run picks up whatever one left."""
    from orders.services import expire_pickups

    return expire_pickups()


@shared_task(name="orders.tasks.pickup_reminders_task", max_retries=0)
def pickup_reminders_task() -> int:
    """Hourly (beat): remind customers whose pickup expires within a day, once per order."""
    from orders.services import send_pickup_reminders

    return send_pickup_reminders()


@shared_task(name="orders.tasks.refresh_sales_summary_task", max_retries=0)
def refresh_sales_summary_task() -> dict[str, int | bool]:
    """Every 5 minutes (beat): bring the daily sales summary up to date (the days changed since its last
    refresh), so the sales report rarely has any to do itself. Two runs at once take turns (advisory lock)."""
    from orders.services.sales_summary import refresh_sales_summary

    done = refresh_sales_summary()
    return {"rebuilt": done.rebuilt, "days": done.days, "rows": done.rows}


@shared_task(name="orders.tasks.snapshot_segment_sizes_task", max_retries=0)
def snapshot_segment_sizes_task() -> int:
    """Daily (beat): each active customer segment's member count today (the "segment sizes" report); run
    twice the same day, the later figures replace the earlier."""
    from orders.services.segments import snapshot_segment_sizes

    return snapshot_segment_sizes()
