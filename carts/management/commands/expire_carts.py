"""`python manage.py expire_carts [--as-of ISO-TIME]`: expire the open carts idle past their expiry
(settings.OMNI_CART_IDLE_DAYS after their last change). The hourly beat task runs the same job."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from carts.services import expire_carts
from omni.commands import add_as_of, as_of


class Command(BaseCommand):
    help = "Expire the open carts left untouched past their expiry (OMNI_CART_IDLE_DAYS after their last "
    "change)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_as_of(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        moment = as_of(options["as_of"])
        count = expire_carts(as_of=moment)
        self.stdout.write(self.style.SUCCESS(f"{count} cart(s) expired as of {moment.isoformat()}."))
