"""`make bench` (`python -m tools.bench`, from the project folder): at `seed_demo --scale` size, through a
real multi-process server, (1) the availability endpoint for one SKU across every location, (2) order
placement beside a raw-SQL baseline for 1, 3, 10 and 50 lines, with and without a broker, with what each
order costs in CPU (gunicorn workers, PostgreSQL), statements and commits (tools/bench/stock.py, placement.py,
cost.py) and (3) every managers' report page beside its raw SQL aggregate, and the largest export's memory
(tools/bench/report_pages.py), (4) carts and segments at a million customers (tools/bench/customers.py) and
(5) the feedback reports at a million answers (tools/bench/feedback.py).
`--only stock`, `--only reports`, `--only customers` or `--only feedback` runs one part.

The figures go to `.omni/bench/<timestamp>.md` and `.json`, and `latest.md` / `latest.json` beside them
(tools/bench/report.py); the path is printed at the end. docs/PERFORMANCE.md is written by hand.

It works in its own database on the same PostgreSQL server (`<name>_bench`, or OMNI_BENCH_DATABASE), so the
development data stays as it is; the first run builds the data (minutes), later runs reuse it."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import django
import psycopg

from tools.bench.server import ROOT, BenchError, log, start_server, stop

OPTIONS = (
    "skus",
    "locations",
    "requests",
    "concurrency",
    "seconds",
    "output_dir",
    "output",
    "only",
    "orders",
    "movements",
    "page_requests",
    "lines",
    "clients",
    "pool",
    "workers",
    "customers",
    "carts",
    "responses",
)
FLAGS = ("no_broker", "profile")
APPLICATION = f"omni-bench-{os.getpid()}"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tools.bench",
        allow_abbrev=False,
        description="Benchmark availability, order placement and the reports at retail scale; write the "
        "figures to .omni/bench/.",
    )
    p.add_argument("--skus", type=int, default=20_000)
    p.add_argument("--locations", type=int, default=200)
    p.add_argument("--requests", type=int, default=500, help="timed availability requests (sequential)")
    p.add_argument("--concurrency", type=int, default=4, help="clients in the concurrent availability run")
    p.add_argument("--seconds", type=float, default=20.0, help="length of each placement run")
    p.add_argument("--lines", default="1,3,10,50", help="lines per order, one row each (default 1,3,10,50)")
    p.add_argument(
        "--clients", default="1,8", help="placement clients for 3-line orders; the others use the most"
    )
    p.add_argument("--pool", type=int, default=5000, help="SKUs the orders draw from")
    p.add_argument("--workers", type=int, default=0, help="gunicorn workers (default 2 x cores + 1)")
    p.add_argument("--no-broker", action="store_true", help="skip the runs with a Redis broker")
    p.add_argument("--profile", action="store_true", help="also profile a placement in process (cProfile)")
    p.add_argument("--output-dir", default=str(ROOT / ".omni" / "bench"), help="where the figures go")
    p.add_argument("--output", default="", help="also copy the Markdown write-up to this file")
    p.add_argument(
        "--only",
        choices=["all", "stock", "reports", "customers", "feedback"],
        default="all",
        help="stock: availability and placement; reports: the managers' reports; customers: carts and "
        "segments at a million customers; feedback: the feedback reports at a million answers (default: all)",
    )
    p.add_argument("--orders", type=int, default=500_000, help="orders of history in the data")
    p.add_argument("--movements", type=int, default=2_000_000, help="stock movements of history")
    p.add_argument("--page-requests", type=int, default=5, help="timed requests per report page")
    p.add_argument("--customers", type=int, default=1_000_000, help="loyalty customers (members) in the data")
    p.add_argument("--carts", type=int, default=1_000_000, help="carts (with lines) in the data")
    p.add_argument("--responses", type=int, default=1_000_000, help="feedback answers in the data")
    p.add_argument("--in-bench-db", action="store_true", help="internal: already in the bench database")
    return p


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    opts = vars(parser().parse_args(args))
    opts["argv"] = [a for a in args if a != "--in-bench-db"]
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
    # Persistent connections for the whole run: a backend that exits takes its CPU counters with it.
    # Its own application_name: the PostgreSQL CPU of its connections is told from anyone else's.
    bench_params = {**params, "OPTIONS": {**params.get("OPTIONS", {}), "application_name": APPLICATION}}
    env = dict(os.environ, DATABASE_URL=url_for(bench_params, name=name), DB_CONN_MAX_AGE="3600")
    env["DJANGO_DEBUG"] = "0"  # the outer process runs with DEBUG for its settings; measure without
    env.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
    env.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
    env["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    # No broker here: each server of the placement runs gets its own (none, or the Redis it starts).
    env.pop("CELERY_BROKER_URL", None)
    env.pop("CELERY_RESULT_BACKEND", None)
    argv = [sys.executable, "-m", "tools.bench", "--in-bench-db"]
    for key in OPTIONS:
        if opts[key] != "":
            argv += [f"--{key.replace('_', '-')}", str(opts[key])]
    argv += [f"--{key.replace('_', '-')}" for key in FLAGS if opts[key]]
    result = subprocess.run(argv, env=env, cwd=ROOT)  # noqa: S603 (our own benchmark)
    if result.returncode:
        raise BenchError(f"the benchmark failed (exit {result.returncode})")


# -- step 2: data, then the parts -------------------------------------------------------------------
def run(opts: dict[str, Any]) -> None:
    from django.core.management import call_command

    from tools.bench import report, stock

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
    sections: list[str] = []
    data: dict[str, Any] = {}
    summary: list[str] = []
    if opts["only"] in ("all", "stock"):
        result = stock.run(opts)
        sections.append(report.stock_markdown(result))
        data["stock"] = report.stock_data(result)
        summary += report.verdict_lines(report.checks(result))
    if opts["only"] in ("all", "reports"):
        text, figures, line = run_reports(opts)
        sections.append(text)
        data["reports"] = figures
        summary.append(line)
    if opts["only"] in ("all", "customers"):
        from tools.bench import customers

        result_c = customers.run(opts)
        sections.append(customers.section(result_c))
        data["customers"] = customers.figures(result_c)
        summary.append(customers.summary(result_c))
    if opts["only"] in ("all", "feedback"):
        from tools.bench import feedback

        result_f = feedback.run(opts)
        sections.append(feedback.section(result_f))
        data["feedback"] = feedback.figures(result_f)
        summary.append(feedback.summary(result_f))
    path = report.write(Path(opts["output_dir"]), sections=sections, data=data, argv=opts["argv"])
    if opts["output"]:
        copy = shutil.copy(path, opts["output"])  # a file, or into a folder
        print(f"Copied to {copy}", flush=True)
    for line in summary:
        print(line, flush=True)
    print(f"Written to {path} (and latest.md, latest.json beside it)", flush=True)


def run_reports(opts: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
    """The managers' reports part: its Markdown section, its figures and a one-line summary."""
    from dataclasses import asdict

    from tools.bench import report_pages as br

    store_id, store_code = br.busiest_store()
    br.ensure_managers(store_id)
    workers = opts["workers"] or 2 * (os.cpu_count() or 1) + 1
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
        stop(server)
    bench = br.ReportsBench(
        runs=runs,
        exports=exports,
        store_code=store_code,
        store_locations=1,
        data=br.data_sizes(),
        server=f"gunicorn ({workers} sync workers, `DJANGO_DEBUG=0`)",
    )
    slow = [r for r in runs if not r.ok]
    line = f"reports: {len(runs) - len(slow)} of {len(runs)} pages under {br.PAGE_GOAL}; " + "; ".join(
        f"export {e.fmt} peak {e.peak_mb:.0f} MB" for e in exports
    )
    figures = {
        "pages": [{**asdict(r), "p50": r.p50, "max": r.max, "ok": r.ok} for r in runs],
        "exports": [{**asdict(e), "ok": e.ok} for e in exports],
        "data": bench.data,
    }
    return br.section(bench), figures, line


if __name__ == "__main__":
    sys.exit(main())
