"""The daily sales summary (orders.models.SalesDay) behind the "sales by channel" report, kept current
incrementally without touching order placement.

Nothing writes a summary row when an order changes (concurrent orders would queue on the same day's row).
Instead `refresh_sales_summary` takes in what was written since it last ran, at a cost in proportion to that,
not to the size of the days it lands on. The state row (SalesSummaryState.seen) says which orders, timeline
events and returns the summary has taken in: per table, every id up to a high-water mark but a few missing
ranges (`Seen`). A refresh finds each table's new rows, those visible now among the ids above the mark and
in the missing ranges (one statement per table, so one snapshot; orders before events), then:
- rewrites the days of orders taken in earlier that have a new timeline event (every change of an order
  writes its OrderEvent in the same transaction: cancellation, units cancelled off a line, ready, collect,
  ship, expiry): each such day is deleted and re-inserted from its orders and returns with one
  INSERT ... SELECT aggregate, counting only the rows taken in (those of this refresh included);
- adds the new orders and returns of every other day into their rows: the same aggregate over those rows
  only, INSERT ... ON CONFLICT (the unique key, NULLS NOT DISTINCT, so the all-products rows and the online
  ones conflict as well) DO UPDATE adding each figure. A return never changes once written.

Why each order and return counts exactly once. A row is new until the refresh that finds it visible, and from
that refresh on it is taken in, once: by the add or by its day's rewrite, never both (the add skips the days
rewritten), and rewrites count only rows taken in, so a row committed while the refresh runs waits for the
next one. An order is read as it is when taken in, so the events of an order new in this refresh are not
changes; a later change brings a new event, and its day is rewritten. Orders are looked at before events:
a placement's own events, committed with its order, are never new for an order already taken in.
Ids come from the tables' sequences inside the writing transaction (omni.bulk.reserve_ids), so an id below a
visible one that is not visible itself belongs to a transaction still open, or rolled back: it is kept as
missing, and taken in when it appears. A missing range is forgotten MARGIN after a refresh first found it
missing, the assumption the summary always made: no transaction writing orders, events or returns stays open
longer than MARGIN. The first build (and the first refresh after the state was added, which rewrites the days
changed since the last refresh as refreshes used to) starts the marks from the newest row written more than
twice MARGIN ago: anything missing below it belonged to a transaction that began over MARGIN ago.

It runs in one transaction under pg_advisory_xact_lock, so two refreshes never interleave (the second
waits, then finds little or nothing to do). Callers: the report before it reads (figures are live), a beat
task every few minutes, `manage.py refresh_sales_summary [--rebuild]`.

What the refresh does not see: rows written around the services (bulk imports, the demo seeder, SQL by
hand), orders deleted, a table emptied or its sequence restarted, and a product moved to another category or
brand (a day keeps the category and brand its lines had when they were taken in). After those, rebuild."""

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
MARGIN = dt.timedelta(minutes=10)  # no transaction writing orders, events or returns stays open longer
TABLES = {"orders": "orders_order", "events": "orders_orderevent", "returns": "orders_return"}
FIGURES = ("orders", "units", "revenue", "vat", "returned_units", "refunds")
COLUMNS = ", ".join(("day", "channel", "location_id", "category_id", "brand_id", *FIGURES))

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

# The channel an order counts under: where its cart was started (a kiosk basket paid at the till counts
# for the kiosk), else where it was placed. started_channel is written with the order and never changes.
ORDER_CHANNEL = "COALESCE(o.started_channel, o.channel)"

SQL = tuple[str, list[Any]]
Gap = tuple[int, int, str]  # first and last id missing, when a refresh first found them missing (ISO 8601)


@dataclass(frozen=True)
class Refreshed:
    rebuilt: bool
    days: int  # days rewritten (rebuild: days in the summary)
    rows: int  # summary rows written (inserted, or added to)
    new: int = 0  # orders and returns taken in (added to their day, or counted by its rewrite)


def _in_ranges(column: str, ranges: Sequence[tuple[int, int] | Gap]) -> SQL:
    """A condition keeping the rows whose `column` falls in one of the [first, last] `ranges` (the ranges
    are looked at only for the few rows between the first and the last id)."""
    if not ranges:
        return "FALSE", []
    sql = (
        f"({column} BETWEEN %s AND %s AND EXISTS ("
        "SELECT FROM unnest(%s::bigint[], %s::bigint[]) AS g(lo, hi) "
        f"WHERE {column} BETWEEN g.lo AND g.hi))"
    )
    los, his = [r[0] for r in ranges], [r[1] for r in ranges]
    return sql, [min(los), max(his), los, his]


@dataclass(frozen=True)
class Seen:
    """The rows of one table the summary has taken in: every id up to `through` but the `missing` ranges."""

    through: int
    missing: tuple[Gap, ...] = ()

    @classmethod
    def load(cls, data: dict[str, Any]) -> Seen:
        return cls(int(data["through"]), tuple((int(lo), int(hi), str(at)) for lo, hi, at in data["missing"]))

    def dump(self) -> dict[str, Any]:
        return {"through": self.through, "missing": [list(gap) for gap in self.missing]}

    def sql(self, column: str) -> SQL:
        """A condition keeping the rows taken in."""
        missing, params = _in_ranges(column, self.missing)
        return f"({column} <= %s AND NOT {missing})", [self.through, *params]


@dataclass(frozen=True)
class Advanced:
    """A table's new rows found by a refresh: visible among the ids above `before.through` (up to
    `after.through`, but the `gaps`) and in `before.missing` (`found`)."""

    before: Seen
    after: Seen
    gaps: tuple[tuple[int, int], ...]  # not visible, above before.through
    found: tuple[int, ...]  # visible, in before.missing
    count: int  # new rows

    def sql(self, column: str) -> SQL:
        """A condition keeping the new rows (rows that became visible since are not among them)."""
        if not self.count:
            return "FALSE", []
        gaps, params = _in_ranges(column, self.gaps)
        sql = f"({column} > %s AND {column} <= %s AND NOT {gaps})"
        params = [self.before.through, self.after.through, *params]
        if self.found:
            sql = f"({sql} OR {column} = ANY(%s::bigint[]))"
            params.append(list(self.found))
        return sql, params


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


def _in_days(column: str, days: Sequence[dt.date] | None) -> SQL:
    """A condition keeping the rows whose `column` (a timestamp) falls on one of the local `days` (every
    row when `days` is None), written as explicit ranges so the planner estimates them from its histogram
    and reads them through the created_at index."""
    if days is None:
        return "TRUE", []
    if not days:
        return "FALSE", []
    ranges = _ranges(days)
    sql = " OR ".join(f"({column} >= %s AND {column} < %s)" for _ in ranges)
    return f"({sql})", [bound for pair in ranges for bound in pair]


def _both(*conditions: SQL) -> SQL:
    return " AND ".join(sql for sql, _ in conditions), [p for _, params in conditions for p in params]


def _rows(orders: SQL, returns: SQL) -> SQL:
    """SELECT of the summary rows of the orders and returns the two conditions keep (alias o and r)."""
    tz = summary_tz()
    o_where, o_params = orders
    r_where, r_params = returns
    sql = f"""
        WITH o AS MATERIALIZED (
            SELECT o.id, {ORDER_CHANNEL} AS channel, (o.created_at AT TIME ZONE %s)::date AS day,
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
                SELECT (r.created_at AT TIME ZONE %s)::date AS day,
                       COALESCE(ro.started_channel, ro.channel) AS channel, r.location_id,
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
    """  # noqa: S608 - fixed SQL; every value travels as a parameter
    return sql, [tz, *o_params, tz, *r_params]


def _write(cursor: Any, orders: SQL, returns: SQL, *, add: bool = False) -> int:
    """Insert the summary rows of the orders and returns kept; with `add`, add them into the rows already
    there. Returns the rows written."""
    select, params = _rows(orders, returns)
    sql = f"INSERT INTO orders_salesday ({COLUMNS}) {select}"
    if add:
        sums = ", ".join(f"{f} = orders_salesday.{f} + EXCLUDED.{f}" for f in FIGURES)
        sql += f" ON CONFLICT ON CONSTRAINT sales_day_unique DO UPDATE SET {sums}"
    cursor.execute(sql, params)
    return int(cursor.rowcount)


def _advance(cursor: Any, table: str, before: Seen) -> Advanced:
    """The rows of `table` visible now that `before` had not taken in, in one statement (one snapshot), and
    the ids still missing after them: those already missing, and new gaps below the newest row."""
    cursor.execute(
        f"""
        WITH top AS (SELECT max(id) AS m FROM {table} WHERE id > %s),
        r AS (
            SELECT k, lo, hi FROM unnest(%s::bigint[], %s::bigint[]) WITH ORDINALITY AS r(lo, hi, k)
            UNION ALL
            SELECT 0, %s::bigint + 1, m FROM top WHERE m IS NOT NULL
        ),
        v AS MATERIALIZED (SELECT r.k, t.id FROM r JOIN {table} t ON t.id BETWEEN r.lo AND r.hi),
        edges AS (
            SELECT k, id FROM v UNION ALL SELECT k, lo - 1 FROM r UNION ALL SELECT k, hi + 1 FROM r
        ),
        gaps AS (SELECT k, id + 1 AS lo, lead(id) OVER (PARTITION BY k ORDER BY id) - 1 AS hi FROM edges)
        SELECT (SELECT m FROM top), (SELECT count(*) FROM v),
               ARRAY(SELECT id FROM v WHERE k > 0 ORDER BY id),
               ARRAY(SELECT ARRAY[k, lo, hi] FROM gaps WHERE hi >= lo ORDER BY k, lo)
        """,  # noqa: S608 - the table is one of TABLES
        [
            before.through,
            [gap[0] for gap in before.missing],
            [gap[1] for gap in before.missing],
            before.through,
        ],
    )
    top, count, found, gaps = cursor.fetchone()
    now = timezone.now()  # after the statement: a gap's transaction began before it
    forget = now - MARGIN
    still: list[Gap] = []
    for k, lo, hi in gaps:
        at = now.isoformat() if k == 0 else before.missing[k - 1][2]
        if k == 0 or dt.datetime.fromisoformat(at) > forget:
            still.append((lo, hi, at))
    after = Seen(max(before.through, top or 0), tuple(sorted(still)))
    new_gaps = tuple((lo, hi) for k, lo, hi in gaps if k == 0)
    return Advanced(before, after, new_gaps, tuple(found), int(count))


def _start(cursor: Any, table: str, now: dt.datetime) -> Seen:
    """Where the marks start without a previous state: every id up to the newest row written more than twice
    MARGIN ago (whatever is missing below it belonged to a transaction that began over MARGIN ago)."""
    cursor.execute(
        f"SELECT id FROM {table} WHERE created_at < %s ORDER BY id DESC LIMIT 1",  # noqa: S608
        [now - 2 * MARGIN],
    )
    row = cursor.fetchone()
    return Seen(row[0] if row else 0)


def changed_days(since: dt.datetime) -> list[dt.date]:
    """The local days whose summary rows may differ from the orders: days of orders with a timeline event
    or placed since `since`, and days of returns received since `since` (the first refresh with a state)."""
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


def _days_changed(cursor: Any, events: Advanced, orders: Seen) -> list[dt.date]:
    """The local days of the orders taken in before this refresh that have a new timeline event."""
    if not events.count:
        return []
    new, new_params = events.sql("e.id")
    seen, seen_params = orders.sql("e.order_id")
    cursor.execute(
        f"""
        SELECT DISTINCT (o.created_at AT TIME ZONE %s)::date
        FROM orders_orderevent e JOIN orders_order o ON o.id = e.order_id
        WHERE {new} AND {seen}
        ORDER BY 1
        """,  # noqa: S608 - fixed SQL; the ids travel as parameters
        [summary_tz(), *new_params, *seen_params],
    )
    return [row[0] for row in cursor.fetchall()]


def _rewrite(cursor: Any, days: Sequence[dt.date] | None, orders: Seen, returns: Seen) -> int:
    """Delete `days` (None: every day) and insert them again from the orders and returns taken in."""
    if days is None:
        cursor.execute("DELETE FROM orders_salesday")
    else:
        cursor.execute("DELETE FROM orders_salesday WHERE day = ANY(%s)", [list(days)])
    return _write(
        cursor,
        _both(_in_days("o.created_at", days), orders.sql("o.id")),
        _both(_in_days("r.created_at", days), returns.sql("r.id")),
    )


@transaction.atomic
def refresh_sales_summary(*, rebuild: bool = False) -> Refreshed:
    """Bring the summary up to date: take in the orders, events and returns written since the last refresh,
    or build every day when it was never built or `rebuild` is asked. Idempotent; concurrent calls run one
    after the other."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
    now = timezone.now()
    state, _created = SalesSummaryState.objects.get_or_create(pk=1)
    with connection.cursor() as cursor:
        if rebuild or state.refreshed_at is None or not state.seen:
            start = {name: _start(cursor, table, now) for name, table in TABLES.items()}
        else:
            start = {name: Seen.load(state.seen[name]) for name in TABLES}
        # one statement per table; orders before events (see the module's docstring)
        new = {name: _advance(cursor, TABLES[name], start[name]) for name in TABLES}
        orders, returns = new["orders"].after, new["returns"].after
        if rebuild or state.refreshed_at is None:
            rows = _rewrite(cursor, None, orders, returns)
            cursor.execute("ANALYZE orders_salesday")  # the planner's statistics of the new rows
            cursor.execute("SELECT count(DISTINCT day) FROM orders_salesday")
            done = Refreshed(rebuilt=True, days=int(cursor.fetchone()[0]), rows=rows)
            state.built_at = now
        elif not state.seen:  # the first refresh that keeps a state: the days changed since the last one
            days = changed_days(state.refreshed_at - MARGIN)
            rows = _rewrite(cursor, days, orders, returns) if days else 0
            done = Refreshed(rebuilt=False, days=len(days), rows=rows)
        else:
            done = _take_in(cursor, new)
    state.refreshed_at = now
    state.seen = {name: advanced.after.dump() for name, advanced in new.items()}
    state.save(update_fields=["refreshed_at", "built_at", "seen"])
    return done


def _take_in(cursor: Any, new: dict[str, Advanced]) -> Refreshed:
    """Rewrite the days of orders changed since they were taken in; add the new orders and returns into
    the rows of every other day."""
    orders, returns = new["orders"], new["returns"]
    days = _days_changed(cursor, new["events"], orders.before)
    rows = _rewrite(cursor, days, orders.after, returns.after) if days else 0
    if orders.count or returns.count:
        rows += _write(
            cursor,
            _both(orders.sql("o.id"), _not(_in_days("o.created_at", days))),
            _both(returns.sql("r.id"), _not(_in_days("r.created_at", days))),
            add=True,
        )
    return Refreshed(rebuilt=False, days=len(days), rows=rows, new=orders.count + returns.count)


def _not(condition: SQL) -> SQL:
    return f"NOT {condition[0]}", condition[1]
