"""Loyalty's Celery tasks: take ids, call a service, idempotent, bounded retries."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(name="loyalty.tasks.expire_points_task", max_retries=0)
def expire_points_task() -> int:
    """Daily: expire the lots whose date has come (one expire entry per lot; a rerun finds nothing)."""
    from loyalty.services import expire_points

    return expire_points()


@shared_task(name="loyalty.tasks.send_expiry_warnings_task", max_retries=0)
def send_expiry_warnings_task() -> int:
    """Daily: queue one email per member with points expiring soon (each lot is warned about once)."""
    from loyalty.services import send_expiry_warnings

    return send_expiry_warnings()


@shared_task(
    name="loyalty.tasks.send_expiry_warning_task",
    autoretry_for=(OperationalError, OSError),
    max_retries=5,
    retry_backoff=True,
)
def send_expiry_warning_task(warning_id: int) -> bool:
    """Send one expiry warning; sent at most once (its row records when)."""
    from loyalty.services import deliver_expiry_warning

    return deliver_expiry_warning(warning_id)


@shared_task(name="loyalty.tasks.refresh_tiers_task", max_retries=0)
def refresh_tiers_task() -> int:
    """Nightly: tiers follow the qualifying points of the last 12 months as they age out."""
    from loyalty.services import refresh_tiers

    return refresh_tiers()


@shared_task(name="loyalty.tasks.check_loyalty_task", max_retries=0)
def check_loyalty_task() -> dict[str, int]:
    """Nightly reconciliation: balances = ledger = lots, lots = their draws, completed orders earned."""
    import logging

    from loyalty.selectors import check_loyalty

    check = check_loyalty()
    if not check.ok:
        logging.getLogger(__name__).error(
            "Loyalty drift: %s problems (run manage.py check_loyalty).", check.drift_count
        )
    return {"members": check.members_checked, "drift": check.drift_count}
