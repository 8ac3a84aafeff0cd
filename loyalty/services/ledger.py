"""The ledger's building blocks, used by every loyalty write. All of them run inside the caller's
transaction with the member's row already locked (`lock_member`): that lock serialises every change to
one member's points, so a re-check under it is reliable; the unique source key and the CHECK constraints
(balance >= 0, 0 <= remaining <= points) back it in the database.

How points move:
- an entry that adds points (earn, positive adjustment, restored points that cannot go back to their lot)
  creates a `PointsLot` with its own expiry;
- an entry that takes points (redeem, expire, reversal of an earn, negative adjustment) draws them from
  lots, recorded as `LotDraw` rows, soonest-expiring first;
- a reversal of a redemption gives points back to the lots they were drawn from (a negative draw).
So for every entry, `points` = the lots it created - the points it drew; for every lot,
`remaining` = `points` - its draws; and a member's balance = the sum of its entries = the sum of its lots'
`remaining`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import F

from loyalty import locks
from loyalty.models import LedgerEntry, LotDraw, Member, MemberStatus, PointsLot
from omni.actors import Actor

SYSTEM_LABEL = "system"


def actor_fields(actor: Actor | None) -> dict[str, Any]:
    if actor is None:
        return {"user": None, "api_client": None, "actor_label": SYSTEM_LABEL}
    location_code = ""
    location = actor.client.location if actor.client is not None else None
    if location is not None:
        location_code = location.code
    elif actor.user is not None and actor.location_ids is not None and len(actor.location_ids) == 1:
        # a store's staff member working at one store: the adjustment happened there
        membership = actor.user.staff_memberships.select_related("location").first()  # type: ignore[attr-defined]
        location_code = membership.location.code if membership is not None else ""
    return {
        "user": actor.user,
        "api_client": actor.client,
        "actor_label": actor.label[:150],
        "location_code": location_code,
    }


def surviving_member_id(member_id: int) -> int:
    """A merged member's points live on with the member it was merged into (merges re-point, so one hop)."""
    for _ in range(5):
        target = Member.objects.filter(pk=member_id).values_list("merged_into_id", flat=True).first()
        if target is None:
            return member_id
        member_id = target
    return member_id


def lock_member(member_id: int) -> Member:
    """Lock the member's row (every points change for this member waits here) and read it fresh."""
    return locks.member(member_id)


def lock_members(member_ids: Iterable[int]) -> dict[int, Member]:
    """Several members, locked in primary-key order (two merges never deadlock)."""
    return locks.members(member_ids)


def is_active(member: Member) -> bool:
    return member.status == MemberStatus.ACTIVE


# --- Entries ------------------------------------------------------------------------------------------


@dataclass
class EntrySpec:
    kind: str
    points: int
    fields: dict[str, Any] = field(default_factory=dict)


def write_entries(
    member: Member, specs: Sequence[EntrySpec], *, actor: Actor | None, now: datetime
) -> list[LedgerEntry]:
    """Insert entries in one statement, each with the balance it leaves, and move the cached balance by
    their sum in the same transaction (the member is locked; the CHECK refuses a negative balance)."""
    if not specs:
        return []
    who = actor_fields(actor)
    balance = member.points_balance
    rows = []
    for spec in specs:
        balance += spec.points
        rows.append(
            LedgerEntry(
                member=member,
                kind=spec.kind,
                points=spec.points,
                balance_after=balance,
                created_at=now,
                **{**who, **spec.fields},
            )
        )
    entries = LedgerEntry.objects.bulk_create(rows)
    delta = balance - member.points_balance
    if delta:
        Member.objects.filter(pk=member.pk).update(points_balance=F("points_balance") + delta)
        member.points_balance = balance
    return entries


def write_entry(
    member: Member, kind: str, points: int, *, actor: Actor | None, now: datetime, **fields: Any
) -> LedgerEntry:
    return write_entries(member, [EntrySpec(kind, points, fields)], actor=actor, now=now)[0]


# --- Lots -----------------------------------------------------------------------------------------------


def locked_lots(
    member: Member, *, now: datetime, spendable_only: bool, exclude_ids: Iterable[int] = ()
) -> list[PointsLot]:
    """The member's lots with points left, soonest-expiring first, locked.

    `spendable_only`: only lots a redemption may use, available (past any pending period) and not expired
    (`expires_at` still ahead, whether or not the expiry job has run). Otherwise every lot with points
    left: what a reversal or a negative adjustment may take back."""
    return locks.open_lots(member, now=now, spendable_only=spendable_only, exclude_ids=exclude_ids)


def plan_draws(lots: Sequence[PointsLot], points: int) -> list[tuple[PointsLot, int]]:
    """Take `points` (or as many as there are) from the lots in the order given."""
    draws: list[tuple[PointsLot, int]] = []
    left = points
    for lot in lots:
        if left <= 0:
            break
        take = min(lot.remaining, left)
        if take > 0:
            draws.append((lot, take))
            left -= take
    return draws


def apply_draws(entry: LedgerEntry, draws: Sequence[tuple[PointsLot, int]], *, now: datetime) -> None:
    """Record the draws (positive: taken from the lot; negative: given back) and move each lot's
    `remaining` by them: one insert and one update, whatever the number of lots."""
    draws = [(lot, points) for lot, points in draws if points]
    if not draws:
        return
    LotDraw.objects.bulk_create(
        [LotDraw(entry=entry, lot=lot, points=points, created_at=now) for lot, points in draws]
    )
    for lot, points in draws:
        lot.remaining -= points
    PointsLot.objects.bulk_update([lot for lot, _ in draws], ["remaining"])


def create_lots(
    member: Member,
    entries_points: Sequence[tuple[LedgerEntry, int]],
    *,
    now: datetime,
    expires_at: datetime,
    available_at: datetime | None = None,
) -> list[PointsLot]:
    rows = [
        PointsLot(
            member=member,
            entry=entry,
            points=points,
            remaining=points,
            created_at=now,
            available_at=available_at or now,
            expires_at=expires_at,
        )
        for entry, points in entries_points
        if points > 0
    ]
    return PointsLot.objects.bulk_create(rows) if rows else []
