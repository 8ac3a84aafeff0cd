"""`make bench`, the stock part: at `seed_demo --scale` size, through gunicorn, (1) the availability endpoint
for one SKU across every location (latency, sequential and concurrent, and its one query's plan), then
(2) order placement through the API, without a broker (tasks run in the request) and with one (a Redis the
benchmark starts; tasks are only published), beside a raw-SQL baseline, for 1, 3, 10 and 50 lines, each run
measured for what an order costs (tools/bench/placement.py, cost.py). tools/bench/report.py writes it up."""

from __future__ import annotations

import os
import platform
import random
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from omni.dburl import url_for
from tools.bench import cost
from tools.bench import placement as bench
from tools.bench.cost import CostMeter, PgServer, gunicorn_tree
from tools.bench.server import BenchError, log, start_redis, start_server, stop

NEAR = (45.4642, 9.1900)  # Milano Duomo
NO_BROKER, BROKER = "API, no broker", "API, broker"
WARM_UP_SECONDS = 3.0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class StockBench:
    data: dict[str, int]
    availability: dict[str, Any]
    runs: list[bench.Run] = field(default_factory=list)
    configs: list[tuple[int, int]] = field(default_factory=list)  # (lines, clients)
    pool: int = 0
    workers: int = 0
    seconds: float = 0.0
    pg_version: str = ""
    statements_note: str = ""
    cpu_note: str = ""
    broker_note: str = ""
    profile: bench.Profile | None = None
    machine: str = ""

    def run(self, label: str, lines: int, clients: int) -> bench.Run | None:
        return next(
            (r for r in self.runs if r.label == label and r.lines == lines and r.concurrency == clients), None
        )


def configs(opts: dict[str, Any]) -> list[tuple[int, int]]:
    """(lines, clients) of each placement row: every client count for 3 lines, the most for the others."""
    lines = [int(x) for x in str(opts["lines"]).split(",") if x.strip()]
    clients = [int(x) for x in str(opts["clients"]).split(",") if x.strip()]
    most = max(clients)
    return [(n, c) for n in lines for c in (clients if n == 3 else [most])]


def run(opts: dict[str, Any]) -> StockBench:
    from inventory.models import StockLevel, Variant
    from omni.services import create_api_client
    from stores.models import Location

    skus = list(Variant.objects.filter(stock_levels__isnull=False).distinct().values_list("sku", flat=True))
    if not skus:
        raise BenchError("no SKU has stock: seed the benchmark data first")
    rng = random.Random(42)
    sample = rng.choices(skus, k=opts["requests"] + 50)  # the availability requests' SKUs
    pool = rng.sample(skus, min(len(skus), opts["pool"]))
    result = StockBench(
        data={
            "stock levels": StockLevel.objects.count(),
            "SKUs with stock": len(skus),
            "locations": Location.objects.count(),
        },
        availability=_selector(sample[0]),
        configs=configs(opts),
        pool=len(pool),
        workers=opts["workers"] or 2 * (os.cpu_count() or 1) + 1,
        seconds=opts["seconds"],
        machine=f"{os.cpu_count()} CPU cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}",
    )
    if max(n for n, _ in result.configs) > len(pool):
        raise BenchError(f"{len(pool)} SKUs cannot fill a {max(n for n, _ in result.configs)}-line order")

    _client, token = create_api_client(name=f"bench-{int(time.time())}", role="integration")
    dsn = url_for(connection.settings_dict)
    pg = PgServer(dsn)
    result.pg_version, result.statements_note, result.cpu_note = pg.version, pg.statements_note, pg.cpu_note
    started: list[Any] = []
    try:
        plain, plain_url = start_server(
            result.workers, {"CELERY_BROKER_URL": None, "CELERY_RESULT_BACKEND": None}
        )
        started.append(plain)
        servers = {NO_BROKER: (plain, plain_url)}
        redis = None if opts["no_broker"] else start_redis()
        if redis is None:
            result.broker_note = (
                "skipped (--no-broker)" if opts["no_broker"] else "skipped: redis-server is not on PATH"
            )
        else:
            started.append(redis[0])
            broker = start_server(
                result.workers, {"CELERY_BROKER_URL": redis[1], "CELERY_RESULT_BACKEND": None}
            )
            started.append(broker[0])
            servers[BROKER] = broker

        log(f"Availability: {opts['requests']} sequential requests, then {opts['concurrency']} clients...")
        result.availability.update(_availability(plain_url, token, sample, opts))

        for label, (_process, url) in servers.items():
            warm_up = opts.get("warm_up", WARM_UP_SECONDS)
            log(f"Warming up {label} ({warm_up:.0f} s)...")
            bench.http_run(url, token, pool, concurrency=max(c for _, c in result.configs), seconds=warm_up)
        time.sleep(cost.STATS_SETTLE_SECONDS)  # the warm-up's commits are reported before the first run
        for lines, clients in result.configs:
            log(f"Placement, {lines} lines, {clients} clients, {opts['seconds']:.0f} s per run: raw SQL, API")
            meter = CostMeter(pg)
            raw = bench.raw_sql_run(
                dsn, pool, concurrency=clients, seconds=opts["seconds"], lines=lines, meter=meter
            )
            result.runs.append(raw)
            log("  " + _summary(raw))
            for label, (process, url) in servers.items():
                meter = CostMeter(
                    pg,
                    app=gunicorn_tree(process.pid),
                    redis_pid=redis[0].pid if redis and label == BROKER else None,
                )
                api = bench.http_run(
                    url, token, pool, concurrency=clients, seconds=opts["seconds"], lines=lines, meter=meter
                )
                api.label = label
                result.runs.append(api)
                log("  " + _summary(api))
    finally:
        for process in reversed(started):
            stop(process)
    if opts["profile"]:
        log("Profiling a placement in process (cProfile)...")
        result.profile = bench.profile_service(pool)
    return result


def _summary(run: bench.Run) -> str:
    text = f"{run.label}: {run.rate:.1f} orders/s {dict(run.statuses)}"
    cost = run.cost
    if cost is not None:
        app, pg = cost.per_order(cost.app_cpu_ms), cost.per_order(cost.pg_cpu_ms)
        stmts = cost.per_order(cost.statements)
        text += f"; CPU/order app {_f(app)} ms, PostgreSQL {_f(pg)} ms; statements/order {_f(stmts)}"
    return text


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _selector(sku: str) -> dict[str, Any]:
    """The availability selector in process: its query count and the plan of its one query."""
    from inventory import selectors
    from inventory.models import Variant

    variant = Variant.objects.get(sku=sku)
    with CaptureQueriesContext(connection) as ctx:
        answer = selectors.availability(variant=variant, near=NEAR)
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + ctx.captured_queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cur.fetchall())
    return {
        "selector_queries": len(ctx.captured_queries),
        "answer_locations": len(answer.locations),
        "plan": plan,
    }


def _availability(url: str, token: str, sample: list[str], opts: dict[str, Any]) -> dict[str, Any]:
    """GET /api/v1/skus/{sku}/availability/ for random SKUs: sequential, then `concurrency` clients."""
    import requests

    endpoint = url + "/api/v1/skus/{sku}/availability/?near=" + f"{NEAR[0]},{NEAR[1]}"

    def session() -> requests.Session:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {token}"
        return s

    def hit(s: requests.Session, sku: str) -> float:
        t0 = time.perf_counter()
        r = s.get(endpoint.format(sku=sku), timeout=30)
        elapsed = (time.perf_counter() - t0) * 1000
        if r.status_code != 200:
            raise BenchError(f"{r.status_code} for {sku}: {r.text[:300]}")
        return elapsed

    main = session()
    first = main.get(endpoint.format(sku=sample[0]), timeout=30).json()
    for sku in sample[:50]:  # warm every worker's connection and caches
        hit(main, sku)
    timed = [hit(main, sku) for sku in sample[50 : 50 + opts["requests"]]]

    concurrent: list[float] = []
    lock = threading.Lock()

    def client(skus_for_client: list[str]) -> None:
        s = session()
        mine = [hit(s, sku) for sku in skus_for_client]
        with lock:
            concurrent.extend(mine)

    chunks = [sample[50:][i :: opts["concurrency"]] for i in range(opts["concurrency"])]
    threads = [threading.Thread(target=client, args=(c,)) for c in chunks]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {
        "api_locations": len(first["locations"]),
        "n": len(timed),
        "p50": percentile(timed, 0.50),
        "p95": percentile(timed, 0.95),
        "p99": percentile(timed, 0.99),
        "max": max(timed, default=0.0),
        "mean": statistics.fmean(timed) if timed else 0.0,
        "concurrency": opts["concurrency"],
        "c_n": len(concurrent),
        "c_p50": percentile(concurrent, 0.50),
        "c_p95": percentile(concurrent, 0.95),
        "c_p99": percentile(concurrent, 0.99),
        "c_rps": len(concurrent) / wall if wall else 0.0,
    }
