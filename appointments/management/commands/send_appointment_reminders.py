"""`python manage.py send_appointment_reminders [--as-of ISO-TIME]`: queue the reminder email of every booked
appointment starting within the next 24 hours that has none yet (the beat task every 15 minutes runs the
same job; running it twice queues nothing twice)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from appointments.services.emails import send_appointment_reminders
from omni.commands import add_as_of, as_of


class Command(BaseCommand):
    help = "Queue the reminder email of the appointments starting within the next 24 hours."

    def add_arguments(self, parser: CommandParser) -> None:
        add_as_of(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        moment = as_of(options["as_of"])
        count = send_appointment_reminders(as_of=moment)
        self.stdout.write(self.style.SUCCESS(f"{count} reminder(s) queued as of {moment.isoformat()}."))
