"""Inventory's Celery tasks: take ids, call a service, idempotent, bounded retries."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


@shared_task(
    name="inventory.tasks.evaluate_low_stock_task",
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=True,
)
def evaluate_low_stock_task(level_ids: list[int]) -> dict[str, int]:
    """After a stock change commits: raise or clear low-stock alerts for these levels."""
    from inventory.services.alerts import evaluate_low_stock

    raised, cleared = evaluate_low_stock(level_ids)
    return {"raised": raised, "cleared": cleared}


@shared_task(name="inventory.tasks.low_stock_digest_task", max_retries=0)
def low_stock_digest_task() -> int:
    """Daily: one email per location with open low-stock alerts, to its managers."""
    from inventory.services.alerts import send_low_stock_digests

    return send_low_stock_digests()


@shared_task(name="inventory.tasks.check_stock_task", max_retries=0)
def check_stock_task() -> dict[str, int]:
    """Nightly reconciliation: on_hand = sum of the ledger, reserved = sum of active reservations."""
    from inventory.services.alerts import run_stock_check

    run = run_stock_check()
    return {"run": run.pk, "drift": run.drift_count}


@shared_task(name="inventory.tasks.fold_stock_summaries_task", max_retries=0)
def fold_stock_summaries_task() -> dict[str, int | bool]:
    """Every OMNI_SUMMARY_REFRESH_MINUTES (beat): fold the stock summaries' deltas into their rows, so a
    stock report page has few to add up. Skips when another fold is running (it does the work)."""
    from inventory.services.stock_summary import fold_stock_summaries

    done = fold_stock_summaries()
    return {"folded": done.folded, "rows": done.rows}
