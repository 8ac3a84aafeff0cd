"""Every locking read of the loyalty app, in one place (as inventory.locks): only the rows of the model
itself (`of=("self",)`), several rows in primary-key order so two transactions never wait on each other in
a circle. Points change under the member's lock: `member` (or `members`) comes first, so the member's lots
are then read in the order the points are drawn (soonest expiry first), not by primary key."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import QuerySet

from loyalty.models import Customer, ExpiryWarning, Member, PointsLot


def member(member_id: int) -> Member:
    """The member's row (every points change for this member waits here), read fresh with its tier."""
    return (
        Member.objects.order_by("pk")
        .select_for_update(of=("self",))
        .select_related("tier", "customer")
        .get(pk=member_id)
    )


def members(member_ids: Iterable[int]) -> dict[int, Member]:
    rows = (
        Member.objects.filter(pk__in=set(member_ids))
        .order_by("pk")
        .select_for_update(of=("self",))
        .select_related("tier", "customer")
    )
    return {m.pk: m for m in rows}


def members_of_customers(customer_ids: Iterable[int]) -> list[Member]:
    return list(
        Member.objects.filter(customer_id__in=list(customer_ids))
        .order_by("pk")
        .select_for_update(of=("self",))
    )


def customer(customer_id: int) -> Customer:
    return Customer.objects.order_by("pk").select_for_update(of=("self",)).get(pk=customer_id)


def customers(customer_ids: Iterable[int]) -> dict[int, Customer]:
    rows = Customer.objects.filter(pk__in=list(customer_ids)).order_by("pk").select_for_update(of=("self",))
    return {c.pk: c for c in rows}


def lots(qs: QuerySet[PointsLot], *order: str) -> list[PointsLot]:
    """Lots of one member (whose row the caller holds) chosen by `qs`, in the order they are drawn
    (`order`: soonest expiry first, or latest first when points are given back)."""
    return list(qs.order_by(*order).select_for_update(of=("self",)))


def open_lots(
    member: Member, *, now: datetime, spendable_only: bool, exclude_ids: Iterable[int] = ()
) -> list[PointsLot]:
    """The member's lots with points left, soonest expiry first (see loyalty.services.ledger.locked_lots)."""
    qs = PointsLot.objects.filter(member=member, remaining__gt=0)
    if spendable_only:
        qs = qs.filter(available_at__lte=now, expires_at__gt=now, expired_at__isnull=True)
    exclude_ids = list(exclude_ids)
    if exclude_ids:
        qs = qs.exclude(pk__in=exclude_ids)
    return lots(qs, "expires_at", "id")


def expiry_warning(warning_id: int) -> ExpiryWarning | None:
    return (
        ExpiryWarning.objects.filter(pk=warning_id)
        .order_by("pk")
        .select_for_update(of=("self",))
        .select_related("member__customer")
        .first()
    )
