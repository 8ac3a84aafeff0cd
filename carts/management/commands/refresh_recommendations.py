"""`manage.py refresh_recommendations [--days N] [--as-of ISO-TIME]`: recompute "bought together" now (the
nightly beat task runs the same)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from carts.services.recommendations import refresh_recommendations, window_days


class Command(BaseCommand):
    help = 'Recompute the "bought together" recommendations from order history.'

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=None, help="Orders of the last N days (default 365).")
        parser.add_argument("--as-of", default=None, help="ISO time the window ends at (default: now).")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = None
        if options["as_of"]:
            as_of = parse_datetime(options["as_of"])
            if as_of is None or as_of.tzinfo is None:
                raise CommandError(
                    "--as-of must be an ISO time with its offset, e.g. 2026-01-31T23:00:00+01:00."
                )
        days = options["days"] if options["days"] is not None else window_days()
        if days < 1:
            raise CommandError("--days must be at least 1.")
        result = refresh_recommendations(as_of=as_of, days=days)
        if result.skipped:
            self.stdout.write("Another refresh is running: nothing done.")
            return
        self.stdout.write(f"{result.pairs} bought-together pairs stored from the last {days} days of orders.")
