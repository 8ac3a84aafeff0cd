"""Carts' Celery tasks: take ids, call a service, idempotent, bounded retries."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="carts.tasks.expire_carts_task", autoretry_for=(OperationalError,), max_retries=3, retry_backoff=True
)
def expire_carts_task() -> int:
    """Hourly (beat): expire the open carts idle past their expiry. Running it twice expires nothing twice."""
    from carts.services import expire_carts

    return expire_carts()


@shared_task(name="carts.tasks.check_back_in_stock_task", max_retries=0)
def check_back_in_stock_task() -> int:
    """Every 15 minutes (beat): queue one "back in stock at your preferred store" email per member whose
    wishlist SKUs came back there (consent permitting; each return announced once)."""
    from carts.services.back_in_stock import check_back_in_stock

    return check_back_in_stock()


@shared_task(
    name="carts.tasks.send_back_in_stock_notice_task",
    autoretry_for=(OperationalError, OSError),
    max_retries=5,
    retry_backoff=True,
)
def send_back_in_stock_notice_task(notice_id: int) -> bool:
    """Send one back-in-stock notice (through the outbox); sent at most once (its row records when)."""
    from carts.services.back_in_stock import deliver_back_in_stock_notice

    return deliver_back_in_stock_notice(notice_id)


@shared_task(name="carts.tasks.refresh_recommendations_task", max_retries=0)
def refresh_recommendations_task() -> int:
    """Nightly (beat): recompute "bought together" from the last year's orders (one SQL statement)."""
    from carts.services.recommendations import refresh_recommendations

    return refresh_recommendations().pairs
