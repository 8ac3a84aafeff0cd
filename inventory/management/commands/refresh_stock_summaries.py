"""`python manage.py refresh_stock_summaries [--rebuild] [--check]`: the stock summaries behind the stock
position, exceptions and ageing summary reports. Without options, fold the deltas appended since the last
fold (what the beat task and the reports do); --rebuild adds up every stock level again (after TRUNCATE,
triggers disabled, or a change of TIME_ZONE; stock writes wait meanwhile); --check compares the summaries
with the stock levels and exits 1 on any difference."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.services.stock_summary import (
    fold_stock_summaries,
    rebuild_stock_summaries,
    stock_summary_drift,
)


class Command(BaseCommand):
    help = "Fold the stock summaries' deltas (--rebuild: add up every stock level again; --check: compare)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="Add up every stock level again.")
        parser.add_argument(
            "--check", action="store_true", help="Compare with the stock levels; exit 1 on any difference."
        )

    def handle(self, *args: Any, rebuild: bool, check: bool, **options: Any) -> None:
        started = time.monotonic()
        if rebuild:
            rows = rebuild_stock_summaries()
            done = f"Rebuilt the stock summaries: {rows} row(s)"
        else:
            folded = fold_stock_summaries(wait=True)
            done = f"Folded the stock summaries' deltas into {folded.rows} row(s)"
        self.stdout.write(self.style.SUCCESS(f"{done}, {time.monotonic() - started:.1f} s."))
        if check:
            drift = stock_summary_drift()
            if drift:
                raise CommandError(f"{drift} summary group(s) differ from the stock levels: run --rebuild.")
            self.stdout.write(self.style.SUCCESS("The stock summaries match the stock levels."))
