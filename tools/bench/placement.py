"""Order placement at scale, for `make bench`: 3-line delivery orders through the API (gunicorn) at several
concurrencies, beside a raw-SQL baseline doing the least writes the same order needs, and an in-process
profile of where a placement's time goes."""

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

LINES = 3
CITIES = [(45.4642, 9.19), (41.9028, 12.4964), (40.8518, 14.2681), (45.0703, 7.6869), (43.7696, 11.2558)]


@dataclass
class Run:
    label: str
    concurrency: int
    seconds: float
    statuses: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

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


def _basket(rng: random.Random, skus: list[str]) -> list[str]:
    return rng.sample(skus, LINES)


def _run_threads(
    concurrency: int, seconds: float, work: Callable[[int, float], tuple[Counter, list[float]]]
) -> tuple[Counter, list[float], float]:
    statuses: Counter = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    errors: list[Exception] = []

    def worker(n: int) -> None:
        try:
            s, lat = work(n, deadline)
        except Exception as exc:  # noqa: BLE001 (a broken client fails the run, not just its thread)
            with lock:
                errors.append(exc)
            return
        with lock:
            statuses.update(s)
            latencies.extend(lat)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} of {concurrency} benchmark clients failed") from errors[0]
    return statuses, latencies, time.perf_counter() - started


def http_run(url: str, token: str, skus: list[str], *, concurrency: int, seconds: float) -> Run:
    import requests

    def work(n: int, deadline: float) -> tuple[Counter, list[float]]:
        rng = random.Random(1000 + n + concurrency * 100)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        statuses: Counter = Counter()
        latencies: list[float] = []
        while time.perf_counter() < deadline:
            lat, lng = rng.choice(CITIES)
            body: dict[str, Any] = {
                "channel": "web",
                "customer": {
                    "email": f"bench{n}@example.it",
                    "first_name": "Bench",
                    "last_name": f"Client {n}",
                },
                "lines": [{"sku": sku, "quantity": 1} for sku in _basket(rng, skus)],
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
            t0 = time.perf_counter()
            response = session.post(url + "/api/v1/orders/", json=body, timeout=60)
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[response.status_code] += 1
        return statuses, latencies

    statuses, latencies, wall = _run_threads(concurrency, seconds, work)
    return Run("API", concurrency, wall, statuses, latencies)


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


def raw_sql_run(dsn: str, skus: list[str], *, concurrency: int, seconds: float) -> Run:
    """The least the same order needs, by hand: per line a conditional reserve (UPDATE ... WHERE there is
    enough), then the order row, its lines and its reservations; one transaction per order."""
    with psycopg.connect(dsn) as conn:
        variants: dict[str, int] = dict(
            conn.execute("SELECT sku, id FROM inventory_variant WHERE sku = ANY(%s)", [skus]).fetchall()
        )
        shipping = [
            row[0] for row in conn.execute("SELECT id FROM stores_location WHERE ships AND active").fetchall()
        ]

    def work(n: int, deadline: float) -> tuple[Counter, list[float]]:
        rng = random.Random(5000 + n + concurrency * 100)
        statuses: Counter = Counter()
        latencies: list[float] = []
        with psycopg.connect(dsn) as conn:
            while time.perf_counter() < deadline:
                basket = [(sku, variants[sku], rng.choice(shipping)) for sku in _basket(rng, skus)]
                t0 = time.perf_counter()
                try:
                    _raw_order(conn, n, basket)
                    statuses[201] += 1
                except LookupError:
                    statuses[409] += 1
                latencies.append((time.perf_counter() - t0) * 1000)
        return statuses, latencies

    statuses, latencies, wall = _run_threads(concurrency, seconds, work)
    return Run("raw SQL", concurrency, wall, statuses, latencies)


@dataclass
class Profile:
    orders: int
    mean_ms: float
    db_ms: float
    queries: float
    top: str
    ours: str = ""


def profile_service(skus: list[str], *, orders: int = 150) -> Profile:
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
            lines=[LineInput(sku, 1) for sku in _basket(rng, skus)],
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
    lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.strip().startswith("ncalls")), 0)
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
        top="\n".join(lines[start : start + 13]),
        ours="\n".join(
            ln.replace(str(settings.BASE_DIR) + "/", "") for ln in own[own_start : own_start + 16]
        ),
    )
