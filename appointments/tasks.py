"""Appointments' Celery tasks: take ids, call a service, idempotent, bounded retries."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="appointments.tasks.send_appointment_email_task",
    autoretry_for=(OperationalError, OSError),
    max_retries=5,
    retry_backoff=True,
)
def send_appointment_email_task(email_id: int) -> bool:
    """Send one appointment email (through the outbox); sent at most once (its row records when)."""
    from appointments.services.emails import deliver_appointment_email

    return deliver_appointment_email(email_id)


@shared_task(name="appointments.tasks.send_appointment_reminders_task", max_retries=0)
def send_appointment_reminders_task() -> int:
    """Every 15 minutes (beat): queue the reminder of the appointments starting within the next 24 hours."""
    from appointments.services.emails import send_appointment_reminders

    return send_appointment_reminders()
