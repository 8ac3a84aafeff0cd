"""`manage.py refresh_recommendations [--days N] [--as-of ISO-TIME]`: recompute "bought together" now (the
nightly beat task runs the same)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from carts.services.recommendations import refresh_recommendations, window_days
from omni.commands import add_as_of, as_of


class Command(BaseCommand):
    help = 'Recompute the "bought together" recommendations from order history.'

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=None, help="Orders of the last N days (default 365).")
        add_as_of(parser)  # the time the window ends at

    def handle(self, *args: Any, **options: Any) -> None:
        moment = as_of(options["as_of"])
        days = options["days"] if options["days"] is not None else window_days()
        if days < 1:
            raise CommandError("--days must be at least 1.")
        result = refresh_recommendations(as_of=moment, days=days)
        if result.skipped:
            self.stdout.write("Another refresh is running: nothing done.")
            return
        self.stdout.write(f"{result.pairs} bought-together pairs stored from the last {days} days of orders.")
