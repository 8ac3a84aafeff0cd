"""`make bench`, the feedback part (`--only feedback`): the feedback reports (feedback/reports.py) at
`--responses` survey answers over a year (a million by default).

1. Data: what is missing up to `--responses` answers is added in one INSERT ... SELECT over
   generate_series, spread over the last 365 days, the eight touchpoints, the benchmark's stores (none for
   the web shop, the app and deliveries), the sales channels and the touchpoints' facts (pickup lateness and
   desk waiting for pickups, processing time for returns, shipping lateness for deliveries); then the
   follow-ups of the unhappy answers (most of those older than two weeks closed, with an outcome).
2. Each report's page statement (omni.reports.runner.run_page: the rows of the first page, the row count,
   the totals and the chart in one statement, plus the headline figures' query), in this process, for an HQ
   manager and a store manager over one year: elapsed ms per run (best, median), this process's CPU and
   PostgreSQL's CPU per run (tools/bench/cost.py), beside a raw-SQL baseline: the same counts by the same
   groups in one hand-written GROUP BY through psycopg (no figures, no page, no totals, no chart).

`section()` writes it up, `figures()` gives the JSON, `summary()` the one line."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.db import connection
from django.utils import timezone

from omni.dburl import url_for
from tools.bench.cost import CostMeter, PgServer
from tools.bench.server import BenchError, log

GOAL_MS = 2000.0
REPEATS = 5
HQ_USERNAME = "bench.feedback.hq"
STORE_USERNAME = "bench.feedback.store"

# The baselines: the counts each report needs, by its groups, and nothing else.
RAW_COUNTS = """count(*), count(nps), count(*) FILTER (WHERE nps >= 9), count(*) FILTER (WHERE nps <= 6),
       count(csat), count(*) FILTER (WHERE csat >= 4), count(ces), sum(ces), sum(ces * ces)"""
RAW = {
    "store": """SELECT location_id, {counts} FROM feedback_response
        WHERE created_at >= %(start)s AND created_at < %(end)s {where} GROUP BY location_id""",
    "week": """SELECT date_trunc('week', created_at AT TIME ZONE 'Europe/Rome'), {counts}
        FROM feedback_response WHERE created_at >= %(start)s AND created_at < %(end)s {where} GROUP BY 1""",
    "touchpoint": """SELECT touchpoint, {counts} FROM feedback_response
        WHERE created_at >= %(start)s AND created_at < %(end)s {where} GROUP BY touchpoint""",
    "fact": """SELECT 'pickup', pickup_late_minutes > 0, {counts} FROM feedback_response
        WHERE created_at >= %(start)s AND created_at < %(end)s {where} AND pickup_late_minutes IS NOT NULL
        GROUP BY 2
        UNION ALL SELECT 'wait', wait_minutes > 10, {counts} FROM feedback_response
        WHERE created_at >= %(start)s AND created_at < %(end)s {where} AND wait_minutes IS NOT NULL
        GROUP BY 2
        UNION ALL SELECT 'return', return_minutes > 1440, {counts} FROM feedback_response
        WHERE created_at >= %(start)s AND created_at < %(end)s {where} AND return_minutes IS NOT NULL
        GROUP BY 2
        UNION ALL SELECT 'delivery', delivery_late_hours > 0, {counts} FROM feedback_response
        WHERE created_at >= %(start)s AND created_at < %(end)s {where} AND delivery_late_hours IS NOT NULL
        GROUP BY 2""",
    "follow-ups": """SELECT location_id, date_trunc('week', created_at AT TIME ZONE 'Europe/Rome'),
        count(*), count(closed_at), percentile_cont(0.5) WITHIN GROUP (ORDER BY closed_at - created_at)
        FROM feedback_followup WHERE created_at >= %(start)s AND created_at < %(end)s {where}
        GROUP BY 1, 2""",
}

# (label, report slug, the report's own fields, the baseline)
CASES: tuple[tuple[str, str, dict[str, str], str], ...] = (
    ("by store", "customer-feedback", {"group_by": "store"}, "store"),
    ("by week", "customer-feedback", {"group_by": "week"}, "week"),
    ("by touchpoint", "customer-feedback", {"group_by": "touchpoint"}, "touchpoint"),
    ("by fact", "feedback-by-fact", {}, "fact"),
    ("follow-up times", "follow-up-times", {}, "follow-ups"),
)

SEED = """
INSERT INTO feedback_response (touchpoint, channel, location_id, nps, csat, ces, comment, language,
                               created_at, pickup_late_minutes, wait_minutes, return_minutes,
                               delivery_late_hours)
SELECT tp, CASE WHEN tp IN ('web', 'app', 'kiosk', 'store') THEN tp
                WHEN tp IN ('pickup', 'delivery') THEN CASE WHEN i %% 3 = 0 THEN 'app' ELSE 'web' END
                WHEN tp = 'return' THEN (ARRAY['web', 'store', 'app'])[1 + i %% 3] ELSE '' END,
       CASE WHEN tp IN ('web', 'app', 'delivery') THEN NULL
            ELSE (%(stores)s::bigint[])[(1 + (i::bigint * 7919) %% %(n_stores)s)::int] END,
       -- NPS: lower when the pickup was late or the return slow (so the fact report shows something)
       CASE WHEN r6 < 0.1 AND r7 < 0.7 THEN NULL  -- no NPS only beside a CSAT: at least one score
            ELSE least(10, greatest(0, round(8.6 + 2.6 * nz - 0.04 * greatest(late, 0)
                 - 0.0005 * coalesce(ret, 0))))::int END,
       CASE WHEN r7 < 0.7 THEN least(5, greatest(1, round(4.1 + 1.0 * nz2)))::int END,
       CASE WHEN r8 < 0.5 THEN least(7, greatest(1, round(5.4 + 1.4 * nz2)))::int END,
       '', 'it', now() - r1 * interval '365 days',
       late, CASE WHEN tp = 'pickup' AND r9 < 0.8 THEN floor(r2 * r2 * 40)::int END, ret,
       CASE WHEN tp = 'delivery' THEN round(r3 * 60 - 40)::int END
FROM (
    SELECT i, r1, r2, r3, r6, r7, r8, r9, tp,
           sqrt(-2 * ln(1 - r4)) * cos(2 * pi() * r5) AS nz,
           sqrt(-2 * ln(1 - r5)) * cos(2 * pi() * r4) AS nz2,
           CASE WHEN tp = 'pickup' THEN round(r3 * r3 * 150 - 30)::int END AS late,
           CASE WHEN tp = 'return' THEN floor(r2 * r2 * 8000)::int END AS ret
    FROM (
        SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
               random() AS r6, random() AS r7, random() AS r8, random() AS r9,
               (ARRAY['web', 'web', 'web', 'web', 'app', 'app', 'app', 'kiosk', 'store', 'store', 'store',
                      'pickup', 'pickup', 'pickup', 'pickup', 'delivery', 'delivery', 'return', 'return',
                      'appointment'])[1 + i %% 20] AS tp
        FROM generate_series(%(first)s::int, %(last)s::int) AS i
    ) AS s
) AS t
"""

FOLLOW_UPS = """
INSERT INTO feedback_followup (response_id, location_id, reason, created_at, outcome, note, closed_at,
                               closed_by_id)
SELECT r.id, r.location_id, CASE WHEN r.nps <= 6 THEN 'detractor' ELSE 'low_csat' END, r.created_at,
       CASE WHEN c.closed THEN (ARRAY['resolved', 'unresolved', 'no_answer', 'not_needed'])[1 + r.id %% 4]
            ELSE '' END,
       '', CASE WHEN c.closed THEN r.created_at + (random() * random() * 120) * interval '1 hour' END, NULL
FROM feedback_response r
CROSS JOIN LATERAL (SELECT r.created_at < now() - interval '14 days' AND r.id %% 20 <> 0 AS closed) AS c
WHERE r.id BETWEEN %(first)s AND %(last)s AND (r.nps <= 6 OR r.csat <= 2)
  AND NOT EXISTS (SELECT 1 FROM feedback_followup u WHERE u.response_id = r.id)
"""


@dataclass
class Case:
    label: str
    slug: str
    who: str
    rows: int = 0
    ms: list[float] = field(default_factory=list)
    raw_ms: list[float] = field(default_factory=list)
    app_cpu_ms: float | None = None  # this process, per run
    pg_cpu_ms: float | None = None  # PostgreSQL, per run
    raw_pg_cpu_ms: float | None = None

    @property
    def p50(self) -> float:
        return statistics.median(self.ms) if self.ms else 0.0

    @property
    def best(self) -> float:
        return min(self.ms) if self.ms else 0.0

    @property
    def raw_p50(self) -> float:
        return statistics.median(self.raw_ms) if self.raw_ms else 0.0

    @property
    def ratio(self) -> float | None:
        return self.p50 / self.raw_p50 if self.raw_p50 else None

    @property
    def ok(self) -> bool:
        return bool(self.ms) and max(self.ms) < GOAL_MS


@dataclass
class FeedbackBench:
    data: dict[str, int]
    seeded: dict[str, float]
    store_code: str
    cases: list[Case] = field(default_factory=list)
    plan: str = ""
    notes: list[str] = field(default_factory=list)
    load: str = ""


# --- data ----------------------------------------------------------------------------------------------


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our own table names
        return int(cursor.fetchone()[0])


def _stores() -> list[int]:
    from stores.models import Location

    stores = Location.objects.filter(kind="store", active=True)
    bench = stores.filter(code__startswith="BENCH-")
    ids = list((bench if bench.exists() else stores).order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise BenchError("no store to give the answers to: run seed_demo --scale first")
    return ids


def ensure_data(responses: int, batch: int = 250_000) -> dict[str, float]:
    """Add answers up to `responses`, then the follow-ups they call for; {what: seconds} of what was added."""
    seeded: dict[str, float] = {}
    have = _count("feedback_response")
    if have < responses:
        stores = _stores()
        started = time.monotonic()
        with connection.cursor() as cursor:
            for first in range(have + 1, responses + 1, batch):
                last = min(responses, first + batch - 1)
                cursor.execute(
                    SEED, {"stores": stores, "n_stores": len(stores), "first": first, "last": last}
                )
                log(f"  answers {last:,} of {responses:,}")
        seeded["responses"] = time.monotonic() - started
    started = time.monotonic()
    added = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(min(id), 1), coalesce(max(id), 0) FROM feedback_response")
        low, high = cursor.fetchone()
        for first in range(low, high + 1, batch):
            cursor.execute(FOLLOW_UPS, {"first": first, "last": first + batch - 1})
            added += cursor.rowcount
        if added:
            log(f"  follow-ups {added:,}")
        if added or seeded:
            cursor.execute("VACUUM ANALYZE feedback_response")
            cursor.execute("VACUUM ANALYZE feedback_followup")
    if added:
        seeded["follow-ups"] = time.monotonic() - started
    return seeded


def data_sizes() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(location_id), count(pickup_late_minutes), count(wait_minutes), "
            "count(return_minutes), count(delivery_late_hours), min(created_at)::date::text, "
            "max(created_at)::date::text FROM feedback_response"
        )
        row = cursor.fetchone()
        cursor.execute("SELECT count(*), count(closed_at) FROM feedback_followup")
        follow = cursor.fetchone()
        cursor.execute("SELECT count(DISTINCT location_id) FROM feedback_response")
        stores = cursor.fetchone()[0]
        cursor.execute("SELECT pg_total_relation_size('feedback_response') / 1048576")
        size = cursor.fetchone()[0]
    return {
        "responses": row[0],
        "with a store": row[1],
        "stores": stores,
        "with pickup lateness": row[2],
        "with desk waiting": row[3],
        "with return time": row[4],
        "with delivery lateness": row[5],
        "follow-ups": follow[0],
        "follow-ups closed": follow[1],
        "table + indexes MB": size,
    }


# --- who asks ------------------------------------------------------------------------------------------


def _managers(store_id: int) -> dict[str, Any]:
    from omni.actors import Actor
    from omni.models import StaffRole, User
    from stores.models import StaffMembership

    hq, _ = User.objects.get_or_create(username=HQ_USERNAME, defaults={"role": StaffRole.HQ_MANAGER})
    store, _ = User.objects.get_or_create(username=STORE_USERNAME, defaults={"role": StaffRole.STORE_MANAGER})
    StaffMembership.objects.get_or_create(user=store, location_id=store_id)
    return {"HQ": Actor.for_user(hq), "store": Actor.for_user(store)}


def _busiest_store() -> tuple[int, str]:
    from stores.models import Location

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT location_id FROM feedback_response WHERE location_id IS NOT NULL "
            "GROUP BY location_id ORDER BY count(*) DESC LIMIT 1"
        )
        row = cursor.fetchone()
    if row is None:
        raise BenchError("no answer names a store")
    location = Location.objects.get(pk=row[0])
    return location.pk, location.code


# --- the measures --------------------------------------------------------------------------------------


def _raw(
    dsn: str, sql: str, params: dict[str, Any], repeats: int, meter: CostMeter
) -> tuple[list[float], int]:
    ms: list[float] = []
    rows = 0
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        conn.execute(sql, params).fetchall()  # warm
        meter.start()
        for _ in range(repeats):
            t0 = time.perf_counter()
            rows = len(conn.execute(sql, params).fetchall())
            ms.append((time.perf_counter() - t0) * 1000)
        meter.end()
    return ms, rows


def measure(
    case: Case, report: Any, actor: Any, extra: dict[str, str], baseline: str, opts: dict[str, Any]
) -> None:
    from omni.reports import runner
    from omni.reports.forms import filters_from

    today = timezone.localdate()
    window = {
        "date_from": (today - dt.timedelta(days=364)).isoformat(),
        "date_to": today.isoformat(),
        **extra,
    }
    form, filters = filters_from(report, actor, window)
    if filters is None:
        raise BenchError(f"{report.slug}: filters refused: {form.errors.as_json()}")
    repeats = opts.get("feedback_repeats") or REPEATS
    dsn = url_for(connection.settings_dict)
    pg = PgServer(dsn)
    runner.run_page(report, filters)  # warm
    meter = CostMeter(pg, settle=0.0)
    meter.start()
    cpu0 = time.process_time()
    for _ in range(repeats):
        t0 = time.perf_counter()
        page = runner.run_page(report, filters)
        case.ms.append((time.perf_counter() - t0) * 1000)
    app = (time.process_time() - cpu0) * 1000
    meter.end()
    cost = meter.cost(orders=repeats, client_cpu_ms=app)
    case.rows = page.count
    case.app_cpu_ms = app / repeats
    case.pg_cpu_ms = None if cost.pg_cpu_ms is None else cost.pg_cpu_ms / repeats
    where = ""
    params: dict[str, Any] = {"start": filters.start, "end": filters.end}
    if filters.location_ids is not None:
        where = "AND location_id = ANY(%(locations)s)"
        params["locations"] = list(filters.location_ids)
    raw_meter = CostMeter(pg, settle=0.0)
    case.raw_ms, _rows = _raw(
        dsn, RAW[baseline].format(counts=RAW_COUNTS, where=where), params, repeats, raw_meter
    )
    raw_cost = raw_meter.cost(orders=repeats, client_cpu_ms=0.0)
    case.raw_pg_cpu_ms = None if raw_cost.pg_cpu_ms is None else raw_cost.pg_cpu_ms / repeats


def explain_page(report: Any, actor: Any, extra: dict[str, str]) -> str:
    from django.test.utils import CaptureQueriesContext

    from omni.reports import runner
    from omni.reports.forms import filters_from

    today = timezone.localdate()
    window = {
        "date_from": (today - dt.timedelta(days=364)).isoformat(),
        "date_to": today.isoformat(),
        **extra,
    }
    _form, filters = filters_from(report, actor, window)
    if filters is None:
        return ""
    with CaptureQueriesContext(connection) as ctx:
        runner.run_page(report, filters)
    statements = [q["sql"] for q in ctx.captured_queries if "WITH r AS MATERIALIZED" in q["sql"]]
    if not statements:
        return ""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + statements[0].replace("%", "%%"))
        return "\n".join(row[0] for row in cursor.fetchall())


def _loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def run(opts: dict[str, Any]) -> FeedbackBench:
    from omni.reports.base import get_report

    log(f"Feedback: answers up to {opts['responses']:,} (the first run adds them: a minute or two)...")
    seeded = ensure_data(opts["responses"])
    store_id, store_code = _busiest_store()
    actors = _managers(store_id)
    result = FeedbackBench(data=data_sizes(), seeded=seeded, store_code=store_code, load=_loadavg())
    for label, slug, extra, baseline in CASES:
        report = get_report(slug)
        if report is None:
            raise BenchError(f"no report {slug!r}: is the feedback app installed?")
        for who, actor in actors.items():
            case = Case(label=label, slug=slug, who=who)
            measure(case, report, actor, extra, baseline, opts)
            result.cases.append(case)
            log(
                f"  {slug:<18} {label:<16} {who:<5} {case.rows:>5} rows  best {case.best:7.1f} ms  "
                f"p50 {case.p50:7.1f} ms  raw p50 {case.raw_p50:7.1f} ms"
            )
    report = get_report("feedback-by-fact")
    result.plan = explain_page(report, actors["HQ"], {})
    result.load += " -> " + _loadavg()
    return result


# --- the write-up --------------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def section(b: FeedbackBench) -> str:
    data = "\n".join(f"- {k}: {v:,}" for k, v in b.data.items())
    seeded = ", ".join(f"{k} in {v:.0f} s" for k, v in b.seeded.items()) or "nothing (already there)"
    rows = [
        "| report | grouping | who | rows | best ms | p50 ms | max ms | app CPU ms/run | PG CPU ms/run "
        "| raw SQL p50 ms | raw PG CPU ms/run | page / raw |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in b.cases:
        rows.append(
            f"| {c.slug} | {c.label} | {c.who} | {c.rows:,} | {_f(c.best)} | {_f(c.p50)} | {_f(max(c.ms))} "
            f"| {_f(c.app_cpu_ms)} | {_f(c.pg_cpu_ms)} | {_f(c.raw_p50)} | {_f(c.raw_pg_cpu_ms)} "
            f"| {_f(c.ratio, 2)} |"
        )
    slow = [c for c in b.cases if not c.ok]
    verdict = "PASS" if not slow else "FAIL"
    return f"""## Feedback reports at {b.data.get("responses", 0):,} responses

{verdict}: {len(b.cases) - len(slow)} of {len(b.cases)} report pages under {GOAL_MS / 1000:g} s over one year
(the store manager: {b.store_code}, the store with the most answers). Load average {b.load}.

Data (added this run: {seeded}):
{data}

Each run is `omni.reports.runner.run_page` in process (the page's one statement: first page, count,
totals, chart; plus the headline figures' query), {REPEATS} runs after one warm-up; app CPU is this
process's, PG CPU the server's over the runs (tools/bench/cost.py). The baseline is one hand-written GROUP
BY of the same counts through psycopg (no figures, page, totals or chart).

{chr(10).join(rows)}

The "by fact" page for HQ, `EXPLAIN (ANALYZE, BUFFERS)`:

```
{b.plan}
```
"""


def figures(b: FeedbackBench) -> dict[str, Any]:
    return {
        "data": b.data,
        "seeded": b.seeded,
        "store": b.store_code,
        "cases": [
            {
                "slug": c.slug,
                "label": c.label,
                "who": c.who,
                "rows": c.rows,
                "ms": c.ms,
                "p50_ms": c.p50,
                "raw_ms": c.raw_ms,
                "raw_p50_ms": c.raw_p50,
                "app_cpu_ms_per_run": c.app_cpu_ms,
                "pg_cpu_ms_per_run": c.pg_cpu_ms,
                "raw_pg_cpu_ms_per_run": c.raw_pg_cpu_ms,
                "ratio": c.ratio,
                "ok": c.ok,
            }
            for c in b.cases
        ],
    }


def summary(b: FeedbackBench) -> str:
    slow = [c for c in b.cases if not c.ok]
    worst = max((max(c.ms) for c in b.cases if c.ms), default=0.0)
    return (
        f"{'PASS' if not slow else 'FAIL'}  feedback reports at {b.data.get('responses', 0):,} responses: "
        f"{len(b.cases) - len(slow)} of {len(b.cases)} pages under {GOAL_MS / 1000:g} s "
        f"(slowest {worst:.0f} ms)"
    )
