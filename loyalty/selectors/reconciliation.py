"""Reconciliation (`manage.py check_loyalty`, nightly by beat): prove the cached figures against the ledger.

1. every member's `points_balance` = the sum of its entries' points;
2. every member's `points_balance` = the sum of its lots' `remaining`;
3. every member's newest entry left the balance the member has (`balance_after`);
4. every lot's `remaining` = its points - what was drawn from it, and an expired lot has nothing left;
5. every entry's points = the lots it created - what it drew (nothing moved without its entry);
6. every completed order (collected, shipped, completed) carrying a member's email, completed after the
   member enrolled, has an earn entry for each of its lines.
Checks 1 to 5 are one query each, whatever the number of members; check 6 reads the completed orders
through the facts the orders app registers (loyalty.order_facts), a thousand orders at a time. Lots past
their date that the expiry job has not reached yet are reported, not counted as drift."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty.models import Customer, LedgerEntry, LedgerKind, LotDraw, Member, MemberStatus, PointsLot
from loyalty.order_facts import CompletedOrder, order_facts

ORDERS_PER_READ = 1000


@dataclass
class LoyaltyCheck:
    members_checked: int = 0
    lots_checked: int = 0
    orders_checked: int = 0
    balance_vs_ledger: list[dict[str, Any]] = field(default_factory=list)
    balance_vs_lots: list[dict[str, Any]] = field(default_factory=list)
    balance_after: list[dict[str, Any]] = field(default_factory=list)
    lots: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    missing_earns: list[dict[str, Any]] = field(default_factory=list)
    overdue_lots: int = 0

    @property
    def problems(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "balance differs from the ledger": self.balance_vs_ledger,
            "balance differs from the lots": self.balance_vs_lots,
            "newest entry's balance_after differs from the balance": self.balance_after,
            "lot remaining differs from its points less its draws": self.lots,
            "entry points differ from its lots less its draws": self.entries,
            "completed order line without its earn entry": self.missing_earns,
        }

    @property
    def drift_count(self) -> int:
        return sum(len(rows) for rows in self.problems.values())

    @property
    def ok(self) -> bool:
        return self.drift_count == 0


def _rows(sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _tables() -> dict[str, str]:
    return {
        "member": Member._meta.db_table,
        "customer": Customer._meta.db_table,
        "entry": LedgerEntry._meta.db_table,
        "lot": PointsLot._meta.db_table,
        "draw": LotDraw._meta.db_table,
    }


def _member_emails() -> QuerySet[Any]:
    """The emails of every profile that leads to an active member (its own or a duplicate merged into it)."""
    active = Member.objects.filter(status=MemberStatus.ACTIVE).values("customer_id")
    return (
        Customer.objects.exclude(email="")
        .annotate(root=Coalesce("merged_into_id", "pk"))
        .filter(root__in=active)
        .values("email")
    )


def _members_by_email(t: dict[str, str]) -> dict[str, list[tuple[int, str, datetime]]]:
    """email -> the active members it leads to: (id, card number, enrolled at)."""
    found: dict[str, list[tuple[int, str, datetime]]] = defaultdict(list)
    for row in _rows(
        f"""
        SELECT c.email, m.id, m.card_number, m.enrolled_at
        FROM {t["customer"]} c
        JOIN {t["member"]} m ON m.customer_id = COALESCE(c.merged_into_id, c.id) AND m.status = 'active'
        WHERE c.email <> ''
        """  # noqa: S608
    ):
        found[row["email"]].append((row["id"], row["card_number"], row["enrolled_at"]))
    return found


def _chunks(orders: Iterable[CompletedOrder], size: int) -> Iterator[list[CompletedOrder]]:
    it = iter(orders)
    while chunk := list(islice(it, size)):
        yield chunk


def _earned_lines(numbers: list[str]) -> set[tuple[str, str]]:
    """(order number, line id) of every earn entry of these orders."""
    return set(
        LedgerEntry.objects.filter(
            kind=LedgerKind.EARN, source_type="order", source_id__in=numbers
        ).values_list("source_id", "source_line")
    )


def _missing_earns(t: dict[str, str]) -> tuple[int, list[dict[str, Any]]]:
    """How many (completed order, member enrolled before it) pairs there are, and each of their lines
    without its earn entry, by order number and line."""
    members = _members_by_email(t)
    checked = 0
    missing: list[dict[str, Any]] = []
    completed = order_facts().completed_orders(_member_emails())
    for chunk in _chunks(completed, ORDERS_PER_READ):
        earned = _earned_lines([order.number for order in chunk])
        for order in chunk:
            for member_id, card, enrolled_at in members.get(order.customer_email, []):
                if order.completed_at < enrolled_at:
                    continue
                checked += 1
                missing += [
                    {
                        "order_number": order.number,
                        "line": line.id,
                        "sku": line.sku,
                        "member": member_id,
                        "card": card,
                    }
                    for line in order.lines
                    if (order.number, str(line.id)) not in earned
                ]
    missing.sort(key=lambda row: (row["order_number"], row["line"]))
    return checked, missing


def check_loyalty() -> LoyaltyCheck:
    t = _tables()
    check = LoyaltyCheck()
    check.members_checked = Member.objects.count()
    check.lots_checked = PointsLot.objects.count()
    check.balance_vs_ledger = _rows(
        f"""
        SELECT m.id AS member, m.card_number AS card, m.points_balance AS balance,
               COALESCE(SUM(e.points), 0) AS ledger
        FROM {t["member"]} m LEFT JOIN {t["entry"]} e ON e.member_id = m.id
        GROUP BY m.id HAVING m.points_balance <> COALESCE(SUM(e.points), 0)
        ORDER BY m.id
        """  # noqa: S608
    )
    check.balance_vs_lots = _rows(
        f"""
        SELECT m.id AS member, m.card_number AS card, m.points_balance AS balance,
               COALESCE(SUM(l.remaining), 0) AS lots
        FROM {t["member"]} m LEFT JOIN {t["lot"]} l ON l.member_id = m.id
        GROUP BY m.id HAVING m.points_balance <> COALESCE(SUM(l.remaining), 0)
        ORDER BY m.id
        """  # noqa: S608
    )
    check.balance_after = _rows(
        f"""
        SELECT m.id AS member, m.card_number AS card, m.points_balance AS balance,
               last.balance_after AS balance_after, last.id AS entry
        FROM {t["member"]} m
        JOIN LATERAL (
            SELECT e.id, e.balance_after FROM {t["entry"]} e
            WHERE e.member_id = m.id ORDER BY e.id DESC LIMIT 1
        ) last ON TRUE
        WHERE last.balance_after <> m.points_balance
        ORDER BY m.id
        """  # noqa: S608
    )
    check.lots = _rows(
        f"""
        SELECT l.id AS lot, l.member_id AS member, l.points, l.remaining,
               COALESCE(SUM(d.points), 0) AS drawn, l.expired_at IS NOT NULL AS expired
        FROM {t["lot"]} l LEFT JOIN {t["draw"]} d ON d.lot_id = l.id
        GROUP BY l.id
        HAVING l.remaining <> l.points - COALESCE(SUM(d.points), 0)
            OR (l.expired_at IS NOT NULL AND l.remaining <> 0)
        ORDER BY l.id
        """  # noqa: S608
    )
    check.entries = _rows(
        f"""
        SELECT e.id AS entry, e.member_id AS member, e.kind, e.points,
               COALESCE(lots.total, 0) AS lots, COALESCE(draws.total, 0) AS drawn
        FROM {t["entry"]} e
        LEFT JOIN (SELECT entry_id, SUM(points) AS total FROM {t["lot"]} GROUP BY entry_id) lots
            ON lots.entry_id = e.id
        LEFT JOIN (SELECT entry_id, SUM(points) AS total FROM {t["draw"]} GROUP BY entry_id) draws
            ON draws.entry_id = e.id
        WHERE e.points <> COALESCE(lots.total, 0) - COALESCE(draws.total, 0)
        ORDER BY e.id
        """  # noqa: S608
    )
    check.orders_checked, check.missing_earns = _missing_earns(t)
    check.overdue_lots = PointsLot.objects.filter(
        expires_at__lte=timezone.now(), expired_at__isnull=True, remaining__gt=0
    ).count()
    return check
