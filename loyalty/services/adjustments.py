"""Manual adjustments: a signed number of points with a reason, audited (who, why, where)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from loyalty import conf
from loyalty.dates import add_months
from loyalty.exceptions import LoyaltyInvalid
from loyalty.models import LedgerEntry, LedgerKind, Member
from loyalty.services.ledger import (
    apply_draws,
    create_lots,
    is_active,
    lock_member,
    locked_lots,
    plan_draws,
    write_entry,
)
from omni.actors import Actor
from omni.services import record_audit


@transaction.atomic
def adjust(*, member: Member, points: int, reason: str, actor: Actor | None) -> LedgerEntry:
    """Add points (a new lot expiring after LOYALTY_POINTS_EXPIRY_MONTHS) or take them (from the lots that
    expire first). Taking more than the balance: 400 on `points`; no reason: 400 on `reason`."""
    if not isinstance(points, int) or isinstance(points, bool) or points == 0:
        raise LoyaltyInvalid.on("points", "An adjustment is a whole number of points other than 0.")
    if abs(points) > conf.MAX_POINTS:
        raise LoyaltyInvalid.on("points", f"An adjustment is at most {conf.MAX_POINTS} points either way.")
    reason = (reason or "").strip()
    if not reason:
        raise LoyaltyInvalid.on("reason", "Say why the points are adjusted.")
    if len(reason) > 500:
        raise LoyaltyInvalid.on("reason", "A reason is at most 500 characters.")
    member = lock_member(member.pk)
    if not is_active(member):
        raise LoyaltyInvalid.on("member", f"Member {member.pk} is {member.status}: adjust the active member.")
    now = timezone.now()
    if member.points_balance + points > conf.MAX_BALANCE:
        raise LoyaltyInvalid.on("points", f"A balance is at most {conf.MAX_BALANCE} points.")
    if points > 0:
        expires_at = add_months(now, conf.expiry_months())
        entry = write_entry(
            member, LedgerKind.ADJUST, points, actor=actor, now=now, reason=reason, expires_at=expires_at
        )
        create_lots(member, [(entry, points)], now=now, expires_at=expires_at)
    else:
        lots = locked_lots(member, now=now, spendable_only=False)
        if -points > sum(lot.remaining for lot in lots):
            raise LoyaltyInvalid.on(
                "points",
                f"The balance is {member.points_balance} points: "
                f"at most {member.points_balance} can be taken.",
            )
        entry = write_entry(member, LedgerKind.ADJUST, points, actor=actor, now=now, reason=reason)
        apply_draws(entry, plan_draws(lots, -points), now=now)
    record_audit(
        action="loyalty.points_adjusted",
        actor=actor,
        object_type="loyalty_member",
        object_id=member.pk,
        reason=reason,
        data={
            "points": points,
            "entry": entry.pk,
            "balance_after": entry.balance_after,
            "location": entry.location_code,
        },
    )
    return entry
