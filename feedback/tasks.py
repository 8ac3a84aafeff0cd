"""Feedback's Celery tasks: take ids, call a service, idempotent, bounded retries."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(name="feedback.tasks.invite_feedback_task", max_retries=0)
def invite_feedback_task() -> int:
    """Every 15 minutes (beat): invite to the survey about the touchpoints of the last
    FEEDBACK_LOOKBACK_DAYS (consent and the once-per-period rule permitting). Each fact is invited once."""
    from feedback.services.invitations import find_and_invite

    return find_and_invite()


@shared_task(
    name="feedback.tasks.send_invitation_task",
    autoretry_for=(OperationalError, OSError),
    max_retries=5,
    retry_backoff=True,
)
def send_invitation_task(invitation_id: str) -> bool:
    """Send one invitation's email (through the outbox); sent at most once (its row records when)."""
    from feedback.services.invitations import deliver_invitation

    return deliver_invitation(invitation_id)
