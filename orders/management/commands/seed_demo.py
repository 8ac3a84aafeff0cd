"""seed_demo: the demo network `make run` starts with; --scale: benchmark-size stock."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from orders.demo.data import DEMO_PASSWORD
from orders.demo.seed import BENCH_PREFIX, seed_benchmark, seed_demo_network


class Command(BaseCommand):
    help = (
        "Seed the demo network: 2 warehouses and 17 stores in Italian cities, a fashion and sport catalog "
        "(~370 products, ~2,600 SKUs with EAN-13s), staff (password omni-demo), demo API tokens and stock "
        "through the ledger. Does nothing when any location exists. "
        "With --scale, adds benchmark data instead: --skus SKUs x --locations stores "
        f"(codes {BENCH_PREFIX}*), each pair with a stock level and its receipt, inserted by PostgreSQL "
        "in batches. --scale works alone or on top of the demo network (run seed_demo first to have "
        "both); it is resumable and does nothing once every benchmark location has stock."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", action="store_true", help="Load benchmark-size data instead.")
        parser.add_argument("--skus", type=int, default=20_000, help="With --scale: SKUs (default 20000).")
        parser.add_argument(
            "--locations", type=int, default=200, help="With --scale: locations (default 200)."
        )

    def handle(self, *args: Any, scale: bool, skus: int, locations: int, **options: Any) -> None:
        started = time.monotonic()
        if scale:
            if skus < 1 or locations < 1:
                self.stderr.write("--skus and --locations are at least 1.")
                return
            result = seed_benchmark(skus=skus, locations=locations, progress=self._progress(started))
            if not result.created:
                self.stdout.write(
                    f"Benchmark data already loaded ({BENCH_PREFIX}* locations): nothing to do."
                )
                return
            self.stderr.write("")
        else:
            result = seed_demo_network()
            if not result.created:
                self.stdout.write("Locations already exist: already seeded, nothing to do.")
                return
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Seeded in {elapsed:.1f}s:"))
        for name, count in result.counts.items():
            self.stdout.write(f"  {name:<16} {count:>10,}")
        if not scale:
            self.stdout.write(f"Staff password: {DEMO_PASSWORD}  (see `manage.py demo_credentials`)")

    def _progress(self, started: float):  # type: ignore[no-untyped-def]
        def show(done: int, total: int) -> None:
            share = done / total if total else 1.0
            bar = "#" * int(share * 30)
            elapsed = time.monotonic() - started
            self.stderr.write(
                f"\r[{bar:<30}] {share:6.1%}  {done:,}/{total:,} stock levels  {elapsed:.0f}s",
                ending="",
                style_func=str,
            )
            self.stderr.flush()

        return show
