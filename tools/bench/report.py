"""Writes a `make bench` run up: Markdown and JSON in `.omni/bench/` (not tracked), as `<timestamp>.md` and
`<timestamp>.json` plus copies named `latest.md` and `latest.json`. docs/PERFORMANCE.md is edited by hand,
quoting a run with its date.

The stock part ends with the done-when checks, one PASS/FAIL line each (`checks()`)."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from tools.bench import cost
from tools.bench.placement import Run
from tools.bench.stock import BROKER, NO_BROKER, StockBench

RATIO_TARGET = 0.4  # API orders/s at least this share of the raw-SQL baseline's (3 lines, 8 clients)
PG_CPU_TARGET = 1.5  # PostgreSQL CPU per order at most this multiple of the baseline's
AVAILABILITY_P95_MS = 10.0
HEADLINE_LINES = 3

METHOD = """\
- **orders/s**: 201 answers (raw SQL: committed orders) over the run's wall time, every client sending its
  next order as soon as the last is answered; a 409 is a basket that found a line out of stock (counted apart;
  the SKUs are drawn from a pool of {pool:,} so that the runs spread what they consume). The baseline does
  no sourcing: each line's location is drawn from the shipping locations that had stock of the SKU when the
  run started.
- **app CPU ms/order**: for the API, the gunicorn workers' user+system time (`/proc/<pid>/stat` utime+stime
  of every child of the gunicorn master, before and after the run, sampled every 0.25 s so that a worker that
  exits keeps its share; what it spent after its last sample comes back through the master's cutime+cstime);
  for the raw-SQL baseline, the CPU time of its client threads (`time.thread_time()`, psycopg included).
- **PG CPU ms/order**: the same /proc reading of the PostgreSQL server: the benchmark's backends (in its
  database, with its `application_name`; persistent connections: `DB_CONN_MAX_AGE`) plus the processes
  every database shares (postmaster, walwriter, checkpointer, background writer, io workers). Measured over
  the same window and left out, in the last column: autovacuum in the benchmark database (deferred work that
  lands in whichever run it falls), other connections to the benchmark database, and backends of other
  databases ("other DBs": other people's work on a shared server, which also competes for the cores).
  "exited" counts processes that ended mid-run (their CPU up to the last 0.25 s sample is counted).
- **statements/order**: top-level statements in the benchmark database from `pg_stat_statements` (sum of
  `calls`, the benchmark's monitoring queries left out), BEGIN/COMMIT/SAVEPOINT/RELEASE included (in
  brackets: how many of them were those); after "+", the foreign-key checks PostgreSQL runs itself at
  COMMIT (Django's foreign keys are deferred; pg_stat_statements lists them as top-level statements, so they
  are told apart by their text); **commits/order**: `pg_stat_database.xact_commit` of the database
  (less the monitoring query's own), read {flush} s after an API run (a backend that goes idle reports its
  counts up to 10 s later) and {exit_flush} s after a raw-SQL run (its clients disconnect: reported at once).
  CPU is read as the run ends.
- **with / without a broker**: "no broker" is the server without `CELERY_BROKER_URL`: the outbox runs each
  task in the request after commit, as on a development machine; "broker" sends them to a Redis the
  benchmark starts (no worker consumes them; the Redis server's CPU is shown apart).
- Everything runs on this one machine ({machine}): the load generator, gunicorn ({workers} sync workers,
  `DJANGO_DEBUG=0`) and PostgreSQL share its cores."""


HEADER = (
    "| lines | clients | run | orders/s | API / raw | p50 / p95 ms | app CPU | PG CPU | PG CPU / raw "
    "| statements (txn control) +FK checks | commits | not 201 | other |\n"
    "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
)


def _f(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def checks(s: StockBench) -> list[dict[str, Any]]:
    """The done-when targets, for 3-line orders with the most clients (8), with a broker when one ran (as in
    production), then, for information, without."""
    clients = max((c for n, c in s.configs if n == HEADLINE_LINES), default=0)
    raw = s.run("raw SQL", HEADLINE_LINES, clients)
    found = []
    variants = [BROKER, NO_BROKER] if s.run(BROKER, HEADLINE_LINES, clients) else [NO_BROKER]
    for i, label in enumerate(variants):
        api = s.run(label, HEADLINE_LINES, clients)
        if api is None or raw is None:
            continue
        ratio = _ratio(api.rate, raw.rate)
        api_pg = api.cost.per_order(api.cost.pg_cpu_ms) if api.cost else None
        raw_pg = raw.cost.per_order(raw.cost.pg_cpu_ms) if raw.cost else None
        pg = _ratio(api_pg, raw_pg)
        where = f"{HEADLINE_LINES} lines, {clients} clients, {label}"
        found += [
            {
                "check": f"API / raw-SQL orders per second ({where})",
                "value": ratio,
                "text": f"{api.rate:,.1f} / {raw.rate:,.1f} = {_f(ratio, 2)} (target >= {RATIO_TARGET})",
                "passed": ratio is not None and ratio >= RATIO_TARGET,
                "headline": i == 0,
            },
            {
                "check": f"PostgreSQL CPU per order, API / raw SQL ({where})",
                "value": pg,
                "text": f"{_f(api_pg, 2)} ms / {_f(raw_pg, 2)} ms = {_f(pg, 2)}x "
                f"(target <= {PG_CPU_TARGET}x)",
                "passed": None if pg is None else pg <= PG_CPU_TARGET,
                "headline": i == 0,
            },
        ]
    p95 = s.availability.get("p95")
    found.append(
        {
            "check": "availability p95 (sequential requests through gunicorn)",
            "value": p95,
            "text": f"{_f(p95)} ms (target <= {AVAILABILITY_P95_MS:.0f} ms)",
            "passed": p95 is not None and p95 <= AVAILABILITY_P95_MS,
            "headline": True,
        }
    )
    return found


def verdict_lines(found: list[dict[str, Any]]) -> list[str]:
    lines = []
    for c in found:
        mark = "N/A " if c["passed"] is None else ("PASS" if c["passed"] else "FAIL")
        if not c["headline"]:
            mark = f"({mark.strip()}, for information)"
        lines.append(f"{mark}  {c['check']}: {c['text']}")
    return lines


def _row(run: Run, raw: Run | None) -> str:
    cost = run.cost
    ratio = "" if run.label == "raw SQL" else _f(_ratio(run.rate, raw.rate if raw else None), 2)
    if cost is None:
        return f"| {run.lines} | {run.concurrency} | {run.label} | {run.rate:,.1f} | {ratio} | | | | | | |"
    app, pg = cost.per_order(cost.app_cpu_ms), cost.per_order(cost.pg_cpu_ms)
    raw_pg = raw.cost.per_order(raw.cost.pg_cpu_ms) if raw and raw.cost else None
    pg_vs = "" if run.label == "raw SQL" else _f(_ratio(pg, raw_pg), 2)
    stmts = _f(cost.per_order(cost.statements))
    if cost.control_statements is not None:
        stmts += f" ({_f(cost.per_order(cost.control_statements))})"
    if cost.fk_checks is not None:
        stmts += f" +{_f(cost.per_order(cost.fk_checks))}"
    others = {k: v for k, v in run.statuses.items() if k != 201}
    extra = []
    if cost.pg_shared_ms:
        extra.append(f"shared PG processes {_f(cost.per_order(cost.pg_shared_ms), 2)} ms/order (in PG CPU)")
    if cost.redis_cpu_ms is not None:
        extra.append(f"Redis {_f(cost.per_order(cost.redis_cpu_ms), 2)} ms/order")
    if run.label != "raw SQL":
        extra.append(f"load generator {_f(cost.per_order(cost.client_cpu_ms))} ms/order")
    if cost.pg_autovacuum_ms:
        extra.append(f"autovacuum {cost.pg_autovacuum_ms:,.0f} ms")
    if cost.pg_foreign_ms:
        extra.append(f"other connections to the benchmark database {cost.pg_foreign_ms:,.0f} ms")
    if cost.pg_other_ms:
        extra.append(f"other DBs {cost.pg_other_ms:,.0f} ms")
    if (cost.pg_exited_tail_ms or 0) > 0.05 * (cost.pg_cpu_ms or 0):
        extra.append(f"exited PG processes' last moments {cost.pg_exited_tail_ms:,.0f} ms (any database)")
    if cost.exited:
        extra.append("exited: " + ", ".join(f"{k} {v}" for k, v in cost.exited.items()))
    extra += cost.notes
    return (
        f"| {run.lines} | {run.concurrency} | {run.label} | **{run.rate:,.1f}** | {ratio} | "
        f"{run.pct(0.5):,.0f} / {run.pct(0.95):,.0f} | {_f(app, 2)} | **{_f(pg, 2)}** | {pg_vs} | "
        f"{stmts} | {_f(cost.per_order(cost.commits), 2)} | {dict(others) or ''} | {'; '.join(extra)} |"
    )


def stock_markdown(s: StockBench) -> str:
    a = s.availability
    rows = []
    for lines, clients in s.configs:
        raw = s.run("raw SQL", lines, clients)
        rows += [_row(r, raw) for r in s.runs if r.lines == lines and r.concurrency == clients]
    notes = []
    if s.statements_note:
        notes.append("statements: " + s.statements_note)
    if s.cpu_note:
        notes.append("CPU: " + s.cpu_note)
    if s.broker_note:
        notes.append("with a broker: " + s.broker_note)
    busy = [r for r in s.runs if r.cost and (r.cost.pg_other_ms or 0) > 0.05 * (r.cost.pg_cpu_ms or 0)]
    if busy:
        notes.append(
            f"the server was not idle: in {len(busy)} of {len(s.runs)} runs other databases' backends used "
            'more than 5% of the benchmark\'s PostgreSQL CPU (column "other"); their load also slows the runs'
        )
    method = METHOD.format(
        pool=s.pool,
        flush=cost.STATS_SETTLE_SECONDS,
        exit_flush=cost.EXIT_SETTLE_SECONDS,
        machine=s.machine,
        workers=s.workers,
    )
    note_text = "".join(f"\n- {n}" for n in notes)
    return f"""## Done-when

```
{chr(10).join(verdict_lines(checks(s)))}
```
{note_text}

## Order placement

{s.seconds:.0f} s per run; the raw-SQL baseline and both API servers run one after the other for each row
(tools/bench/placement.py: the baseline is, per line, a conditional reserve, then the order row, its lines
and its reservations, in one transaction). Per order: CPU in ms, statements and commits.

{HEADER}
{chr(10).join(rows)}

How each figure is measured:

{method}

## Availability of one SKU across the network

{_availability(s)}

The query's plan at this size (`EXPLAIN ANALYZE`):

```
{a.get("plan", "")}
```
{_profile(s)}"""


def _availability(s: StockBench) -> str:
    a = s.availability
    data = ", ".join(f"{v:,} {k}" for k, v in s.data.items())
    seq = f"{_f(a.get('p50'))} / {_f(a.get('p95'))} / {_f(a.get('p99'))}"
    conc = f"{_f(a.get('c_p50'))} / {_f(a.get('c_p95'))} / {_f(a.get('c_p99'))}"
    return f"""`GET /api/v1/skus/{{sku}}/availability/?near=LAT,LNG` through gunicorn (Bearer token of an
integration client), a random SKU each time, after 50 warm-up requests. Data: {data}.

| | |
|---|---|
| Sequential, {a.get("n", 0)} requests: p50 / p95 / p99 / max | **{seq}** / {_f(a.get("max"))} ms \
(mean {_f(a.get("mean"))} ms) |
| {a.get("concurrency", 0)} concurrent clients, {a.get("c_n", 0)} requests: p50 / p95 / p99 | {conc} ms, \
{_f(a.get("c_rps"), 0)} requests/s |
| Locations in one answer | {a.get("api_locations")} |
| SQL queries of the selector (`inventory.selectors.availability`) | {a.get("selector_queries")} |"""


def _profile(s: StockBench) -> str:
    p = s.profile
    if p is None:
        return ""
    return f"""
## A placement in process (`--profile`)

{p.orders} placements through `orders.services.place_order`, no HTTP: **{p.mean_ms:.1f} ms** each, of which
**{p.db_ms:.1f} ms** waiting on PostgreSQL over **{p.queries:.0f}** queries. Our functions by cumulative time
(cProfile, {max(p.orders // 3, 1)} placements):

```
{p.ours}
```

Every function by own time:

```
{p.top}
```
"""


def _plain(value: Any) -> Any:
    if isinstance(value, Run):
        return value.as_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def stock_data(s: StockBench) -> dict[str, Any]:
    return {
        "machine": s.machine,
        "postgresql": s.pg_version,
        "workers": s.workers,
        "seconds": s.seconds,
        "sku_pool": s.pool,
        "data": s.data,
        "availability": {k: v for k, v in s.availability.items() if k != "plan"},
        "placement": [r.as_dict() for r in s.runs],
        "checks": checks(s),
        "notes": {"statements": s.statements_note, "cpu": s.cpu_note, "broker": s.broker_note},
    }


def write(out_dir: Path, *, sections: list[str], data: dict[str, Any], argv: list[str]) -> Path:
    """`<out_dir>/<timestamp>.md` and `.json`, copied to latest.md and latest.json; returns the .md path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d-%H%M%S")
    when = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    header = (
        f"# `make bench`, {when}\n\n`python -m tools.bench {' '.join(argv)}`. Figures of this run on this "
        "machine; docs/PERFORMANCE.md quotes runs by date.\n\n"
    )
    markdown = header + "\n".join(s.strip("\n") + "\n" for s in sections)
    md = out_dir / f"{stamp}.md"
    md.write_text(markdown)
    js = out_dir / f"{stamp}.json"
    js.write_text(json.dumps(_plain({"date": when, "argv": argv, **data}), indent=2, default=str) + "\n")
    shutil.copyfile(md, out_dir / "latest.md")
    shutil.copyfile(js, out_dir / "latest.json")
    return md
