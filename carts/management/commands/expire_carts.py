"""`python manage.py expire_carts [--as-of ISO-TIME]`: expire the open carts idle past their expiry
(settings.OMNI_CART_IDLE_DAYS after their last change). The hourly beat task runs the same job."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from carts.services import expire_carts
from orders.management.commands.expire_pickups import parse_as_of


class Command(BaseCommand):
    help = "Expire the open carts left untouched past their expiry (OMNI_CART_IDLE_DAYS after their last "
    "change)."

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
        count = expire_carts(as_of=as_of)
        self.stdout.write(self.style.SUCCESS(f"{count} cart(s) expired as of {as_of.isoformat()}."))
