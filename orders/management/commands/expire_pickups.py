"""`python manage.py expire_pickups [--as-of ISO-TIME]`: cancel the pickups nobody collected before their
hold ended (cancel_reason pickup_expired) and release their stock. The beat task runs the same job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orders.services import expire_pickups


def parse_as_of(value: str) -> datetime:
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(
            f"--as-of {value!r} is not an ISO 8601 time, e.g. 2026-11-30T18:00:00+01:00 or 2026-11-30T18:00."
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)  # in the server's time zone
    return parsed


class Command(BaseCommand):
    help = (
        "Cancel uncollected pickups past their hold (cancel_reason pickup_expired) and release their stock."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            dest="as_of",
            default=None,
            help="Expire as if it were this time (ISO 8601; without an offset, the server's time zone). "
            "Default: now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_as_of(options["as_of"]) if options["as_of"] else timezone.now()
        numbers = expire_pickups(as_of=as_of)
        for number in numbers:
            self.stdout.write(f"{number} cancelled: pickup expired")
        self.stdout.write(
            self.style.SUCCESS(f"{len(numbers)} pickup order(s) expired as of {as_of.isoformat()}.")
        )
