"""`python manage.py invite_feedback [--as-of ISO-TIME]`: invite customers to the survey about the touchpoints
of the last FEEDBACK_LOOKBACK_DAYS (the beat task runs the same every 15 minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from feedback.services.invitations import find_and_invite
from omni.commands import add_as_of, as_of


class Command(BaseCommand):
    help = "Invite customers (with their consent, once per period) to the survey about their recent visits."

    def add_arguments(self, parser: CommandParser) -> None:
        add_as_of(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        moment = as_of(options["as_of"])
        count = find_and_invite(as_of=moment)
        self.stdout.write(self.style.SUCCESS(f"{count} invitation(s) made as of {moment.isoformat()}."))
