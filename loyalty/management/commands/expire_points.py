"""expire_points: expire the points lots whose date has come (the daily beat job runs the same)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from loyalty.services import expire_points, send_expiry_warnings
from omni.commands import add_as_of
from omni.commands import as_of as parse_as_of


class Command(BaseCommand):
    help = "Expire every points lot whose expiry has come (as of now, or --as-of); safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        add_as_of(parser)
        parser.add_argument(
            "--warn", action="store_true", help="Also queue the expiry warnings due as of the same time."
        )

    def handle(self, *args: Any, as_of: str | None = None, warn: bool = False, **options: Any) -> None:
        moment = parse_as_of(as_of)
        points = expire_points(as_of=moment)
        self.stdout.write(f"Expired {points} points as of {moment.isoformat()}.")
        if warn:
            warnings = send_expiry_warnings(as_of=moment)
            self.stdout.write(f"Queued {warnings} expiry warnings.")
