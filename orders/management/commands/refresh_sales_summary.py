"""`python manage.py refresh_sales_summary [--rebuild]`: bring the daily sales summary behind the "sales by
channel" report up to date. Without options, the days changed since its last refresh (what the beat task and
the report do); with --rebuild, every day from the orders and returns (after bulk imports, the demo seeder,
SQL by hand, deleted orders or products moved to another category or brand)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from orders.services.sales_summary import refresh_sales_summary


class Command(BaseCommand):
    help = "Bring the daily sales summary up to date (--rebuild: rebuild every day from the orders)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Rebuild every day from the orders and returns, not only the days changed since the "
            "last refresh.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        done = refresh_sales_summary(rebuild=options["rebuild"])
        seconds = time.monotonic() - started
        what = "Rebuilt" if done.rebuilt else "Refreshed"
        self.stdout.write(
            self.style.SUCCESS(
                f"{what} the sales summary: {done.days} day(s), {done.rows} row(s), {seconds:.1f} s."
            )
        )
