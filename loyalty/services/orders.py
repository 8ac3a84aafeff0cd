"""Points on orders, in every channel: redeeming at placement, giving redeemed points back on a
cancellation, earning on completion, and taking earned points back (and giving redeemed ones back) on a
return, line by line. The orders app calls these inside its own transactions; loyalty reads the order and
its lines only through the attributes it is given (number, customer_email, created_at, total, lines).

Uniqueness: every entry carries its source (order number and line id, return number and line id), and
the database refuses a second entry of the same kind for the same source and line, so a retried task, a
replayed request or a double submit never credits or debits twice. Each service is also idempotent: a
second call finds its entries and answers what the first one did.

Returns policy (reverse_for_return, in loyalty/services/returns.py):
- For each returned line, the redeemed points that paid for those units are given back first (pro rata:
  the order's redeemed points split over its lines by their share of the order discount, then by units),
  then the points earned on those units are taken back (pro rata by units). Cumulative rounding makes a
  line returned in several parts give back exactly its earn in total.
- Points are taken back from the line's own lot first, then from the member's other lots, soonest-
  expiring first. The balance never goes below zero: what the member has already spent is not taken, but
  recorded on the entry (`data.unrecovered`) and reported (`points_unrecovered`) for the return to show.

Cancellation policy (restore_redeemed_for_order): redeemed points go back into the lots they came from,
with their original expiry; points whose lot has expired in the meantime (or has moved to another member
in a merge) come back in a new lot that lives until the latest of those lots' dates, and at least
LOYALTY_RESTORE_GRACE_DAYS (default 30), so a cancellation never loses a customer points, nor makes old
points live long."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from loyalty import conf, locks
from loyalty.dates import add_months
from loyalty.exceptions import InvalidRedemption
from loyalty.models import LedgerEntry, LedgerKind, LotDraw, Member, PointsLot
from loyalty.selectors import member_for_email
from loyalty.services import rules
from loyalty.services.ledger import (
    EntrySpec,
    apply_draws,
    create_lots,
    is_active,
    lock_member,
    locked_lots,
    plan_draws,
    surviving_member_id,
    write_entries,
    write_entry,
)
from loyalty.services.tiers import update_tier
from omni.actors import Actor

CENT = Decimal("0.01")
ORDER = "order"
CANCEL = "order_cancel"
RETURN = "return"


def _redeem_entry(number: str) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(
        kind=LedgerKind.REDEEM, source_type=ORDER, source_id=number, source_line=""
    ).first()


def discount_for(points: int) -> Decimal:
    return (Decimal(points) / Decimal(conf.points_per_euro_redeemed())).quantize(CENT, rounding=ROUND_DOWN)


# --- Redeem ---------------------------------------------------------------------------------------------


@transaction.atomic
def redeem_for_order(*, order: Any, points: int, actor: Actor | None) -> Decimal:
    """Redeem `points` of the member whose email the order carries; returns the euro discount.

    Call it inside the placement transaction with the order as it will be written (its number, email and
    `total` before the points discount; the row itself may not exist yet). Draws from the spendable lots
    that expire first. Idempotent for the same order and points. A guest order, an email that is no
    member, too few spendable points, or a discount above the order's total: 400 `validation_error` on
    `redeem_points`."""
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise InvalidRedemption.because("Points to redeem are a whole number above 0.")
    if points > conf.MAX_POINTS:
        raise InvalidRedemption.because(f"At most {conf.MAX_POINTS} points can be redeemed at once.")
    email = (getattr(order, "customer_email", "") or "").strip()
    if not email:
        raise InvalidRedemption.because(
            "A guest order cannot redeem points: give the email of the loyalty member."
        )
    found = member_for_email(email)
    if found is None:
        raise InvalidRedemption.because(f"{email} is not a loyalty member: there are no points to redeem.")
    member = lock_member(found.pk)
    existing = _redeem_entry(order.number)
    if existing is not None:
        if -existing.points == points and existing.amount is not None:
            return existing.amount
        raise InvalidRedemption.because(f"Points were already redeemed on order {order.number}.")
    now = timezone.now()
    lots = locked_lots(member, now=now, spendable_only=True)
    spendable = sum(lot.remaining for lot in lots)
    if points > spendable:
        raise InvalidRedemption.because(
            f"Only {spendable} points can be redeemed now (balance {member.points_balance}); "
            f"{points} were asked for."
        )
    discount = discount_for(points)
    if discount <= 0:
        raise InvalidRedemption.because(f"{points} points are worth less than a cent: redeem more.")
    total = getattr(order, "total", None)
    if total is not None and Decimal(total) > 0 and discount > Decimal(total):
        raise InvalidRedemption.because(
            f"{points} points are worth {discount} EUR, more than the order's total of {total} EUR."
        )
    entry = write_entry(
        member,
        LedgerKind.REDEEM,
        -points,
        actor=actor,
        now=now,
        source_type=ORDER,
        source_id=order.number,
        order_number=order.number,
        amount=discount,
        reason=f"Redeemed on order {order.number}",
    )
    apply_draws(entry, plan_draws(lots, points), now=now)
    return discount


def give_back_redeemed(
    member: Member,
    redeem: LedgerEntry,
    points: int,
    *,
    actor: Actor | None,
    now: datetime,
    **fields: Any,
) -> LedgerEntry:
    """Write a reversal of `redeem` worth `points`: back into the lots it drew from while they are still
    valid (latest-expiring first), the rest into a new lot with a short grace expiry."""
    drawn = dict(redeem.draws.values_list("lot_id", "points"))
    given = dict(
        LotDraw.objects.filter(entry__reversed_entry=redeem, points__lt=0)
        .values("lot_id")
        .annotate(total=Sum("points"))
        .values_list("lot_id", "total")
    )
    lots = locks.lots(
        PointsLot.objects.filter(
            pk__in=list(drawn), member=member, expired_at__isnull=True, expires_at__gt=now
        ),
        "-expires_at",
        "-id",
    )
    back: list[tuple[PointsLot, int]] = []
    left = points
    for lot in lots:
        room = min(drawn[lot.pk] + given.get(lot.pk, 0), lot.points - lot.remaining, left)
        if room > 0:
            back.append((lot, -room))
            left -= room
    new_lot_expiry = None
    if left > 0:
        # never shorter-lived than the points were (a lot moved by a merge keeps its date), and at least
        # a short grace for points whose lot has expired meanwhile
        latest = PointsLot.objects.filter(pk__in=list(drawn)).aggregate(latest=Max("expires_at"))["latest"]
        grace = now + timedelta(days=conf.restore_grace_days())
        new_lot_expiry = max(grace, latest) if latest is not None else grace
    entry = write_entry(
        member,
        LedgerKind.REVERSE,
        points,
        actor=actor,
        now=now,
        reverses=LedgerKind.REDEEM,
        reversed_entry=redeem,
        expires_at=new_lot_expiry,
        **{"order_number": redeem.order_number, **fields},
    )
    apply_draws(entry, back, now=now)
    if new_lot_expiry is not None:
        create_lots(member, [(entry, left)], now=now, expires_at=new_lot_expiry)
    return entry


def restored_so_far(redeem: LedgerEntry) -> int:
    return int(redeem.reversals.aggregate(total=Sum("points"))["total"] or 0)


@transaction.atomic
def restore_redeemed_for_order(*, order: Any, actor: Actor | None = None) -> int:
    """On a cancellation: give back the points redeemed on the order and not already given back (by
    returns). Returns the points given back by this cancellation; a second call gives back nothing more
    and answers the same figure."""
    redeem = _redeem_entry(order.number)
    if redeem is None:
        return 0
    done = LedgerEntry.objects.filter(
        kind=LedgerKind.REVERSE, reverses=LedgerKind.REDEEM, source_type=CANCEL, source_id=order.number
    ).first()
    if done is not None:
        return done.points
    member = lock_member(surviving_member_id(redeem.member_id))
    left = -redeem.points - restored_so_far(redeem)
    if left <= 0:
        return 0
    give_back_redeemed(
        member,
        redeem,
        left,
        actor=actor,
        now=timezone.now(),
        source_type=CANCEL,
        source_id=order.number,
        reason=f"Order {order.number} cancelled: redeemed points given back",
    )
    return left


# --- Earn -----------------------------------------------------------------------------------------------


@transaction.atomic
def earn_for_order(*, order: Any, actor: Actor | None = None) -> int:
    """On completion (collected, shipped, carried out): one earn entry per order line for the member whose
    email the order carries, points = floor(rate x multipliers x what was paid for the line), each a lot
    expiring after LOYALTY_POINTS_EXPIRY_MONTHS (spendable only once the return window closes when
    LOYALTY_PENDING_PERIOD is on). Lines already earned are skipped: idempotent. Returns the points
    earned by this call. A guest order or an email that is no member earns nothing (0).

    The same few queries for 1 line or 50."""
    found = member_for_email(getattr(order, "customer_email", "") or "")
    if found is None:
        return 0
    lines = list(
        order.lines.select_related("variant__product__category", "variant__product__brand").order_by("id")
    )
    member = lock_member(found.pk)
    if not is_active(member):
        return 0
    number = order.number
    done = set(
        LedgerEntry.objects.filter(kind=LedgerKind.EARN, source_type=ORDER, source_id=number).values_list(
            "source_line", flat=True
        )
    )
    now = timezone.now()
    placed_at = getattr(order, "created_at", None) or now
    channel = getattr(order, "channel", "") or ""
    active_rules = rules.active_rules(placed_at)
    expires_at = add_months(now, conf.expiry_months())
    available_at = now + timedelta(days=conf.return_window_days(channel)) if conf.pending_period() else now
    specs: list[EntrySpec] = []
    for line in lines:
        facts = rules.line_facts(line)
        if str(facts.line_id) in done or facts.quantity <= 0:
            continue
        rule = rules.best_rule(active_rules, facts, channel=channel, tier=member.tier)
        multiplier = rules.multiplier_for(rule, member.tier)
        points = rules.points_for(facts.paid, multiplier)
        specs.append(
            EntrySpec(
                LedgerKind.EARN,
                points,
                {
                    "source_type": ORDER,
                    "source_id": number,
                    "source_line": str(facts.line_id),
                    "order_number": number,
                    "quantity": facts.quantity,
                    "amount": facts.paid,
                    "multiplier": multiplier,
                    "expires_at": expires_at if points > 0 else None,
                    "reason": f"Order {number}: {getattr(line, 'sku', '')}".strip(),
                    "data": {"rule": rule.name} if rule else {},
                },
            )
        )
    if not specs:
        return 0
    entries = write_entries(member, specs, actor=actor, now=now)
    create_lots(
        member,
        [(entry, entry.points) for entry in entries],
        now=now,
        expires_at=expires_at,
        available_at=available_at,
    )
    earned = sum(entry.points for entry in entries)
    if earned:
        update_tier(member, reason=f"earned on order {number}")
    return earned
