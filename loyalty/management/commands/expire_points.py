"""expire_points: expire the points lots whose date has come (the daily beat job runs the same)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from loyalty.services import expire_points, send_expiry_warnings


def parse_as_of(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--as-of {value!r} is not an ISO 8601 date or time.") from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = "Expire every points lot whose expiry has come (as of now, or --as-of); safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", dest="as_of", help="ISO 8601 time, e.g. 2026-01-31T23:59:00+01:00.")
        parser.add_argument(
            "--warn", action="store_true", help="Also queue the expiry warnings due as of the same time."
        )

    def handle(self, *args: Any, as_of: str | None = None, warn: bool = False, **options: Any) -> None:
        moment = parse_as_of(as_of) or timezone.now()
        points = expire_points(as_of=moment)
        self.stdout.write(f"Expired {points} points as of {moment.isoformat()}.")
        if warn:
            warnings = send_expiry_warnings(as_of=moment)
            self.stdout.write(f"Queued {warnings} expiry warnings.")
