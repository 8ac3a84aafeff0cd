"""`make bench`, the managers' reports part: for every registered report, the raw SQL aggregate it needs
(`SELECT count(*) FROM (<report query>)`) beside its page through the real server, for an HQ manager (every
location) and a store manager (one store), and the largest export (stock ageing over every location, CSV
then XLSX) generated in a child process whose peak memory is read back. `section()` is its part of the
benchmark's write-up (tools/bench/report.py).

Pages are fetched by a `Fetch` callable (path -> (HTTP status, milliseconds)): `make bench` passes one that
logs in through the login form of the gunicorn server it started; the tests pass Django's test client."""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.utils import timezone

PAGE_GOAL_MS = 1000.0
PAGE_GOAL = f"{PAGE_GOAL_MS / 1000:g} s"  # "1 s", as the text says it
EXPORT_GOAL_MB = 200.0
PASSWORD = "bench-reports-0"
HQ_USERNAME = "bench.reports.hq"
STORE_USERNAME = "bench.reports.store"
SECTION = "## Managers' reports"
EXPORT_SLUG = "stock-ageing"

Fetch = Callable[
    ..., tuple[int, float]
]  # (path, body=True) -> (status, ms to the end of the body or headers)
Log = Callable[[str], None]


@dataclass
class ReportRun:
    slug: str
    title: str
    who: str  # "HQ" | "store"
    window: str  # "default (30 days)" | "one year" | "-"
    rows: int = 0
    sql_ms: float = 0.0
    page_ms: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    plan: str = ""
    refused: bool = False  # the page asks for narrower filters (Report.page_refusal) instead of listing rows

    @property
    def p50(self) -> float:
        return statistics.median(self.page_ms) if self.page_ms else 0.0

    @property
    def max(self) -> float:
        return max(self.page_ms) if self.page_ms else 0.0

    @property
    def ok(self) -> bool:
        return bool(self.page_ms) and all(s == 200 for s in self.statuses) and self.max < PAGE_GOAL_MS


@dataclass
class ExportRun:
    slug: str
    fmt: str
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    peak_mb: float = 0.0
    base_mb: float = 0.0
    http: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and self.peak_mb < EXPORT_GOAL_MB


@dataclass
class ReportsBench:
    runs: list[ReportRun]
    exports: list[ExportRun]
    store_code: str
    store_locations: int
    data: dict[str, int]
    server: str


# --- Who asks --------------------------------------------------------------------------------------------


def ensure_managers(store_id: int) -> tuple[Any, Any]:
    """An HQ manager and the store manager of `store_id` (created once; the password reset each run)."""
    from omni.models import StaffRole, User
    from stores.models import StaffMembership

    hq, _ = User.objects.get_or_create(
        username=HQ_USERNAME, defaults={"role": StaffRole.HQ_MANAGER, "email": "hq@bench.example"}
    )
    store, _ = User.objects.get_or_create(
        username=STORE_USERNAME, defaults={"role": StaffRole.STORE_MANAGER, "email": "store@bench.example"}
    )
    for user in (hq, store):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    StaffMembership.objects.get_or_create(user=store, location_id=store_id)
    return hq, store


def busiest_store() -> tuple[int, str]:
    """The benchmark store with the most orders (a representative store manager's day)."""
    from django.db.models import Count

    from orders.models import Order
    from stores.models import Location

    stores = Location.objects.filter(code__startswith="BENCH-", kind="store")
    top = (
        Order.objects.filter(location__in=stores)
        .values("location_id")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    location = Location.objects.get(pk=top["location_id"]) if top else stores.order_by("pk").first()
    if location is None:
        raise RuntimeError("No benchmark store: run seed_demo --scale first.")
    return location.pk, location.code


# --- The measures ----------------------------------------------------------------------------------------


def _query_string(report: Any, window: dict[str, str]) -> str:
    return urlencode(window) if window and "dates" in report.filters else ""


def _filters(report: Any, actor: Any, window: dict[str, str]) -> Any:
    from omni.reports.forms import filters_from

    form, filters = filters_from(report, actor, window if "dates" in report.filters else {})
    if filters is None:
        raise RuntimeError(f"{report.slug}: the default filters are refused: {form.errors.as_json()}")
    return filters


def time_sql(report: Any, filters: Any, *, repeats: int = 3) -> tuple[int, float]:
    """(rows, best of `repeats` in ms) of SELECT count(*) over the report's query: the aggregation the
    page needs, without the page, totals, chart or rendering (what it reads brought up to date first,
    untimed, as the runner does)."""
    report.refresh(filters)
    sql, params = report.query(filters)
    best = float("inf")
    rows = 0
    with connection.cursor() as cursor:
        for _ in range(repeats):
            t0 = time.perf_counter()
            cursor.execute(f"SELECT count(*) FROM ({sql}) AS r", params)  # noqa: S608 - the report's own SQL
            rows = int(cursor.fetchone()[0])
            best = min(best, (time.perf_counter() - t0) * 1000)
    return rows, best


def explain(report: Any, filters: Any) -> str:
    """EXPLAIN ANALYZE of the report's query as the page runs it (first page, count, totals, chart)."""
    from django.test.utils import CaptureQueriesContext

    from omni.reports import runner

    with CaptureQueriesContext(connection) as ctx:
        runner.run_page(report, filters)
    statements = [q["sql"] for q in ctx.captured_queries if "WITH r AS MATERIALIZED" in q["sql"]]
    if not statements:
        return ""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + statements[0].replace("%", "%%"))
        return "\n".join(row[0] for row in cursor.fetchall())


def run_reports(
    fetch_hq: Fetch,
    fetch_store: Fetch,
    *,
    store_id: int,
    requests: int = 5,
    log: Log | None = None,
    today: dt.date | None = None,
) -> list[ReportRun]:
    """Every registered report, for HQ and for the store manager, with its default filters; the channel
    reports (those with dates and a 30-day default) also over one year."""
    from omni.actors import Actor
    from omni.models import User
    from omni.reports.base import all_reports

    today = today or timezone.localdate()
    year = {"date_from": (today - dt.timedelta(days=364)).isoformat(), "date_to": today.isoformat()}
    actors = {
        "HQ": Actor.for_user(User.objects.get(username=HQ_USERNAME)),
        "store": Actor.for_user(User.objects.get(username=STORE_USERNAME)),
    }
    fetchers = {"HQ": fetch_hq, "store": fetch_store}
    runs: list[ReportRun] = []
    for report in sorted(all_reports(), key=lambda r: (r.group, r.slug)):
        windows: list[tuple[str, dict[str, str]]] = [
            (f"default ({report.default_days} days)" if "dates" in report.filters else "-", {})
        ]
        if "dates" in report.filters and report.group == "channels" and report.default_days < 365:
            windows.append(("one year", year))
        for label, window in windows:
            for who, actor in actors.items():
                run = ReportRun(slug=report.slug, title=str(report.title), who=who, window=label)
                filters = _filters(report, actor, window)
                run.refused = report.page_refusal(filters) is not None
                run.rows, run.sql_ms = time_sql(report, filters)
                path = f"/reports/{report.slug}/"
                qs = _query_string(report, window)
                path += f"?{qs}" if qs else ""
                fetchers[who](path)  # warm up (the worker's connection, the plan cache)
                for _ in range(requests):
                    status, ms = fetchers[who](path)
                    run.statuses.append(status)
                    run.page_ms.append(ms)
                if not run.ok:
                    run.plan = explain(report, filters)
                runs.append(run)
                if log:
                    log(
                        f"  {report.slug:<22} {who:<5} {label:<18} {run.rows:>10,} rows  "
                        f"SQL {run.sql_ms:8.1f} ms  "
                        f"page p50 {run.p50:8.1f} ms max {run.max:8.1f} ms  {set(run.statuses)}"
                    )
    return runs


CHILD = """
import json, os, resource, sys, time
import django
django.setup()
from omni.reports import exports
from omni.reports.base import ReportFilters, get_report

def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

slug, fmt = sys.argv[1], sys.argv[2]
report = get_report(slug)
if report is None:
    print(json.dumps({"error": "no such report"}))
    sys.exit(0)
filters = ReportFilters(location_ids=None)
base = rss_mb()
done = [0]
def progress(n):
    done[0] = n
make = exports.csv_chunks if fmt == "csv" else exports.xlsx_chunks
size = 0
t0 = time.perf_counter()
for chunk in make(report, filters, progress=progress):
    size += len(chunk)
seconds = time.perf_counter() - t0
print(json.dumps({"rows": done[0], "bytes": size, "seconds": seconds, "peak_mb": rss_mb(), "base_mb": base}))
"""


def run_export_child(slug: str, fmt: str, *, env: dict[str, str] | None = None) -> ExportRun:
    """Stream `slug`'s export over every location in a child process (its own memory to measure)."""
    from omni.dburl import url_for

    result = ExportRun(slug=slug, fmt=fmt)
    child_env = dict(os.environ if env is None else env)
    child_env["DATABASE_URL"] = url_for(connection.settings_dict)
    child_env.setdefault("DJANGO_SETTINGS_MODULE", "omni.settings")
    child_env.pop("OMNI_TEST_DATABASE_NAME", None)
    proc = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", CHILD, slug, fmt],
        env=child_env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,  # the largest export takes minutes at scale; a stuck child must not stall the bench
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode or not lines:
        result.error = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:300]
        return result
    got = json.loads(lines[-1])
    if "error" in got:
        result.error = got["error"]
        return result
    result.rows, result.bytes, result.seconds = got["rows"], got["bytes"], got["seconds"]
    result.peak_mb, result.base_mb = got["peak_mb"], got["base_mb"]
    return result


def export_http_answer(fetch: Fetch, slug: str, fmt: str) -> str:
    """What the export URL answers for every location: a stream (200) or a redirect to a background run."""
    status, ms = fetch(f"/reports/{slug}/export?format={fmt}", body=False)
    if status in (301, 302, 303):
        return f"redirects to a background run ({ms:.0f} ms)"
    if status == 200:
        return f"streams in the request (first byte {ms:.0f} ms)"
    return f"HTTP {status}"


def data_sizes() -> dict[str, int]:
    """Planner estimates (reltuples) of the big tables: exact counts would cost seconds each."""
    from inventory.models import StockLevel, StockMovement
    from loyalty.models import LedgerEntry, Member
    from orders.models import Order, OrderLine, Return

    sizes = {}
    with connection.cursor() as cursor:
        for label, model in (
            ("stock levels", StockLevel),
            ("stock movements", StockMovement),
            ("orders", Order),
            ("order lines", OrderLine),
            ("returns", Return),
            ("loyalty members", Member),
            ("points entries", LedgerEntry),
        ):
            table = model._meta.db_table
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
            estimate = int(cursor.fetchone()[0])
            if estimate < 0:  # never analysed: count
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our table
                estimate = int(cursor.fetchone()[0])
            sizes[label] = estimate
    return sizes


# --- The section -----------------------------------------------------------------------------------------


def _verdict(run: ReportRun) -> str:
    if not run.page_ms:
        return "not measured"
    if any(s != 200 for s in run.statuses):
        return f"**fails** (HTTP {sorted(set(run.statuses))})"
    if run.max < PAGE_GOAL_MS:
        if run.refused:
            return "meets the goal by asking for a location (a SKU-level list; the network is in its export)"
        return "meets the goal"
    if run.p50 < PAGE_GOAL_MS:
        return f"**misses the goal** at its worst ({run.max / 1000:.1f} s)"
    return f"**misses the goal** ({run.p50 / 1000:.1f} s)"


def section(bench: ReportsBench) -> str:
    rows = "\n".join(
        f"| `{r.slug}` | {r.who} | {r.window} | {r.rows:,} | {r.sql_ms:,.0f} | "
        f"**{r.p50:,.0f}** / {r.max:,.0f} "
        f"| {_verdict(r)} |"
        for r in bench.runs
    )
    exports = "\n".join(
        f"| `{e.slug}` {e.fmt.upper()} | {e.rows:,} | {e.bytes / 1e6:,.1f} MB | {e.seconds:,.1f} s | "
        f"{e.rows / e.seconds if e.seconds else 0:,.0f} rows/s | "
        f"**{e.peak_mb:,.0f} MB** (at start {e.base_mb:,.0f} MB) | "
        f"{e.http or '-'} | "
        + (f"**fails**: {e.error}" if e.error else ("meets the goal" if e.ok else "**misses the goal**"))
        + " |"
        for e in bench.exports
    )
    slow = [r for r in bench.runs if not r.ok]
    pages_ok = sum(1 for r in bench.runs if r.ok)
    verdict = (
        f"**Every page meets the goal** ({pages_ok} of {len(bench.runs)} measured under {PAGE_GOAL} at their "
        "worst)."
        if not slow
        else f"**{len(slow)} of {len(bench.runs)} measured pages miss the goal**: "
        + ", ".join(f"`{r.slug}` ({r.who}, {r.window})" for r in slow)
        + ". Their plans are below."
    )
    export_verdict = (
        "**The export goal is met**: the largest export streams with a flat memory profile."
        if bench.exports and all(e.ok for e in bench.exports)
        else "**The export goal is not met** (see the table)."
    )
    plans = "\n".join(
        f"\n### `{r.slug}` ({r.who}, {r.window}): the page's statement, `EXPLAIN ANALYZE`\n\n"
        f"```\n{r.plan}\n```"
        for r in slow
        if r.plan
    )
    data = ", ".join(f"{v:,} {k}" for k, v in bench.data.items())
    return f"""
{SECTION}

Every registered report at `seed_demo --scale` size (about {data}; planner estimates), measured by
`python -m tools.bench --only reports` (part of `make bench`). Goal: **every report page answers in under
{PAGE_GOAL}**, and **the largest export streams with a peak memory under 200 MB**.

- **Raw SQL**: `SELECT count(*) FROM (<the report's query>)` with the page's default filters, in process,
  best of 3 (ms): the aggregation the page cannot avoid.
- **Page**: `GET /reports/<slug>/` through {bench.server}, with a logged-in session, default filters
  (first page, sort, totals row, chart, figures, HTML); p50 / max over the timed requests after one warm-up
  request (ms).
- **HQ** is an HQ manager (every location); **store** the manager of `{bench.store_code}`, the benchmark store
  with the most orders ({bench.store_locations} location). The channel reports are also measured over one
  year (365 days ending today).

| report | who | period | rows | raw SQL ms | page p50 / max ms | verdict |
|---|---|---|---:|---:|---:|---|
{rows}

{verdict}

### The largest export

`{EXPORT_SLUG}` over every location (HQ, no filter), generated by `omni.reports.exports.csv_chunks` /
`xlsx_chunks` in a child process (Django set up, the server-side cursor fetching 2,000 rows at a time),
every chunk consumed; peak memory is the child's high-water mark of resident memory (`VmHWM`). The
"export URL" column is what `GET /reports/{EXPORT_SLUG}/export?format=...` answers for the same request.

| export | rows | size | time | rate | peak memory | export URL | verdict |
|---|---:|---:|---:|---:|---:|---|---|
{exports}

{export_verdict}
{plans}
"""  # noqa: S608 - Markdown that quotes SQL


def login_session(username: str) -> tuple[str, str]:
    """(cookie name, session key) of a session logged in as `username`, made on the server as the login
    view makes it (the production settings' Secure cookies do not travel over the bench's plain HTTP)."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from omni.models import User

    user = User.objects.get(username=username)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return settings.SESSION_COOKIE_NAME, store.session_key or ""


def http_fetcher(base_url: str, username: str) -> Fetch:
    """A Fetch over HTTP as `username` (a logged-in session's cookie), keeping its connection alive."""
    import requests

    session = requests.Session()
    name, key = login_session(username)
    session.cookies.set(name, key)
    status = session.get(base_url + "/reports/", allow_redirects=False, timeout=60).status_code
    if status != 200:
        raise RuntimeError(f"{username} does not reach the reports: HTTP {status}")

    def fetch(path: str, body: bool = True) -> tuple[int, float]:
        t0 = time.perf_counter()
        with session.get(base_url + path, allow_redirects=False, timeout=600, stream=True) as response:
            if body:
                for _chunk in response.iter_content(65536):  # the whole body, as a browser reads it
                    pass
            return response.status_code, (time.perf_counter() - t0) * 1000

    return fetch


def client_fetcher(username: str) -> Fetch:
    """A Fetch through Django's test client, in process (the tests)."""
    from django.test import Client

    from omni.models import User

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username=username))

    def fetch(path: str, body: bool = True) -> tuple[int, float]:
        t0 = time.perf_counter()
        response = client.get(path)
        if body and getattr(response, "streaming", False):
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
        return response.status_code, (time.perf_counter() - t0) * 1000

    return fetch
