"""Manage the embedded PostgreSQL used when DATABASE_URL is unset: status, url, stop."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from omni import embedded_db


class Command(BaseCommand):
    help = "Status, URL or stop of the embedded PostgreSQL (.omni/pgdata)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "url", "stop"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "status":
            state = "running" if embedded_db.is_running() else "stopped"
            self.stdout.write(f"embedded PostgreSQL at {embedded_db.PGDATA}: {state}")
            if not settings.EMBEDDED_DATABASE:
                self.stdout.write("(not in use: DATABASE_URL is set)")
        elif action == "url":
            self.stdout.write(embedded_db.database_url())
        elif action == "stop":
            self.stdout.write("stopped" if embedded_db.stop() else "was not running")
