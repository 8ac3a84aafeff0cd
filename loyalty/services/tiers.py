"""Tiers from qualifying points: the points earned in the last LOYALTY_TIER_WINDOW_MONTHS, less what was
reversed of those earns on returns. Not the balance: redeeming points never costs a tier. A member moves
up as soon as an earn qualifies it, down when a return or the passing of time takes it below the
threshold (the nightly `refresh_tiers_task`). Every change is kept in `TierChange`."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from loyalty import conf
from loyalty.dates import add_months
from loyalty.models import LedgerEntry, Member, MemberStatus, Tier, TierChange
from loyalty.selectors.members import member_ids_for, qualifying_filter, qualifying_points
from loyalty.services.ledger import lock_member


def tiers() -> list[Tier]:
    return list(Tier.objects.order_by("threshold"))


def tier_for(points: int, all_tiers: list[Tier]) -> Tier | None:
    chosen = None
    for tier in all_tiers:  # ascending thresholds
        if points >= tier.threshold:
            chosen = tier
    return chosen or (all_tiers[0] if all_tiers else None)


def update_tier(member: Member, *, as_of: datetime | None = None, reason: str = "") -> TierChange | None:
    """Put the (locked) member in the tier its qualifying points reach; record a change if it moves."""
    as_of = as_of or timezone.now()
    points = qualifying_points(member_ids_for(member), as_of=as_of)
    target = tier_for(points, tiers())
    if target is None or target.pk == member.tier_id:
        return None
    change = TierChange.objects.create(
        member=member,
        from_tier=member.tier,
        to_tier=target,
        qualifying_points=points,
        reason=reason[:200],
        created_at=timezone.now(),
    )
    member.tier = target
    member.tier_since = change.created_at
    Member.objects.filter(pk=member.pk).update(tier=target, tier_since=change.created_at)
    return change


def refresh_tiers(*, as_of: datetime | None = None) -> int:
    """Nightly: move every member whose qualifying points no longer match its tier (points age out of
    the window). One aggregate query finds them; each is then locked and updated on its own."""
    as_of = as_of or timezone.now()
    since = add_months(as_of, -conf.tier_window_months())
    all_tiers = tiers()
    if not all_tiers:
        return 0
    sums: dict[int, int] = {}
    rows = (
        LedgerEntry.objects.filter(qualifying_filter(since, as_of))
        .values("member_id", "member__merged_into_id")
        .annotate(total=Sum("points"))
    )
    for row in rows:
        owner = row["member__merged_into_id"] or row["member_id"]
        sums[owner] = sums.get(owner, 0) + int(row["total"] or 0)
    changed = 0
    members = Member.objects.filter(status=MemberStatus.ACTIVE).values_list("pk", "tier_id")
    for member_id, tier_id in members.iterator():
        target = tier_for(max(sums.get(member_id, 0), 0), all_tiers)
        if target is not None and target.pk != tier_id:
            with transaction.atomic():
                if update_tier(lock_member(member_id), as_of=as_of, reason="qualifying points recounted"):
                    changed += 1
    return changed
