"""`make bench` (`python -m tools.bench`, from the project folder): at `seed_demo --scale` size, through a
real multi-process server, (1) the availability endpoint for one SKU across every location, (2) order
placement throughput beside a raw-SQL baseline (tools/bench/stock.py, placement.py) and (3) every managers'
report page beside its raw SQL aggregate, and the largest export's memory (tools/bench/report_pages.py).
Writes docs/PERFORMANCE.md; `--only reports` runs (3) alone and rewrites only its section.

It works in its own database on the same PostgreSQL server (`<name>_bench`, or OMNI_BENCH_DATABASE), so the
development data stays as it is; the first run builds the data (minutes), later runs reuse it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import django
import psycopg

from tools.bench.server import ROOT, BenchError, log, start_server

OPTIONS = (
    "skus",
    "locations",
    "requests",
    "concurrency",
    "seconds",
    "output",
    "only",
    "orders",
    "movements",
    "page_requests",
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tools.bench",
        description="Benchmark stock availability at retail scale and write docs/PERFORMANCE.md.",
    )
    p.add_argument("--skus", type=int, default=20_000)
    p.add_argument("--locations", type=int, default=200)
    p.add_argument("--requests", type=int, default=500, help="timed requests (sequential)")
    p.add_argument("--concurrency", type=int, default=4, help="clients in the concurrent run")
    p.add_argument("--seconds", type=float, default=20.0, help="length of each placement run")
    p.add_argument("--output", default=str(ROOT / "docs" / "PERFORMANCE.md"))
    p.add_argument(
        "--only",
        choices=["all", "stock", "reports"],
        default="all",
        help="stock: availability and placement; reports: the managers' reports (default: all)",
    )
    p.add_argument("--orders", type=int, default=500_000, help="orders of history in the data")
    p.add_argument("--movements", type=int, default=2_000_000, help="stock movements of history")
    p.add_argument("--page-requests", type=int, default=5, help="timed requests per report page")
    p.add_argument("--in-bench-db", action="store_true", help="internal: already in the bench database")
    return p


def main(argv: list[str] | None = None) -> int:
    opts = vars(parser().parse_args(argv))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omni.settings")
    django.setup()
    try:
        if opts["in_bench_db"]:
            run(opts)
        else:
            reexec_in_bench_database(opts)
    except BenchError as error:
        log(f"BenchError: {error}")
        return 1
    return 0


# -- step 1: a database of its own ------------------------------------------------------------------
def reexec_in_bench_database(opts: dict[str, Any]) -> None:
    from django.db import connection

    from omni.dburl import url_for

    params = connection.settings_dict
    name = os.environ.get("OMNI_BENCH_DATABASE") or f"{params['NAME']}_bench"
    admin_url = url_for(params, name="postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            log(f"Creating the benchmark database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    env = dict(os.environ, DATABASE_URL=url_for(params, name=name), DB_CONN_MAX_AGE="60")
    env["DJANGO_DEBUG"] = "0"  # the outer process runs with DEBUG for its settings; measure without
    env.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
    env.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
    env["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    # Side effects are queued, as in production with a worker, not run inside the request: an
    # in-memory broker takes them (nothing consumes them; the benchmark measures the requests).
    env["CELERY_BROKER_URL"] = "memory://"
    env["CELERY_RESULT_BACKEND"] = "cache+memory://"
    argv = [sys.executable, "-m", "tools.bench", "--in-bench-db"]
    for key in OPTIONS:
        argv += [f"--{key.replace('_', '-')}", str(opts[key])]
    result = subprocess.run(argv, env=env, cwd=ROOT)  # noqa: S603 (our own benchmark)
    if result.returncode:
        raise BenchError(f"the benchmark failed (exit {result.returncode})")


# -- step 2: data, then the parts -------------------------------------------------------------------
def run(opts: dict[str, Any]) -> None:
    from django.core.management import call_command

    from tools.bench import stock

    call_command("migrate", verbosity=0)
    log("Benchmark data (built on the first run, minutes; then checked in seconds)...")
    started = time.monotonic()
    call_command(
        "seed_demo",
        scale=True,
        force=True,  # its own benchmark database (DJANGO_DEBUG is off there, to measure)
        skus=opts["skus"],
        locations=opts["locations"],
        orders=opts["orders"],
        movements=opts["movements"],
    )
    log(f"  ready in {time.monotonic() - started:.0f} s")
    if opts["only"] in ("all", "stock"):
        stock.run(opts)
    if opts["only"] in ("all", "reports"):
        run_reports(opts)


def run_reports(opts: dict[str, Any]) -> None:
    from tools.bench import report_pages as br

    store_id, store_code = br.busiest_store()
    br.ensure_managers(store_id)
    workers = 2 * (os.cpu_count() or 1) + 1
    server, url = start_server(workers)
    try:
        hq = br.http_fetcher(url, br.HQ_USERNAME)
        store = br.http_fetcher(url, br.STORE_USERNAME)
        log("Managers' reports: raw SQL and pages (HQ and a store manager)...")
        runs = br.run_reports(hq, store, store_id=store_id, requests=opts["page_requests"], log=log)
        exports = []
        for fmt in ("csv", "xlsx"):
            log(f"Export of {br.EXPORT_SLUG} over every location as {fmt.upper()}...")
            export = br.run_export_child(br.EXPORT_SLUG, fmt)
            export.http = br.export_http_answer(hq, br.EXPORT_SLUG, fmt)
            log(
                f"  {export.rows:,} rows, {export.bytes / 1e6:.1f} MB in {export.seconds:.1f} s, "
                f"peak {export.peak_mb:.0f} MB {export.error}"
            )
            exports.append(export)
    finally:
        server.terminate()
        server.wait(timeout=10)
    bench = br.ReportsBench(
        runs=runs,
        exports=exports,
        store_code=store_code,
        store_locations=1,
        data=br.data_sizes(),
        server=f"gunicorn ({workers} sync workers, `DJANGO_DEBUG=0`)",
    )
    br.write_section(Path(opts["output"]), bench)
    slow = [r for r in runs if not r.ok]
    print(
        f"reports: {len(runs) - len(slow)} of {len(runs)} pages under 2 s; "
        + "; ".join(f"export {e.fmt} peak {e.peak_mb:.0f} MB" for e in exports)
        + f". Written to {opts['output']}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
