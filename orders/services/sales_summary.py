"""The daily sales summary (orders.models.SalesDay) behind the "sales by channel" report, kept current
incrementally without touching order placement.

Nothing writes a summary row when an order changes (concurrent orders would queue on the same day's row).
Instead `refresh_sales_summary` rewrites the local days that changed since it last ran: the days of the
orders with a timeline event since then (every change of an order writes its OrderEvent in the same
transaction: placement, cancellation, units cancelled off a line, ready, collect, ship, expiry, returns),
of the orders placed since then, and of the returns received since then, less a safety margin for
transactions that were still open when the last refresh read the tables. Each of those days is deleted and
re-inserted from the orders with one INSERT ... SELECT aggregate, so a refresh is idempotent and a day is
always exactly what a rebuild would make of it.

It runs in one transaction under pg_advisory_xact_lock, so two refreshes never interleave (the second
waits, then finds little or nothing to do). Callers: the report before it reads (figures are live), a beat
task every few minutes (so the page rarely has work to do), `manage.py refresh_sales_summary [--rebuild]`.

What the refresh does not see: rows written around the services (bulk imports, the demo seeder, SQL by
hand), orders deleted, and a product moved to another category or brand (a day keeps the category and
brand its lines had when the day was last summarised). After those, rebuild."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from orders.models import SalesSummaryState

LOCK = 7_402_612  # pg_advisory_xact_lock key (orders.demo.seed uses 7_402_611)
MARGIN = dt.timedelta(minutes=10)  # transactions open longer than this when a refresh ran may be missed

# Where an order sold (as orders.reports describes it): the store of a pickup or a till sale; for a
# delivery, the store that took it, else the one location that shipped it; NULL ("online") when an order
# taken online ships from several locations.
ORDER_LOCATION = """COALESCE(
    o.location_id,
    o.taken_at_id,
    CASE WHEN o.fulfilment_type = 'delivery' THEN (
        SELECT CASE WHEN count(*) = 1 THEN min(s.location_id) END
        FROM orders_shipment s WHERE s.order_id = o.id
    ) END
)"""


@dataclass(frozen=True)
class Refreshed:
    rebuilt: bool
    days: int  # days rewritten (rebuild: days in the summary)
    rows: int  # rows inserted


def summary_tz() -> str:
    """The time zone of the summary's days (the report reads it only for filters in this zone)."""
    return str(settings.TIME_ZONE)


def _ranges(days: Sequence[dt.date]) -> list[tuple[dt.datetime, dt.datetime]]:
    """[start, end) of each run of consecutive local days."""
    zone = ZoneInfo(summary_tz())
    runs: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [
        (
            dt.datetime.combine(first, dt.time.min, tzinfo=zone),
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
        )
        for first, last in runs
    ]


def _in_days(column: str, days: Sequence[dt.date] | None) -> tuple[str, list[Any]]:
    """A condition keeping the rows whose `column` (a timestamp) falls on one of the local `days` (every
    row when `days` is None), written as explicit ranges so the planner estimates them from its histogram
    and reads them through the created_at index."""
    if days is None:
        return "TRUE", []
    ranges = _ranges(days)
    sql = " OR ".join(f"({column} >= %s AND {column} < %s)" for _ in ranges)
    return f"({sql})", [bound for pair in ranges for bound in pair]


def _insert(days: Sequence[dt.date] | None) -> tuple[str, list[Any]]:
    """INSERT ... SELECT of the summary rows of `days` (None: every day)."""
    tz = summary_tz()
    o_where, o_params = _in_days("o.created_at", days)
    r_where, r_params = _in_days("r.created_at", days)
    sql = f"""
        INSERT INTO orders_salesday (day, channel, location_id, category_id, brand_id,
                                     orders, units, revenue, vat, returned_units, refunds)
        WITH o AS MATERIALIZED (
            SELECT o.id, o.channel, (o.created_at AT TIME ZONE %s)::date AS day,
                   {ORDER_LOCATION} AS location_id
            FROM orders_order o
            WHERE o.status <> 'cancelled' AND {o_where}
        ),
        x AS (
            SELECT o.day, o.channel, o.location_id, p.category_id, p.brand_id,
                   count(DISTINCT o.id) AS orders, sum(l.quantity) AS units,
                   sum(l.line_total) AS revenue, sum(l.vat_amount) AS vat,
                   0 AS returned_units, 0 AS refunds
            FROM o
            JOIN orders_orderline l ON l.order_id = o.id
            JOIN inventory_variant v ON v.id = l.variant_id
            JOIN inventory_product p ON p.id = v.product_id
            GROUP BY GROUPING SETS (
                (o.day, o.channel, o.location_id),
                (o.day, o.channel, o.location_id, p.category_id, p.brand_id)
            )
            UNION ALL
            SELECT r.day, r.channel, r.location_id, r.category_id, r.brand_id,
                   0, 0, 0, 0, sum(r.quantity), sum(r.refund_amount)
            FROM (
                SELECT (r.created_at AT TIME ZONE %s)::date AS day, ro.channel, r.location_id,
                       p.category_id, p.brand_id, rl.quantity, rl.refund_amount
                FROM orders_return r
                JOIN orders_returnline rl ON rl.return_doc_id = r.id
                JOIN orders_order ro ON ro.id = r.order_id
                JOIN inventory_variant v ON v.id = rl.variant_id
                JOIN inventory_product p ON p.id = v.product_id
                WHERE {r_where}
            ) AS r
            GROUP BY GROUPING SETS (
                (r.day, r.channel, r.location_id),
                (r.day, r.channel, r.location_id, r.category_id, r.brand_id)
            )
        )
        SELECT day, channel, location_id, category_id, brand_id,
               sum(orders), sum(units), sum(revenue), sum(vat), sum(returned_units), sum(refunds)
        FROM x
        GROUP BY day, channel, location_id, category_id, brand_id
    """  # noqa: S608 - fixed SQL; the days' bounds travel as parameters
    return sql, [tz, *o_params, tz, *r_params]


def changed_days(since: dt.datetime) -> list[dt.date]:
    """The local days whose summary rows may differ from the orders: days of orders with a timeline event
    or placed since `since`, and days of returns received since `since`."""
    tz = summary_tz()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (o.created_at AT TIME ZONE %s)::date AS day
            FROM orders_order o
            WHERE o.id IN (SELECT e.order_id FROM orders_orderevent e WHERE e.created_at >= %s)
            UNION
            SELECT (o.created_at AT TIME ZONE %s)::date FROM orders_order o WHERE o.created_at >= %s
            UNION
            SELECT (r.created_at AT TIME ZONE %s)::date FROM orders_return r WHERE r.created_at >= %s
            ORDER BY 1
            """,
            [tz, since, tz, since, tz, since],
        )
        return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def refresh_sales_summary(*, rebuild: bool = False) -> Refreshed:
    """Bring the summary up to date: the days changed since the last refresh (less MARGIN), or every day
    when it was never built or `rebuild` is asked. Idempotent; concurrent calls run one after the other."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
    # taken after the lock and before reading the orders: whatever commits after this read carries an
    # event, order or return time after `now - MARGIN` (unless its transaction was open longer than MARGIN)
    now = timezone.now()
    state, _created = SalesSummaryState.objects.get_or_create(pk=1)
    with connection.cursor() as cursor:
        if rebuild or state.refreshed_at is None:
            cursor.execute("DELETE FROM orders_salesday")
            sql, params = _insert(None)
            cursor.execute(sql, params)
            rows = cursor.rowcount
            cursor.execute("ANALYZE orders_salesday")  # the planner's statistics of the new rows
            cursor.execute("SELECT count(DISTINCT day) FROM orders_salesday")
            days = int(cursor.fetchone()[0])
            state.refreshed_at = state.built_at = now
            state.save(update_fields=["refreshed_at", "built_at"])
            return Refreshed(rebuilt=True, days=days, rows=rows)
        touched = changed_days(state.refreshed_at - MARGIN)
        rows = 0
        if touched:
            cursor.execute("DELETE FROM orders_salesday WHERE day = ANY(%s)", [touched])
            sql, params = _insert(touched)
            cursor.execute(sql, params)
            rows = cursor.rowcount
    state.refreshed_at = now
    state.save(update_fields=["refreshed_at"])
    return Refreshed(rebuilt=False, days=len(touched), rows=rows)
