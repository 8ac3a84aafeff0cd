"""The carts' copy of a person, erased with them (GDPR Art. 17): loyalty erases the profile and sends
`customer_erased` inside its transaction; here, in the same transaction, every cart carrying one of the
person's emails loses its email and member, and an open one expires (nobody can find it any more)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Case, F, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from carts.models import Cart, CartStatus


def forget_carts(*, emails: Sequence[str]) -> int:
    wanted = {e.strip().lower() for e in emails if e and e.strip()}
    if not wanted:
        return 0
    now = timezone.now()
    carts = Cart.objects.annotate(email_lower=Lower("customer_email")).filter(email_lower__in=wanted)
    return Cart.objects.filter(pk__in=carts.values("pk")).update(
        customer_email="",
        member=None,
        status=Case(When(status=CartStatus.OPEN, then=Value(CartStatus.EXPIRED)), default=F("status")),
        closed_at=Case(When(status=CartStatus.OPEN, then=Value(now)), default=F("closed_at")),
    )


def on_customer_erased(sender: Any, *, emails: Sequence[str] = (), **_: Any) -> None:
    forget_carts(emails=emails)
