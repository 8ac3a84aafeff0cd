"""Returns: points earned on returned units are taken back and redeemed points that paid for them are given
back, line by line, once per return line. The policy is in loyalty/services/orders.py's docstring."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from loyalty.exceptions import LoyaltyInvalid
from loyalty.models import LedgerEntry, LedgerKind, Member
from loyalty.services.ledger import (
    apply_draws,
    lock_member,
    locked_lots,
    plan_draws,
    surviving_member_id,
    write_entry,
)
from loyalty.services.orders import ORDER, RETURN, give_back_redeemed, restored_so_far
from loyalty.services.tiers import update_tier
from omni.actors import Actor


def _split(total: int, weights: Sequence[Decimal]) -> list[int]:
    """`total` split in proportion to `weights`, in whole points summing exactly to `total`."""
    weight_sum = sum(weights, Decimal(0))
    if total <= 0 or weight_sum <= 0:
        return [0 for _ in weights]
    exact = [Decimal(total) * w / weight_sum for w in weights]
    shares = [int(e) for e in exact]
    left = total - sum(shares)
    for i in sorted(range(len(weights)), key=lambda i: (exact[i] - shares[i], -i), reverse=True)[:left]:
        shares[i] += 1
    return shares


def _redeemed_per_line(order: Any, redeemed: int) -> dict[str, int]:
    """The order's redeemed points split over its lines by their share of the order discount (where the
    points' euro value was spread), else by what was paid."""
    lines = list(order.lines.order_by("id"))
    weights = [Decimal(getattr(line, "order_discount", 0) or 0) for line in lines]
    if sum(weights, Decimal(0)) <= 0:
        weights = [Decimal(line.line_total) for line in lines]
    return {str(line.pk): share for line, share in zip(lines, _split(redeemed, weights), strict=True)}


def _line_report(line_id: int, quantity: int) -> dict[str, int]:
    return {
        "order_line": line_id,
        "quantity": quantity,
        "points_reversed": 0,
        "points_restored": 0,
        "points_unrecovered": 0,
    }


@dataclass
class _Reversal:
    """What reversing one return knows: the member (locked), the order's earn entries by line and its
    redeem entry, what this return already wrote (a retry) and what earlier returns of the order took."""

    member: Member
    actor: Actor | None
    now: datetime
    source_id: str
    earns: dict[str, LedgerEntry]
    redeem: LedgerEntry | None
    here: dict[tuple[str, str], LedgerEntry]
    prior_units: dict[tuple[str, str], int]
    prior_points: dict[tuple[str, str], int]
    shares: dict[str, int]
    restorable: int
    common: dict[str, str]


def _valid_source_id(source_id: str) -> str:
    source_id = (source_id or "").strip()
    if not source_id or len(source_id) > 40:
        raise LoyaltyInvalid.on("return", "A return is identified by a number of 1 to 40 characters.")
    return source_id


def _order_entries(number: str) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(
            source_type=ORDER, source_id=number, kind__in=[LedgerKind.EARN, LedgerKind.REDEEM]
        )
    )


def _prepare(order: Any, order_entries: list[LedgerEntry], source_id: str, actor: Actor | None) -> _Reversal:
    """Lock the member, then read what the order's earlier returns (and this one, on a retry) wrote."""
    number = order.number
    member = lock_member(surviving_member_id(order_entries[0].member_id))
    redeem = next((e for e in order_entries if e.kind == LedgerKind.REDEEM), None)
    earlier = list(
        LedgerEntry.objects.filter(kind=LedgerKind.REVERSE, source_type=RETURN, order_number=number)
    )
    prior_units: dict[tuple[str, str], int] = defaultdict(int)
    prior_points: dict[tuple[str, str], int] = defaultdict(int)
    for e in earlier:
        if e.source_id != source_id:
            prior_units[(e.reverses, e.source_line)] += e.quantity or 0
            prior_points[(e.reverses, e.source_line)] += int(e.data.get("requested", abs(e.points)))
    return _Reversal(
        member=member,
        actor=actor,
        now=timezone.now(),
        source_id=source_id,
        earns={e.source_line: e for e in order_entries if e.kind == LedgerKind.EARN},
        redeem=redeem,
        here={(e.reverses, e.source_line): e for e in earlier if e.source_id == source_id},
        prior_units=prior_units,
        prior_points=prior_points,
        shares=_redeemed_per_line(order, -redeem.points) if redeem is not None else {},
        restorable=(-redeem.points - restored_so_far(redeem)) if redeem is not None else 0,
        common={
            "source_type": RETURN,
            "source_id": source_id,
            "order_number": number,
            "return_number": source_id,
        },
    )


def _restore_redeemed(r: _Reversal, key: str, quantity: int, units: int, row: dict[str, int]) -> None:
    """1. Redeemed points that paid for these units come back first."""
    done = r.here.get((LedgerKind.REDEEM, key))
    if done is not None:
        row["points_restored"] = done.points
        return
    if r.redeem is None or not r.shares.get(key):
        return
    before = r.prior_units[(LedgerKind.REDEEM, key)]
    step = min(quantity, units - before)
    if step <= 0:
        return
    due = r.shares[key] * (before + step) // units
    give = max(min(due - r.prior_points[(LedgerKind.REDEEM, key)], r.restorable), 0)
    give_back_redeemed(
        r.member,
        r.redeem,
        give,
        actor=r.actor,
        now=r.now,
        source_line=key,
        quantity=step,
        data={"requested": give},
        reason=f"Return {r.source_id}: redeemed points given back on {step} unit(s)",
        **r.common,
    )
    r.restorable -= give
    row["points_restored"] = give


def _take_back_earned(r: _Reversal, key: str, quantity: int, units: int, row: dict[str, int]) -> None:
    """2. Points earned on these units are taken back, never below zero."""
    done = r.here.get((LedgerKind.EARN, key))
    if done is not None:
        row["points_reversed"] = -done.points
        row["points_unrecovered"] = int(done.data.get("unrecovered", 0))
        return
    earn = r.earns.get(key)
    if earn is None:
        return
    before = r.prior_units[(LedgerKind.EARN, key)]
    step = min(quantity, units - before)
    if step <= 0:
        return
    due = earn.points * (before + step) // units
    requested = max(due - r.prior_points[(LedgerKind.EARN, key)], 0)
    lots = locked_lots(r.member, now=r.now, spendable_only=False)
    lots.sort(key=lambda lot: lot.entry_id != earn.pk)  # the line's own lot first
    draws = plan_draws(lots, requested)
    taken = sum(points for _, points in draws)
    entry = write_entry(
        r.member,
        LedgerKind.REVERSE,
        -taken,
        actor=r.actor,
        now=r.now,
        reverses=LedgerKind.EARN,
        reversed_entry=earn,
        source_line=key,
        quantity=step,
        data={"requested": requested, "unrecovered": requested - taken},
        reason=f"Return {r.source_id}: points earned on {step} unit(s) taken back",
        **r.common,
    )
    apply_draws(entry, draws, now=r.now)
    row["points_reversed"] = taken
    row["points_unrecovered"] = requested - taken


@transaction.atomic
def reverse_for_return(
    *, order: Any, returned_lines: list[tuple[Any, int]], source_id: str, actor: Actor | None = None
) -> dict[str, Any]:
    """Returned units: give back the points redeemed on them and take back the points earned on them, pro
    rata, once per return line (`source_id` is the return's number). Never below zero: what cannot be
    taken back is reported as `points_unrecovered` (see the module's policy). Idempotent: a second call for
    the same return answers the same figures and writes nothing.

    Returns {"member": id or None, "points_reversed", "points_restored", "points_unrecovered",
    "lines": [{"order_line", "quantity", "points_reversed", "points_restored", "points_unrecovered"}]}."""
    source_id = _valid_source_id(source_id)
    report: dict[str, Any] = {
        "member": None,
        "points_reversed": 0,
        "points_restored": 0,
        "points_unrecovered": 0,
        "lines": [],
    }
    order_entries = _order_entries(order.number)
    if not order_entries:
        report["lines"] = [_line_report(line.pk, int(q)) for line, q in returned_lines]
        return report
    r = _prepare(order, order_entries, source_id, actor)
    report["member"] = r.member.pk
    for line, quantity in returned_lines:
        key, quantity = str(line.pk), int(quantity)
        row = _line_report(line.pk, quantity)
        report["lines"].append(row)
        earn = r.earns.get(key)
        units = (earn.quantity if earn is not None else None) or int(line.quantity) or 1
        _restore_redeemed(r, key, quantity, units, row)
        _take_back_earned(r, key, quantity, units, row)
    for name in ("points_reversed", "points_restored", "points_unrecovered"):
        report[name] = sum(row[name] for row in report["lines"])
    if report["points_reversed"]:
        update_tier(r.member, reason=f"return {source_id}")
    return report
