"""The loyalty report: the programme month by month (members, activity, points in and out, the points
outstanding and what they are worth in euros). Registered in LoyaltyConfig.ready; omni/reports runs it.

Loyalty knows a location only by its code (LedgerEntry.location_code, written from the actor: a store's
till or tablet, a store's staff member); a store manager's location ids are turned into codes in SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty import conf
from omni.db_router import report_connection
from omni.reports.base import SQL, Chart, Column, Figure, Kind, Report, ReportFilters, register_report

# ledger entries by what they mean for the programme; merges move points between two members of the same
# person (an adjustment out of one and into the other, netting to zero) and are neither issued nor taken
ISSUED = "(e.kind = 'earn' OR (e.kind = 'adjust' AND e.points > 0 AND e.source_type <> 'merge'))"
REDEEMED = "(e.kind = 'redeem' OR (e.kind = 'reverse' AND e.reverses = 'redeem'))"
EXPIRED = "(e.kind = 'expire')"
REVERSED = "(e.kind = 'reverse' AND e.reverses = 'earn')"
ADJUSTED_OUT = "(e.kind = 'adjust' AND e.points < 0 AND e.source_type <> 'merge')"
ACTIVE = "(e.kind IN ('earn', 'redeem'))"


def _days(filters: ReportFilters, default_days: int) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    date_to = filters.date_to or today
    date_from = filters.date_from or date_to - dt.timedelta(days=default_days - 1)
    return date_from, date_to


def _bounds(date_from: dt.date, date_to: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    return (
        dt.datetime.combine(date_from, dt.time.min, tzinfo=zone),
        dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def _months(date_from: dt.date, date_to: dt.date, tz: str) -> tuple[list[dt.date], list[dt.datetime]]:
    """The window's months (their first days) and the bounds that split [start, end) into them: the
    window's start, the local midnight starting each later month, the window's end."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    if date_from > date_to:
        return [], [dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)]
    months = [date_from.replace(day=1)]
    while True:
        last = months[-1]
        following = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if following > date_to:
            break
        months.append(following)
    bounds = [dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)]
    bounds += [dt.datetime.combine(month, dt.time.min, tzinfo=zone) for month in months[1:]]
    bounds.append(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone))
    return months, bounds


def _here(filters: ReportFilters) -> SQL:
    """Whether an entry happened at the manager's locations (always, for HQ)."""
    if filters.location_ids is None:
        return "TRUE", []
    return "e.location_code IN (SELECT code FROM stores_location WHERE id = ANY(%s))", [
        list(filters.location_ids)
    ]


class LoyaltyReport(Report):
    slug = "loyalty"
    title = _("Loyalty")
    group = "channels"
    description = _(
        "The programme month by month (local time): members enrolled; active members (with points earned "
        "or redeemed that month); points issued (earned, and added by hand), redeemed (less redemptions "
        "given back on cancellations and returns), expired, taken back on returns and taken off by hand; "
        "and at the end of each month the points outstanding (every member's balance) and what they are "
        "worth as discounts (the liability, EUR). Moves between merged members are left out. A store "
        "manager sees the activity columns (active members, issued, redeemed, taken back, taken off) for "
        "the points earned and spent at their stores; enrolments, expiries, the points outstanding and "
        "the liability are the whole network's."
    )
    columns = (
        Column("month", _("Month"), Kind.DATE),
        Column("enrolled", _("Members enrolled"), Kind.INT, total=True),
        Column("active_members", _("Active members"), Kind.INT),
        Column("issued", _("Points issued"), Kind.INT, total=True),
        Column("redeemed", _("Points redeemed"), Kind.INT, total=True),
        Column("expired", _("Points expired"), Kind.INT, total=True),
        Column("reversed", _("Points taken back on returns"), Kind.INT, total=True),
        Column("adjusted_out", _("Points taken off by hand"), Kind.INT, total=True),
        Column("outstanding", _("Points outstanding at month end"), Kind.INT),
        Column("liability", _("Liability at month end (EUR)"), Kind.MONEY),
    )
    filters = frozenset({"dates", "location"})
    default_sort = "month"
    default_days = 365
    chart = Chart(
        kind="line",
        label_key="month",
        series=("issued", "redeemed", "expired"),
        title=_("Points issued, redeemed and expired by month"),
    )

    def query(self, filters: ReportFilters) -> SQL:
        date_from, date_to = _days(filters, self.default_days)
        start, end = _bounds(date_from, date_to, filters.tz)
        months, bounds = _months(date_from, date_to, filters.tz)
        here_sql, here_params = _here(filters)
        per_euro = conf.points_per_euro_redeemed()

        def points(condition: str) -> str:
            return f"COALESCE(sum(e.points) FILTER (WHERE {condition} AND e.here), 0)"

        # Each entry's month is its bucket among the months' bounds (width_bucket: a binary search, cheaper
        # than a time zone conversion per row); bucket n + 1 holds the entries after the window. One pass
        # over the entries since the window's start sums them by bucket; the members active each month
        # come from their distinct (bucket, member) pairs. The points outstanding before the window are
        # what is outstanding now (every member's cached balance, which the ledger's services keep equal
        # to the sum of their entries) less the net points since the window's start, so the ledger before
        # the window is never read.
        sql = f"""
            WITH months AS (
                SELECT m.month, m.bucket FROM unnest(%s::date[]) WITH ORDINALITY AS m(month, bucket)
            ),
            e AS (
                SELECT e.bucket,
                       sum(e.points) AS net,
                       {points(ISSUED)} AS issued,
                       -{points(REDEEMED)} AS redeemed,
                       -COALESCE(sum(e.points) FILTER (WHERE {EXPIRED}), 0) AS expired,
                       -{points(REVERSED)} AS reversed,
                       -{points(ADJUSTED_OUT)} AS adjusted_out
                FROM (
                    SELECT width_bucket(e.created_at, %s::timestamptz[]) AS bucket, e.points, e.kind,
                           e.reverses, e.source_type, {here_sql} AS here
                    FROM loyalty_ledgerentry e
                    WHERE e.created_at >= %s
                ) AS e
                GROUP BY e.bucket
            ),
            active AS (
                SELECT m.bucket, (
                    SELECT count(DISTINCT e.member_id)
                    FROM loyalty_ledgerentry e
                    WHERE e.created_at >= (%s::timestamptz[])[m.bucket]
                      AND e.created_at < (%s::timestamptz[])[m.bucket + 1]
                      AND {ACTIVE} AND {here_sql}
                ) AS n
                FROM months m
            ),
            enrolled AS (
                SELECT width_bucket(m.enrolled_at, %s::timestamptz[]) AS bucket, count(*) AS n
                FROM loyalty_member m
                WHERE m.enrolled_at >= %s AND m.enrolled_at < %s
                GROUP BY 1
            ),
            before AS MATERIALIZED (
                SELECT (SELECT COALESCE(sum(m.points_balance), 0) FROM loyalty_member m)
                       - (SELECT COALESCE(sum(e.net), 0) FROM e) AS points
            )
            SELECT months.month,
                   COALESCE(enrolled.n, 0)::int AS enrolled,
                   COALESCE(active.n, 0)::int AS active_members,
                   COALESCE(e.issued, 0)::bigint AS issued,
                   COALESCE(e.redeemed, 0)::bigint AS redeemed,
                   COALESCE(e.expired, 0)::bigint AS expired,
                   COALESCE(e.reversed, 0)::bigint AS reversed,
                   COALESCE(e.adjusted_out, 0)::bigint AS adjusted_out,
                   (before.points + sum(COALESCE(e.net, 0)) OVER w)::bigint AS outstanding,
                   round((before.points + sum(COALESCE(e.net, 0)) OVER w)::numeric / %s, 2) AS liability
            FROM months
            CROSS JOIN before
            LEFT JOIN e ON e.bucket = months.bucket
            LEFT JOIN active ON active.bucket = months.bucket
            LEFT JOIN enrolled ON enrolled.bucket = months.bucket
            WINDOW w AS (ORDER BY months.month)
        """
        params: list[Any] = [
            months,
            bounds,
            *here_params,
            start,
            bounds,
            bounds,
            *here_params,
            bounds,
            start,
            end,
            per_euro,
        ]
        return sql, params

    def figures(self, filters: ReportFilters) -> list[Figure]:
        date_from, date_to = _days(filters, self.default_days)
        start, end = _bounds(date_from, date_to, filters.tz)
        here_sql, here_params = _here(filters)
        with report_connection().cursor() as cursor:
            cursor.execute(
                f"""
                SELECT (SELECT count(*) FROM loyalty_member WHERE status = 'active'),
                       (SELECT count(*) FROM (
                            SELECT DISTINCT e.member_id FROM loyalty_ledgerentry e
                            WHERE e.kind IN ('earn', 'redeem') AND e.created_at >= %s AND e.created_at < %s
                              AND {here_sql}) AS a),
                       (SELECT COALESCE(sum(points_balance), 0) FROM loyalty_member)
                """,
                [start, end, *here_params],
            )
            members, active, outstanding = cursor.fetchone()
        per_euro = Decimal(conf.points_per_euro_redeemed())
        return [
            Figure(_("Members"), int(members), Kind.INT),
            Figure(_("Active members in the period"), int(active), Kind.INT),
            Figure(_("Points outstanding now"), int(outstanding), Kind.INT),
            Figure(
                _("Liability now (EUR)"),
                (Decimal(outstanding) / per_euro).quantize(Decimal("0.01")),
                Kind.MONEY,
            ),
        ]


loyalty_report = LoyaltyReport()


def register() -> None:
    register_report(loyalty_report)
