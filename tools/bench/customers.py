"""`make bench`, the customers part (`--only customers`): carts and segments at a loyalty base of
`--customers` customers and `--carts` carts (a million each by default; demo.seed.customers adds what is
missing on top of `seed_demo --scale`, and demo.seed.segments the demo's segments when there are none).

1. Cart read: `GET /api/v1/carts/{id}/` through gunicorn (an integration client's Bearer token) for random
   open carts, sequential: p50 / p95 latency and what one read costs in CPU (gunicorn workers, PostgreSQL,
   tools/bench/cost.py), beside a raw-SQL baseline: the same cart, its lines, SKUs, names and prices in one
   hand-written query through psycopg, in this process.
2. A customer's open carts: `GET /api/v1/carts/?customer_email=` for random customers with an open cart, the
   same way, beside the one query that reads them with their lines.
3. Segments: `member_counts` over every segment at this size (wall time, the statement's EXPLAIN ANALYZE:
   execution time and which indexes it uses), and the per-customer membership check pricing runs
   (`segments_of_email` over the active segments) for random customers: p50 / p95, beside the same
   statement sent through psycopg.

`section()` writes it up (tools/bench/report.py's style), `figures()` gives the JSON."""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omni.dburl import url_for
from tools.bench.cost import Cost, CostMeter, PgServer, gunicorn_tree
from tools.bench.server import BenchError, log, start_server, stop
from tools.bench.stock import percentile

WARM_UP = 50
BIG_TABLES = ("loyalty_customer", "loyalty_member", "orders_order", "carts_cart", "carts_cartline")

# The raw-SQL baselines: what the API reads, in one hand-written statement each (lines oldest first).
RAW_CART = """
SELECT c.id, c.channel, c.status, c.customer_email, c.created_at, c.updated_at, c.expires_at,
       v.sku, p.name, v.price, l.quantity, l.added_at
FROM carts_cart c
LEFT JOIN carts_cartline l ON l.cart_id = c.id
LEFT JOIN inventory_variant v ON v.id = l.variant_id
LEFT JOIN inventory_product p ON p.id = v.product_id
WHERE c.id = %s
ORDER BY l.added_at, l.id"""
RAW_EMAIL = """
SELECT c.id, c.channel, c.status, c.created_at, c.updated_at, c.expires_at,
       v.sku, p.name, v.price, l.quantity, l.added_at
FROM carts_cart c
LEFT JOIN carts_cartline l ON l.cart_id = c.id
LEFT JOIN inventory_variant v ON v.id = l.variant_id
LEFT JOIN inventory_product p ON p.id = v.product_id
WHERE c.customer_email = %s AND c.status = 'open'
ORDER BY c.updated_at DESC, c.created_at DESC, l.added_at, l.id"""


@dataclass
class Timed:
    """One sequential run: latencies in ms and, when measured, what it cost (tools/bench/cost.py)."""

    label: str
    ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    cost: Cost | None = None
    rows: int = 0  # carts (or lines) in the answers, to show both sides read the same

    def pct(self, p: float) -> float:
        return percentile(self.ms, p)

    def per(self, value: float | None) -> float | None:
        return None if value is None or not self.ms else value / len(self.ms)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "n": len(self.ms),
            "p50_ms": self.pct(0.5),
            "p95_ms": self.pct(0.95),
            "p99_ms": self.pct(0.99),
            "max_ms": max(self.ms, default=0.0),
            "mean_ms": statistics.fmean(self.ms) if self.ms else 0.0,
            "statuses": self.statuses,
            "rows": self.rows,
        }
        if self.cost is not None:
            c = self.cost
            out |= {
                "app_cpu_ms_per_read": self.per(c.app_cpu_ms),
                "pg_cpu_ms_per_read": self.per(c.pg_cpu_ms),
                "client_cpu_ms_per_read": self.per(c.client_cpu_ms),
                "statements_per_read": self.per(None if c.statements is None else float(c.statements)),
                "pg_other_ms": c.pg_other_ms,
                "pg_autovacuum_ms": c.pg_autovacuum_ms,
            }
        return out


@dataclass
class Plan:
    text: str
    execution_ms: float
    planning_ms: float
    indexes: list[str]
    seq_scans: list[str]
    workers: int

    @property
    def big_seq_scans(self) -> list[str]:
        return [t for t in self.seq_scans if t in BIG_TABLES]


@dataclass
class CustomersBench:
    data: dict[str, int]
    seeded: list[str]
    seed_seconds: float
    segments: list[dict[str, Any]]
    load_before: str
    load_after: str = ""
    machine: str = ""
    workers: int = 0
    pg_version: str = ""
    notes: list[str] = field(default_factory=list)
    pairs: list[tuple[str, Timed, Timed]] = field(default_factory=list)  # (what, API, raw SQL)
    counts_wall_ms: list[float] = field(default_factory=list)
    counts_raw_ms: list[float] = field(default_factory=list)  # the same statement through psycopg
    counts_plan: Plan | None = None
    membership: list[tuple[str, Timed, Timed]] = field(default_factory=list)  # (who, selector, raw SQL)
    membership_plan: Plan | None = None
    segment_promotions: int = 0
    queries: dict[str, int] = field(default_factory=dict)  # SQL statements of one read, in process
    warm_up: int = WARM_UP


def loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


# --- data ----------------------------------------------------------------------------------------------


def ensure_data(opts: dict[str, Any]) -> tuple[list[str], float]:
    from demo.seed.customers import seed_customers_and_carts
    from demo.seed.segments import segments_exist
    from omni.actors import Actor
    from orders.services.segments import save_segment

    started = time.monotonic()
    done = seed_customers_and_carts(
        customers=opts["customers"],
        carts=opts["carts"],
        step=lambda name, seconds: log(f"  seeded {name} in {seconds:.0f} s"),
    )
    if not segments_exist():
        from demo.seed.segments import DEMO_SEGMENTS

        for code, name, description, rules in DEMO_SEGMENTS:
            save_segment(actor=Actor.system(), code=code, name=name, rules=rules, description=description)
        done.append("segments")
    return done, time.monotonic() - started


def data_sizes() -> dict[str, int]:
    from demo.seed.customers import cart_count, customer_count

    sizes = {"loyalty customers": customer_count(), "carts": cart_count()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM loyalty_member WHERE status = 'active'")
        sizes["active members"] = int(cursor.fetchone()[0])
        cursor.execute("SELECT status, count(*) FROM carts_cart GROUP BY status ORDER BY status")
        for status, n in cursor.fetchall():
            sizes[f"carts {status}"] = int(n)
        for label, table in (("cart lines", "carts_cartline"), ("orders", "orders_order")):
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
            sizes[label + " (estimate)"] = int(cursor.fetchone()[0])
    return sizes


# --- 1, 2: through the server, beside raw SQL -----------------------------------------------------------


def _http_run(
    label: str,
    url: str,
    token: str,
    paths: list[str],
    meter: CostMeter | None,
    count: Callable[[Any], int],
    warm_up: int = WARM_UP,
) -> Timed:
    import requests

    run = Timed(label)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    for path in paths[:warm_up]:  # every worker's connection and caches
        session.get(url + path, timeout=30)
    timed = paths[warm_up:]
    if meter is not None:
        meter.start()
    cpu0 = time.thread_time()
    for path in timed:
        t0 = time.perf_counter()
        response = session.get(url + path, timeout=30)
        run.ms.append((time.perf_counter() - t0) * 1000)
        run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
        if response.status_code == 200:
            run.rows += count(response.json())
    client = (time.thread_time() - cpu0) * 1000
    if meter is not None:
        meter.end()
        run.cost = meter.cost(orders=len(timed), client_cpu_ms=client)
    if set(run.statuses) != {200}:
        raise BenchError(f"{label}: answers {run.statuses}")
    return run


def _raw_run(
    label: str, dsn: str, sql: str, values: list[Any], pg: PgServer, warm_up: int = WARM_UP
) -> Timed:
    run = Timed(label)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for value in values[:warm_up]:
            conn.execute(sql, [value]).fetchall()
        timed = values[warm_up:]
        meter = CostMeter(pg)
        meter.start()
        cpu0 = time.thread_time()
        carts: set[Any] = set()
        for value in timed:
            t0 = time.perf_counter()
            rows = conn.execute(sql, [value]).fetchall()
            run.ms.append((time.perf_counter() - t0) * 1000)
            carts.update(row[0] for row in rows)
        client = (time.thread_time() - cpu0) * 1000
        meter.end()
    run.cost = meter.cost(orders=len(timed), client_cpu_ms=client)
    run.rows = len(carts)
    run.statuses = {200: len(timed)}
    return run


def _samples(requests: int, warm_up: int) -> tuple[list[str], list[str]]:
    """Random open carts' ids, and random emails of customers with an open cart (warm-up ones first)."""
    n = requests + warm_up
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id::text FROM carts_cart WHERE status = 'open' ORDER BY random() LIMIT %s",
            [n],
        )
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT e FROM (SELECT DISTINCT customer_email AS e FROM carts_cart "
            "WHERE status = 'open' AND customer_email <> '') AS x ORDER BY random() LIMIT %s",
            [n],
        )
        emails = [row[0] for row in cursor.fetchall()]
    if len(ids) < n or len(emails) < n:
        raise BenchError(f"only {len(ids)} open carts and {len(emails)} emails with one: {n} needed")
    return ids, emails


def queries_of(token: str, path: str) -> int:
    """SQL statements of one request in process (Django's test client; the second of two, caches warm):
    pg_stat_statements may not be loaded on the server."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="localhost")
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(path).status_code
    if status != 200:
        raise BenchError(f"{path}: HTTP {status} in process")
    return len(ctx.captured_queries)


def run_carts(result: CustomersBench, opts: dict[str, Any]) -> None:
    from urllib.parse import quote

    from omni.services import create_api_client

    warm_up = result.warm_up = opts.get("warm_up_requests", WARM_UP)
    ids, emails = _samples(opts["requests"], warm_up)
    _client, token = create_api_client(name=f"bench-carts-{int(time.time())}", role="integration")
    dsn = url_for(connection.settings_dict)
    result.queries = {
        "cart by id": queries_of(token, f"/api/v1/carts/{ids[0]}/"),
        "open carts by email": queries_of(token, f"/api/v1/carts/?customer_email={quote(emails[0])}"),
    }
    pg = PgServer(dsn)
    result.pg_version = pg.version
    if pg.cpu_note:
        result.notes.append("CPU: " + pg.cpu_note)
    if pg.statements_note:
        result.notes.append("statements: " + pg.statements_note)
    server, url = start_server(result.workers, {"CELERY_BROKER_URL": None, "CELERY_RESULT_BACKEND": None})
    try:
        log(f"Cart read: {opts['requests']} sequential GET /api/v1/carts/{{id}}/, then raw SQL...")
        api = _http_run(
            "API",
            url,
            token,
            [f"/api/v1/carts/{i}/" for i in ids],
            CostMeter(pg, app=gunicorn_tree(server.pid)),
            lambda body: 1,
            warm_up,
        )
        raw = _raw_run("raw SQL", dsn, RAW_CART, ids, pg, warm_up)
        result.pairs.append(("cart by id", api, raw))
        log(
            f"  API p50/p95 {api.pct(0.5):.1f}/{api.pct(0.95):.1f} ms; "
            f"raw {raw.pct(0.5):.2f}/{raw.pct(0.95):.2f}"
        )
        log(f"Open carts by email: {opts['requests']} GET /api/v1/carts/?customer_email=, then raw SQL...")
        api = _http_run(
            "API",
            url,
            token,
            [f"/api/v1/carts/?customer_email={quote(e)}" for e in emails],
            CostMeter(pg, app=gunicorn_tree(server.pid)),
            lambda body: len(body["results"]) if isinstance(body, dict) else len(body),
            warm_up,
        )
        raw = _raw_run("raw SQL", dsn, RAW_EMAIL, emails, pg, warm_up)
        result.pairs.append(("open carts by email", api, raw))
        log(
            f"  API p50/p95 {api.pct(0.5):.1f}/{api.pct(0.95):.1f} ms; "
            f"raw {raw.pct(0.5):.2f}/{raw.pct(0.95):.2f}"
        )
    finally:
        stop(server)


# --- 3: segments ---------------------------------------------------------------------------------------


def explain(sql: str) -> Plan:
    """EXPLAIN (ANALYZE, BUFFERS) of a literal statement: its text, times, indexes and sequential scans."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql.replace("%", "%%"))
        raw = cursor.fetchone()[0]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + sql.replace("%", "%%"))
        text = "\n".join(row[0] for row in cursor.fetchall())
    doc = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    indexes: set[str] = set()
    seq: set[str] = set()
    workers = 0

    def walk(node: dict[str, Any]) -> None:
        nonlocal workers
        if "Index Name" in node:
            indexes.add(f"{node['Index Name']} ({node['Node Type']})")
        if node.get("Node Type") == "Seq Scan":
            seq.add(node.get("Relation Name", "?"))
        workers = max(workers, int(node.get("Workers Launched", 0)))
        for child in node.get("Plans", []):
            walk(child)

    walk(doc["Plan"])
    return Plan(
        text=text,
        execution_ms=float(doc.get("Execution Time", 0.0)),
        planning_ms=float(doc.get("Planning Time", 0.0)),
        indexes=sorted(indexes),
        seq_scans=sorted(seq),
        workers=workers,
    )


def _emails(kind: str, n: int) -> list[str]:
    with connection.cursor() as cursor:
        if kind == "buyers":
            cursor.execute(
                "SELECT e FROM (SELECT DISTINCT o.customer_email AS e FROM orders_order o "
                "JOIN loyalty_customer c ON c.email = o.customer_email) AS x ORDER BY random() LIMIT %s",
                [n],
            )
        else:
            cursor.execute(
                "SELECT email FROM loyalty_customer WHERE email <> '' ORDER BY random() LIMIT %s",
                [n],
            )
        return [row[0] for row in cursor.fetchall()]


def run_segments(result: CustomersBench, opts: dict[str, Any]) -> None:
    from orders.models import Promotion, Segment
    from orders.selectors.segments import active_segments, member_counts, segments_of_email

    segments = list(Segment.objects.order_by("code"))
    result.segment_promotions = Promotion.objects.filter(segment__isnull=False).count()
    log(f"Segments: member_counts over {len(segments)} segments, 3 times...")
    counts: dict[int, int] = {}
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            t0 = time.perf_counter()
            counts = member_counts(segments)
            result.counts_wall_ms.append((time.perf_counter() - t0) * 1000)
    literal = ctx.captured_queries[-1]["sql"]
    with psycopg.connect(url_for(connection.settings_dict), autocommit=True) as conn:
        for _ in range(2):
            t0 = time.perf_counter()
            conn.execute(literal).fetchall()  # no parameters: the statement as the selector sent it
            result.counts_raw_ms.append((time.perf_counter() - t0) * 1000)
    result.counts_plan = explain(literal)
    result.segments = [
        {"code": s.code, "rules": s.rules, "active": s.active, "members": counts.get(s.pk, 0)}
        for s in segments
    ]
    log(f"  {', '.join(f'{s.code} {counts.get(s.pk, 0):,}' for s in segments)}; {result.counts_wall_ms}")

    live = active_segments()
    n = opts["requests"]
    for who in ("any customer", "buyers"):
        log(
            f"Membership check over {len(live)} active segments, {n} random emails ({who}): selector, raw SQL"
        )
        warm_up = opts.get("warm_up_requests", WARM_UP)
        emails = _emails("buyers" if who == "buyers" else "any", n + warm_up)
        with CaptureQueriesContext(connection) as ctx:
            segments_of_email(emails[0], live)
        literal = ctx.captured_queries[-1]["sql"]
        quoted = f"'{emails[0]}'"
        if literal.count(quoted) != 1:
            raise BenchError("the membership statement does not carry the email once")
        if result.membership_plan is None or who == "buyers":
            result.membership_plan = explain(literal)
        template = literal.replace("%", "%%").replace(quoted, "%s")
        selector = Timed("selector")
        for i, email in enumerate(emails):
            t0 = time.perf_counter()
            found = segments_of_email(email, live)
            if i >= warm_up:
                selector.ms.append((time.perf_counter() - t0) * 1000)
                selector.rows += len(found)
        raw = Timed("raw SQL")
        with psycopg.connect(url_for(connection.settings_dict), autocommit=True) as conn:
            for i, email in enumerate(emails):
                t0 = time.perf_counter()
                rows = conn.execute(template, [email]).fetchall()
                if i >= warm_up:
                    raw.ms.append((time.perf_counter() - t0) * 1000)
                    raw.rows += len(rows)
        result.membership.append((who, selector, raw))
        log(f"  selector p50/p95 {selector.pct(0.5):.2f}/{selector.pct(0.95):.2f} ms; raw {raw.pct(0.5):.2f}")


def run(opts: dict[str, Any]) -> CustomersBench:
    load_before = loadavg()
    log(f"Customers and carts: at least {opts['customers']:,} customers and {opts['carts']:,} carts...")
    seeded, seconds = ensure_data(opts)
    result = CustomersBench(
        data=data_sizes(),
        seeded=seeded,
        seed_seconds=seconds,
        segments=[],
        load_before=load_before,
        workers=opts["workers"] or 2 * (os.cpu_count() or 1) + 1,
        machine=f"{os.cpu_count()} CPU cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
    )
    log("  " + ", ".join(f"{v:,} {k}" for k, v in result.data.items()))
    random.seed(18)
    run_carts(result, opts)
    run_segments(result, opts)
    result.load_after = loadavg()
    return result


# --- the write-up --------------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "" if a is None or not b else f"{a / b:,.1f}x"


def _pair_rows(what: str, api: Timed, raw: Timed) -> list[str]:
    rows = []
    for run in (api, raw):
        c = run.cost
        app = run.per(c.app_cpu_ms) if c else None
        pg = run.per(c.pg_cpu_ms) if c else None
        stmts = run.per(float(c.statements)) if c and c.statements is not None else None
        ratio = ""
        if run is api:
            rc = raw.cost
            ratio = (
                f"{_ratio(api.pct(0.5), raw.pct(0.5))} / {_ratio(api.pct(0.95), raw.pct(0.95))} / "
                f"{_ratio(pg, raw.per(rc.pg_cpu_ms) if rc else None)}"
            )
        rows.append(
            f"| {what} | {run.label} | {len(run.ms)} | **{run.pct(0.5):,.2f}** / **{run.pct(0.95):,.2f}** / "
            f"{run.pct(0.99):,.2f} | {_f(app)} | {_f(pg)} | {_f(stmts, 1)} | {ratio} | {run.rows:,} | "
            f"{_f(c.pg_other_ms if c else None, 0)} ms |"
        )
    return rows


def _membership_rows(b: CustomersBench) -> list[str]:
    rows = []
    for who, sel, raw in b.membership:
        for run in (sel, raw):
            ratio = (
                ""
                if run is raw
                else f"{_ratio(sel.pct(0.5), raw.pct(0.5))} / {_ratio(sel.pct(0.95), raw.pct(0.95))}"
            )
            rows.append(
                f"| {who} | {run.label} | {len(run.ms)} | **{run.pct(0.5):,.2f}** / "
                f"**{run.pct(0.95):,.2f}** / {run.pct(0.99):,.2f} | {ratio} | {run.rows:,} |"
            )
    return rows


def _plan_text(title: str, plan: Plan | None) -> str:
    if plan is None:
        return ""
    seq = ", ".join(plan.seq_scans) or "none"
    big = plan.big_seq_scans
    verdict = (
        "every large table is read through an index"
        if not big
        else "sequential scans of " + ", ".join(f"`{t}`" for t in big)
    )
    return f"""
### {title}: `EXPLAIN (ANALYZE, BUFFERS)`

Execution {plan.execution_ms:,.1f} ms (planning {plan.planning_ms:,.1f} ms), parallel workers launched:
{plan.workers}. Indexes used: {", ".join(f"`{i}`" for i in plan.indexes) or "none"}. Sequential scans:
{seq} ({verdict}).

```
{plan.text}
```
"""


def section(b: CustomersBench) -> str:
    data = ", ".join(f"{v:,} {k}" for k, v in b.data.items())
    pairs = "\n".join(row for what, api, raw in b.pairs for row in _pair_rows(what, api, raw))
    segs = "\n".join(f"| `{s['code']}` | `{json.dumps(s['rules'])}` | {s['members']:,} |" for s in b.segments)
    walls = " / ".join(f"{w:,.0f}" for w in b.counts_wall_ms)
    queries = ", ".join(f"{k} {v}" for k, v in b.queries.items()) or "n/a"
    raws = " / ".join(f"{w:,.0f}" for w in b.counts_raw_ms)
    cp = b.counts_plan
    seeded = (
        f"This run built {', '.join(b.seeded)} in {b.seed_seconds:,.0f} s."
        if b.seeded
        else "The data was already there."
    )
    notes = "".join(f"\n- {n}" for n in b.notes)
    promos = (
        "no promotion is limited to a segment in this data, so pricing a cart runs no membership check"
        if not b.segment_promotions
        else f"{b.segment_promotions} promotions are limited to a segment: pricing a cart of an identified "
        "customer runs the membership check once"
    )
    return f"""
## Carts and segments

`python -m tools.bench --only customers` (part of `make bench`). Data: {data}. {seeded}
Machine: {b.machine}; gunicorn {b.workers} sync workers (`DJANGO_DEBUG=0`), PostgreSQL {b.pg_version}, all on
the same cores; load average (1, 5, 15 min) {b.load_before} before the part, {b.load_after} after.{notes}

### Reading carts through the API, beside raw SQL

Sequential requests with an integration client's Bearer token after {b.warm_up} warm-up requests: random open
carts (`GET /api/v1/carts/{{id}}/`, priced at every read: {promos}) and random customers with an open cart
(`GET /api/v1/carts/?customer_email=`). Raw SQL: the cart(s), lines, SKUs, names and catalog prices in one
hand-written statement through psycopg from this process (no pricing, no JSON). CPU per read in ms:
"app" the gunicorn workers (raw: the client thread), "PG" the benchmark's backends and PostgreSQL's shared
processes (tools/bench/cost.py); statements from `pg_stat_statements`. Ratios: API / raw for p50, p95 and PG
CPU. SQL statements of one read in process (Django's test client, caches warm): {queries}.
"carts": carts in the answers; "other DBs": PostgreSQL CPU of other databases' backends during the run
(others' work on the same server and cores, left out of "PG").

| read | run | n | p50 / p95 / p99 ms | app CPU | PG CPU | statements | API / raw (p50 / p95 / PG) | carts \
| other DBs |
|---|---|---:|---:|---:|---:|---:|---|---:|---:|
{pairs}

### Segment evaluation

Every segment, its rules and its members now (`orders.selectors.segments.member_counts`, one statement for
all, in process): wall **{walls} ms** over three calls; the same statement sent through psycopg (raw SQL)
{raws} ms over two; PostgreSQL's execution of it {_f(cp.execution_ms if cp else None, 0)} ms under
`EXPLAIN ANALYZE` (below; its per-node timing adds to it).

| segment | rules | members |
|---|---|---:|
{segs}

The membership check pricing runs for an identified customer
(`segments_of_email(email, active_segments())`, one statement for every active segment), in process, for
random customers of the base and for random customers with orders ("buyers"), beside the same statement
sent through psycopg (raw SQL). Last column: memberships found.

| customers | run | n | p50 / p95 / p99 ms | selector / raw (p50 / p95) | found |
|---|---|---:|---:|---|---:|
{chr(10).join(_membership_rows(b))}
{_plan_text("member_counts", b.counts_plan)}
{_plan_text("The membership check of one buyer", b.membership_plan)}"""


def figures(b: CustomersBench) -> dict[str, Any]:
    def plan(p: Plan | None) -> dict[str, Any] | None:
        if p is None:
            return None
        return {
            "execution_ms": p.execution_ms,
            "planning_ms": p.planning_ms,
            "indexes": p.indexes,
            "seq_scans": p.seq_scans,
            "workers": p.workers,
        }

    return {
        "machine": b.machine,
        "postgresql": b.pg_version,
        "workers": b.workers,
        "load_before": b.load_before,
        "load_after": b.load_after,
        "data": b.data,
        "seeded": b.seeded,
        "seed_seconds": b.seed_seconds,
        "reads": [{"read": what, "api": api.as_dict(), "raw": raw.as_dict()} for what, api, raw in b.pairs],
        "segments": b.segments,
        "member_counts_wall_ms": b.counts_wall_ms,
        "member_counts_raw_ms": b.counts_raw_ms,
        "member_counts_plan": plan(b.counts_plan),
        "membership": [
            {"customers": who, "selector": sel.as_dict(), "raw": raw.as_dict()}
            for who, sel, raw in b.membership
        ],
        "membership_plan": plan(b.membership_plan),
        "segment_promotions": b.segment_promotions,
        "queries_per_read_in_process": b.queries,
        "notes": b.notes,
    }


def summary(b: CustomersBench) -> str:
    parts = [
        f"{what} p95 {api.pct(0.95):,.1f} ms (raw {raw.pct(0.95):,.2f} ms)" for what, api, raw in b.pairs
    ]
    if b.counts_wall_ms:
        parts.append(f"member_counts {min(b.counts_wall_ms):,.0f} ms")
    parts += [f"membership ({who}) p95 {sel.pct(0.95):,.2f} ms" for who, sel, _raw in b.membership]
    return (
        f"customers ({b.data.get('loyalty customers', 0):,} customers, {b.data.get('carts', 0):,} carts): "
        + ("; ".join(parts))
    )
