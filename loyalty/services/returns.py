"""Returns: points earned on returned units are taken back and redeemed points that paid for them are given
back, line by line, once per return line. The policy is in loyalty/services/orders.py's docstring."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from loyalty.exceptions import LoyaltyInvalid
from loyalty.models import LedgerEntry, LedgerKind
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
    source_id = (source_id or "").strip()
    if not source_id or len(source_id) > 40:
        raise LoyaltyInvalid.on("return", "A return is identified by a number of 1 to 40 characters.")
    number = order.number
    report: dict[str, Any] = {
        "member": None,
        "points_reversed": 0,
        "points_restored": 0,
        "points_unrecovered": 0,
        "lines": [],
    }
    order_entries = list(
        LedgerEntry.objects.filter(
            source_type=ORDER, source_id=number, kind__in=[LedgerKind.EARN, LedgerKind.REDEEM]
        )
    )
    earns = {e.source_line: e for e in order_entries if e.kind == LedgerKind.EARN}
    redeem = next((e for e in order_entries if e.kind == LedgerKind.REDEEM), None)
    if not order_entries:
        report["lines"] = [_line_report(line.pk, int(q)) for line, q in returned_lines]
        return report
    member = lock_member(surviving_member_id(order_entries[0].member_id))
    report["member"] = member.pk
    now = timezone.now()
    earlier = list(
        LedgerEntry.objects.filter(kind=LedgerKind.REVERSE, source_type=RETURN, order_number=number)
    )
    here = {(e.reverses, e.source_line): e for e in earlier if e.source_id == source_id}
    prior_units: dict[tuple[str, str], int] = defaultdict(int)
    prior_points: dict[tuple[str, str], int] = defaultdict(int)
    for e in earlier:
        if e.source_id != source_id:
            prior_units[(e.reverses, e.source_line)] += e.quantity or 0
            prior_points[(e.reverses, e.source_line)] += int(e.data.get("requested", abs(e.points)))
    shares = _redeemed_per_line(order, -redeem.points) if redeem is not None else {}
    restorable = (-redeem.points - restored_so_far(redeem)) if redeem is not None else 0
    common = {
        "source_type": RETURN,
        "source_id": source_id,
        "order_number": number,
        "return_number": source_id,
    }

    for line, quantity in returned_lines:
        key, quantity = str(line.pk), int(quantity)
        row = _line_report(line.pk, quantity)
        report["lines"].append(row)
        earn = earns.get(key)
        units = (earn.quantity if earn is not None else None) or int(line.quantity) or 1

        # 1. Redeemed points that paid for these units come back first.
        done = here.get((LedgerKind.REDEEM, key))
        if done is not None:
            row["points_restored"] = done.points
        elif redeem is not None and shares.get(key):
            step = min(quantity, units - prior_units[(LedgerKind.REDEEM, key)])
            if step > 0:
                due = shares[key] * (prior_units[(LedgerKind.REDEEM, key)] + step) // units
                give = max(min(due - prior_points[(LedgerKind.REDEEM, key)], restorable), 0)
                give_back_redeemed(
                    member,
                    redeem,
                    give,
                    actor=actor,
                    now=now,
                    source_line=key,
                    quantity=step,
                    data={"requested": give},
                    reason=f"Return {source_id}: redeemed points given back on {step} unit(s)",
                    **common,
                )
                restorable -= give
                row["points_restored"] = give

        # 2. Points earned on these units are taken back, never below zero.
        done = here.get((LedgerKind.EARN, key))
        if done is not None:
            row["points_reversed"] = -done.points
            row["points_unrecovered"] = int(done.data.get("unrecovered", 0))
        elif earn is not None:
            step = min(quantity, units - prior_units[(LedgerKind.EARN, key)])
            if step > 0:
                due = earn.points * (prior_units[(LedgerKind.EARN, key)] + step) // units
                requested = max(due - prior_points[(LedgerKind.EARN, key)], 0)
                lots = locked_lots(member, now=now, spendable_only=False)
                lots.sort(key=lambda lot: lot.entry_id != earn.pk)  # the line's own lot first
                draws = plan_draws(lots, requested)
                taken = sum(points for _, points in draws)
                entry = write_entry(
                    member,
                    LedgerKind.REVERSE,
                    -taken,
                    actor=actor,
                    now=now,
                    reverses=LedgerKind.EARN,
                    reversed_entry=earn,
                    source_line=key,
                    quantity=step,
                    data={"requested": requested, "unrecovered": requested - taken},
                    reason=f"Return {source_id}: points earned on {step} unit(s) taken back",
                    **common,
                )
                apply_draws(entry, draws, now=now)
                row["points_reversed"] = taken
                row["points_unrecovered"] = requested - taken

    for name in ("points_reversed", "points_restored", "points_unrecovered"):
        report[name] = sum(row[name] for row in report["lines"])
    if report["points_reversed"]:
        update_tier(member, reason=f"return {source_id}")
    return report
