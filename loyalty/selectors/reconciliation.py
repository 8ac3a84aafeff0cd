"""Reconciliation (`manage.py check_loyalty`, nightly by beat): prove the cached figures against the ledger.

1. every member's `points_balance` = the sum of its entries' points;
2. every member's `points_balance` = the sum of its lots' `remaining`;
3. every member's newest entry left the balance the member has (`balance_after`);
4. every lot's `remaining` = its points - what was drawn from it, and an expired lot has nothing left;
5. every entry's points = the lots it created - what it drew (nothing moved without its entry);
6. every completed order (collected, shipped, completed) carrying a member's email, completed after the
   member enrolled, has an earn entry for each of its lines.
Each check is one query, whatever the number of members. Lots past their date that the expiry job has not
reached yet are reported, not counted as drift."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection
from django.utils import timezone

from loyalty.models import Customer, LedgerEntry, LotDraw, Member, PointsLot

COMPLETED_STATUSES = ("collected", "shipped", "completed")


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


def _missing_earns(t: dict[str, str]) -> tuple[int, list[dict[str, Any]]]:
    try:
        order_model = apps.get_model("orders", "Order")
        line_model = apps.get_model("orders", "OrderLine")
    except LookupError:
        return 0, []
    o, ln = order_model._meta.db_table, line_model._meta.db_table
    statuses = list(COMPLETED_STATUSES)
    # table names are ours; every value is a parameter
    joins = f"""
        FROM {o} o
        JOIN {t["customer"]} c ON c.email = o.customer_email AND c.email <> ''
        JOIN {t["member"]} m ON m.customer_id = COALESCE(c.merged_into_id, c.id) AND m.status = 'active'
    """
    where = (
        "WHERE o.status = ANY(%s) AND COALESCE(o.completed_at, o.shipped_at, o.updated_at) >= m.enrolled_at"
    )
    checked = _rows(f"SELECT count(*) AS n {joins} {where}", [statuses])[0]["n"]
    missing = _rows(
        f"""
        SELECT o.number AS order_number, l.id AS line, l.sku AS sku, m.id AS member, m.card_number AS card
        {joins}
        JOIN {ln} l ON l.order_id = o.id AND l.quantity > 0
        {where}
          AND NOT EXISTS (
            SELECT 1 FROM {t["entry"]} e
            WHERE e.kind = 'earn' AND e.source_type = 'order' AND e.source_id = o.number
              AND e.source_line = l.id::text
          )
        ORDER BY o.number, l.id
        """,  # noqa: S608
        [statuses],
    )
    return int(checked), missing


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
