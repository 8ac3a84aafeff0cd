"""Low-stock alerts and the reconciliation run."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inventory.models import LowStockAlert, StockCheckRun, StockLevel
from omni.emails import render_email


@transaction.atomic
def evaluate_low_stock(level_ids: Iterable[int]) -> tuple[int, int]:
    """Raise an alert where available < reorder point and none is open; clear open alerts where stock is
    back. Idempotent: re-running changes nothing. Returns (raised, cleared)."""
    from inventory.selectors import levels_with_available

    levels = levels_with_available(StockLevel.objects.filter(pk__in=list(level_ids)))
    # available_qty is the annotation added by levels_with_available: the django-stubs plugin cannot see it
    rows = list(
        levels.values_list("location_id", "variant_id", "available_qty", "reorder_point")  # type: ignore[misc]
    )
    low = [r for r in rows if r[3] > 0 and r[2] < r[3]]
    ok = [r for r in rows if not (r[3] > 0 and r[2] < r[3])]
    now = timezone.now()
    raised = LowStockAlert.objects.bulk_create(
        [
            LowStockAlert(
                location_id=loc, variant_id=var, available_at_raise=avail, reorder_point=rp, raised_at=now
            )
            for loc, var, avail, rp in low
        ],
        ignore_conflicts=True,
    )
    cleared = 0
    if ok:
        condition = Q()
        for loc, var, _, _ in ok:
            condition |= Q(location_id=loc, variant_id=var)
        cleared = LowStockAlert.objects.filter(condition, cleared_at__isnull=True).update(cleared_at=now)
    return len(raised), cleared


def open_alerts(location_id: int | None = None):  # type: ignore[no-untyped-def]
    qs = LowStockAlert.objects.filter(cleared_at__isnull=True).select_related(
        "variant", "variant__product", "location"
    )
    if location_id is not None:
        qs = qs.filter(location_id=location_id)
    return qs.order_by("location__code", "variant__sku")


def send_low_stock_digests() -> int:
    """One email per location with open alerts, to the managers of that location (in their language)."""
    from omni.models import StaffRole, User

    by_location = defaultdict(list)
    for alert in open_alerts():
        by_location[alert.location].append(alert)
    sent = 0
    for location, alerts in by_location.items():
        managers = User.objects.filter(
            is_active=True, role=StaffRole.STORE_MANAGER, staff_memberships__location=location
        ).exclude(email="")
        for manager in managers:
            subject, body, html = render_email(
                "inventory/email/low_stock_digest",
                {"location": location, "alerts": alerts, "user": manager},
                language=manager.preferred_language or settings.LANGUAGE_CODE,
            )
            send_mail(subject, body, None, [manager.email], html_message=html)
            sent += 1
    return sent


def run_stock_check() -> StockCheckRun:
    from inventory.selectors import stock_drift

    run = StockCheckRun.objects.create()
    drift = stock_drift(limit=10000)
    run.rows_checked = StockLevel.objects.count()
    run.drift_count = len(drift)
    run.drift = drift
    run.finished_at = timezone.now()
    run.save(update_fields=["rows_checked", "drift_count", "drift", "finished_at"])
    return run
