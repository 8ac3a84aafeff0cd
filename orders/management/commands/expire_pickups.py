"""`python manage.py expire_pickups [--as-of ISO-TIME]`: cancel the pickups nobody collected before their
hold ended (cancel_reason pickup_expired) and release their stock. The beat task runs the same job."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from omni.commands import add_as_of, as_of
from orders.services import expire_pickups


class Command(BaseCommand):
    help = (
        "Cancel uncollected pickups past their hold (cancel_reason pickup_expired) and release their stock."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_as_of(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        moment = as_of(options["as_of"])
        numbers = expire_pickups(as_of=moment)
        for number in numbers:
            self.stdout.write(f"{number} cancelled: pickup expired")
        self.stdout.write(
            self.style.SUCCESS(f"{len(numbers)} pickup order(s) expired as of {moment.isoformat()}.")
        )
