"""Publish (or, without a broker, run) every outbox message that is due: what beat's drain_outbox_task does
every minute, for an operator after an outage or for a deployment without beat."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from omni.models import OutboxMessage
from omni.outbox import drain, reset_breaker


class Command(BaseCommand):
    help = "Publish the outbox messages that are due (emails, alerts, report runs waiting after an outage)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        reset_breaker()
        handed = drain(limit=limit)
        waiting = OutboxMessage.objects.filter(dead=False).count()
        dead = OutboxMessage.objects.filter(dead=True).count()
        self.stdout.write(f"Handed on {handed}; {waiting} waiting, {dead} dead (see the admin).")
