"""Carts idle past their `expires_at` (settings.OMNI_CART_IDLE_DAYS after their last change) expire: by the
beat task (carts.tasks.expire_carts_task) and `manage.py expire_carts`. One conditional UPDATE per batch: a
cart changed meanwhile has a later `expires_at` (its change held the row lock) and is left open."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from carts.models import Cart, CartStatus

BATCH = 1000


def expire_carts(*, as_of: dt.datetime | None = None) -> int:
    """Expire the open carts whose `expires_at` is at or before `as_of` (default now); how many expired."""
    as_of = as_of or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            ids = list(
                Cart.objects.filter(status=CartStatus.OPEN, expires_at__lte=as_of)
                .order_by("pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                return done
            done += Cart.objects.filter(pk__in=ids, status=CartStatus.OPEN, expires_at__lte=as_of).update(
                status=CartStatus.EXPIRED, closed_at=F("expires_at")
            )
        if len(ids) < BATCH:
            return done
