"""Order placement at scale, for `make bench`: orders of 1 to 50 lines through the API (gunicorn) beside a
raw-SQL baseline doing the least writes the same order needs, each run measured for what an order costs
(tools/bench/cost.py), and an in-process profile of where a placement's time goes (`--profile`)."""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tools.bench.cost import Cost, CostMeter

LINES = 3
CITIES = [(45.4642, 9.19), (41.9028, 12.4964), (40.8518, 14.2681), (45.0703, 7.6869), (43.7696, 11.2558)]


@dataclass
class Run:
    label: str  # "raw SQL" | "API, no broker" | "API, broker"
    concurrency: int
    seconds: float
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    lines: int = LINES
    client_cpu_ms: float = 0.0  # the clients' own threads
    cost: Cost | None = None

    @property
    def placed(self) -> int:
        return self.statuses.get(201, 0)

    @property
    def rate(self) -> float:
        return self.placed / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p * (len(ordered) - 1) + 0.5))]

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "lines": self.lines,
            "clients": self.concurrency,
            "seconds": self.seconds,
            "orders": self.placed,
            "orders_per_second": self.rate,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "latency_ms": {"p50": self.pct(0.5), "p95": self.pct(0.95), "p99": self.pct(0.99)},
            "cost": self.cost.as_dict() if self.cost else None,
        }


def _basket(rng: random.Random, skus: list[str], lines: int = LINES) -> list[str]:
    return rng.sample(skus, lines)


@dataclass
class Load:
    statuses: Counter
    latencies_ms: list[float]
    wall: float
    client_cpu_ms: float


class Gate:
    """What a client thread is handed. ready(): after setting itself up (a connection, a session), wait for
    every client; returns the deadline for its last request. done(): after its last request, before it
    disconnects, wait for every client (the meters read the processes then, connections still open)."""

    def __init__(self, start: threading.Barrier, end: threading.Barrier, clock: dict[str, float]) -> None:
        self._start, self._end, self._clock = start, end, clock
        self.cpu_ms = 0.0
        self._cpu0: float | None = None

    def ready(self) -> float:
        self._start.wait()
        self._cpu0 = time.thread_time()
        return self._clock["deadline"]

    def done(self) -> None:
        if self._cpu0 is None:
            return
        self.cpu_ms = (time.thread_time() - self._cpu0) * 1000
        self._cpu0 = None
        self._end.wait()

    def abort(self) -> None:
        self._start.abort()
        self._end.abort()


# A client: (its number, its gate) -> (statuses, latencies).
Work = Callable[[int, Gate], tuple[Counter, list[float]]]


def _run_threads(
    concurrency: int,
    seconds: float,
    work: Work,
    *,
    on_start: Callable[[], None] | None = None,
    on_end: Callable[[], None] | None = None,
) -> Load:
    """`concurrency` clients in threads, started together once all are set up (`on_start` runs then, e.g.
    the cost meter's first reading) and sending requests until `seconds` have passed; `on_end` runs when
    the last has sent its last request. Also sums the CPU time of the clients' threads in between."""
    statuses: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    clock: dict[str, float] = {}
    errors: list[BaseException] = []
    cpu_ms: list[float] = []

    def begin() -> None:
        if on_start is not None:
            on_start()
        clock["started"] = time.perf_counter()
        clock["deadline"] = clock["started"] + seconds

    def end() -> None:
        clock["ended"] = time.perf_counter()
        if on_end is not None:
            on_end()

    start_barrier = threading.Barrier(concurrency, action=begin, timeout=300)
    end_barrier = threading.Barrier(concurrency, action=end, timeout=300)

    def worker(n: int) -> None:
        gate = Gate(start_barrier, end_barrier, clock)
        try:
            s, lat = work(n, gate)
            gate.done()  # when the client did not say so itself
        except threading.BrokenBarrierError:
            return  # another client failed
        except Exception as exc:  # noqa: BLE001 (a broken client fails the run, not just its thread)
            with lock:
                errors.append(exc)
            gate.abort()
            return
        with lock:
            statuses.update(s)
            latencies.extend(lat)
            cpu_ms.append(gate.cpu_ms)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} of {concurrency} benchmark clients failed") from errors[0]
    if "ended" not in clock:
        raise RuntimeError("the benchmark clients did not start and end together")
    return Load(statuses, latencies, clock["ended"] - clock["started"], sum(cpu_ms))


def _measured(
    label: str,
    lines: int,
    concurrency: int,
    seconds: float,
    work: Work,
    meter: CostMeter | None,
) -> Run:
    load = _run_threads(
        concurrency,
        seconds,
        work,
        on_start=meter.start if meter else None,
        on_end=meter.end if meter else None,
    )
    run = Run(label, concurrency, load.wall, load.statuses, load.latencies_ms, lines, load.client_cpu_ms)
    if meter is not None:
        run.cost = meter.cost(orders=run.placed, client_cpu_ms=load.client_cpu_ms)
    return run


def order_body(rng: random.Random, skus: list[str], n: int, lines: int) -> dict[str, Any]:
    lat, lng = rng.choice(CITIES)
    return {
        "channel": "web",
        "customer": {"email": f"bench{n}@example.it", "first_name": "Bench", "last_name": f"Client {n}"},
        "lines": [{"sku": sku, "quantity": 1} for sku in _basket(rng, skus, lines)],
        "fulfilment": {
            "type": "delivery",
            "address": {
                "line1": "Via Roma 1",
                "city": "Milano",
                "postcode": "20121",
                "country": "IT",
                "latitude": lat,
                "longitude": lng,
            },
        },
    }


def http_run(
    url: str,
    token: str,
    skus: list[str],
    *,
    concurrency: int,
    seconds: float,
    lines: int = LINES,
    meter: CostMeter | None = None,
    label: str = "API",
) -> Run:
    """Clients posting `lines`-line delivery orders to POST /api/v1/orders/, each sending its next order as
    soon as the last is answered."""
    import requests

    def work(n: int, gate: Gate) -> tuple[Counter, list[float]]:
        rng = random.Random(1000 + n + concurrency * 100 + lines * 10_000 + int(time.time()))
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        statuses: Counter = Counter()
        latencies: list[float] = []
        deadline = gate.ready()
        while time.perf_counter() < deadline:
            body = order_body(rng, skus, n, lines)
            t0 = time.perf_counter()
            response = session.post(url + "/api/v1/orders/", json=body, timeout=60)
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[response.status_code] += 1
        gate.done()
        session.close()
        return statuses, latencies

    return _measured(label, lines, concurrency, seconds, work, meter)


RESERVE_SQL = (
    "UPDATE inventory_stocklevel SET reserved = reserved + 1 WHERE location_id = %s AND variant_id = %s "
    "AND on_hand - reserved - safety_stock >= 1 RETURNING id"
)
ORDER_SQL = (
    "INSERT INTO orders_order (number, channel, status, fulfilment_type, customer_email, "
    "customer_first_name, customer_last_name, customer_phone, allow_transfer, subtotal, discount, total, "
    "vat_total, currency, points_redeemed, cancel_reason, created_at, updated_at, pickup_code, "
    "pickup_failed_attempts) "
    "VALUES (%s, 'web', 'placed', 'delivery', %s, 'Bench', 'Raw', '', false, 30, 0, 30, 5.41, 'EUR', 0, "
    "'', %s, %s, '', 0) RETURNING id"
)
LINE_SQL = (
    "INSERT INTO orders_orderline (order_id, variant_id, sku, name, quantity, unit_price, vat_rate, "
    "promotion_discount, order_discount, line_total, vat_amount, cancelled_quantity, picked_quantity, "
    "short_quantity) "
    "VALUES (%s, %s, %s, 'Bench', 1, 10, 22, 0, 0, 10, 1.80, 0, 0, 0)"
)
RESERVATION_SQL = (
    "INSERT INTO inventory_reservation (owner, location_id, variant_id, quantity, state, created_at) "
    "VALUES (%s, %s, %s, 1, 'active', %s)"
)


def _raw_order(conn: psycopg.Connection, n: int, basket: list[tuple[str, int, int]]) -> None:
    """One order by hand; LookupError (and a rollback) when a line is short."""
    with conn.transaction():
        for _sku, variant_id, location_id in sorted(basket, key=lambda b: (b[2], b[1])):
            if conn.execute(RESERVE_SQL, [location_id, variant_id]).fetchone() is None:
                raise LookupError
        seq = conn.execute("SELECT nextval('orders_order_number_seq')").fetchone()[0]  # type: ignore[index]
        now = timezone.now()
        order_id = conn.execute(ORDER_SQL, [f"R-{seq}", f"raw{n}@example.it", now, now]).fetchone()[0]  # type: ignore[index]
        with conn.cursor() as cur:
            cur.executemany(LINE_SQL, [(order_id, v, sku) for sku, v, _ in basket])
            cur.executemany(RESERVATION_SQL, [(f"order:R-{seq}", loc, v, now) for _, v, loc in basket])


STOCKED_SQL = (
    "SELECT v.sku, s.location_id FROM inventory_stocklevel s JOIN inventory_variant v ON v.id = s.variant_id "
    "WHERE v.sku = ANY(%s) AND s.location_id = ANY(%s) AND s.on_hand - s.reserved - s.safety_stock >= %s"
)


def raw_sql_run(
    dsn: str,
    skus: list[str],
    *,
    concurrency: int,
    seconds: float,
    lines: int = LINES,
    meter: CostMeter | None = None,
) -> Run:
    """The least the same order needs, by hand: per line a conditional reserve (UPDATE ... WHERE there is
    enough), then the order row, its lines and its reservations; one transaction per order, one
    connection per client (opened before the clock starts). It does no sourcing: each line's location is
    drawn from the shipping locations that had a few units of the SKU when the run started."""
    with psycopg.connect(dsn) as conn:
        variants: dict[str, int] = dict(
            conn.execute("SELECT sku, id FROM inventory_variant WHERE sku = ANY(%s)", [skus]).fetchall()
        )
        shipping = [
            row[0] for row in conn.execute("SELECT id FROM stores_location WHERE ships AND active").fetchall()
        ]
        stocked: dict[str, list[int]] = {}
        for sku, location_id in conn.execute(STOCKED_SQL, [skus, shipping, 3]):
            stocked.setdefault(sku, []).append(location_id)
    if not shipping:
        raise RuntimeError("no active location ships: the baseline has nowhere to reserve from")

    def work(n: int, gate: Gate) -> tuple[Counter, list[float]]:
        rng = random.Random(5000 + n + concurrency * 100 + lines * 10_000 + int(time.time()))
        statuses: Counter = Counter()
        latencies: list[float] = []
        with psycopg.connect(dsn) as conn:
            deadline = gate.ready()
            while time.perf_counter() < deadline:
                basket = [
                    (sku, variants[sku], rng.choice(stocked.get(sku) or shipping))
                    for sku in _basket(rng, skus, lines)
                ]
                t0 = time.perf_counter()
                try:
                    _raw_order(conn, n, basket)
                    statuses[201] += 1
                except LookupError:
                    statuses[409] += 1
                latencies.append((time.perf_counter() - t0) * 1000)
            gate.done()  # the meters read the server while this connection is still open
        return statuses, latencies

    return _measured("raw SQL", lines, concurrency, seconds, work, meter)


@dataclass
class Profile:
    orders: int
    mean_ms: float
    db_ms: float
    queries: float
    top: str
    ours: str = ""


def profile_service(skus: list[str], *, orders: int = 150, lines: int = LINES) -> Profile:
    """Place orders in process through the service: time per order, the share spent waiting on
    PostgreSQL, queries per order, and the functions that cost most."""
    from omni.actors import Actor
    from orders.services import CustomerInput, FulfilmentInput, LineInput, place_order

    rng = random.Random(7)
    actor = Actor.system()
    db = {"ms": 0.0, "queries": 0}

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db["ms"] += (time.perf_counter() - t0) * 1000
            db["queries"] += 1

    def one() -> None:
        lat, lng = rng.choice(CITIES)
        place_order(
            actor=actor,
            channel="web",
            customer=CustomerInput(email="profile@example.it", first_name="Pro", last_name="File"),
            lines=[LineInput(sku, 1) for sku in _basket(rng, skus, lines)],
            fulfilment=FulfilmentInput(
                type="delivery",
                address={
                    "line1": "Via Roma 1",
                    "city": "Roma",
                    "postcode": "00100",
                    "country": "IT",
                    "latitude": lat,
                    "longitude": lng,
                },
            ),
        )

    for _ in range(10):  # warm up
        one()
    durations = []
    with connection.execute_wrapper(timer):  # timed without the profiler, which inflates Python time
        db["ms"], db["queries"] = 0.0, 0
        for _ in range(orders):
            t0 = time.perf_counter()
            one()
            durations.append((time.perf_counter() - t0) * 1000)
    profiler = cProfile.Profile()
    for _ in range(max(orders // 3, 1)):  # then where the time goes, with it
        profiler.enable()
        one()
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(12)
    top = [ln for ln in out.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(top) if ln.strip().startswith("ncalls")), 0)
    ours = io.StringIO()
    pstats.Stats(profiler, stream=ours).sort_stats("cumtime").print_stats(
        r"/(orders|inventory|loyalty|omni|stores)/[a-z_/]+\.py", 15
    )
    own = [ln for ln in ours.getvalue().splitlines() if ln.strip()]
    own_start = next((i for i, ln in enumerate(own) if ln.strip().startswith("ncalls")), 0)
    return Profile(
        orders=orders,
        mean_ms=statistics.fmean(durations),
        db_ms=db["ms"] / orders,
        queries=db["queries"] / orders,
        top="\n".join(top[start : start + 13]),
        ours="\n".join(
            ln.replace(str(settings.BASE_DIR) + "/", "") for ln in own[own_start : own_start + 16]
        ),
    )
