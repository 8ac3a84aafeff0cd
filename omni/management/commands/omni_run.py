"""`make run`: migrate, seed the demo network on an empty database, print the logins, serve.

Ctrl-C stops the server and, when it is the embedded one, PostgreSQL too."""

from __future__ import annotations

import os
import signal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from omni import embedded_db


def _exit(signum: int, frame: Any) -> None:
    raise SystemExit(0)


class Command(BaseCommand):
    help = "Set up and serve Omni for development (what `make run` calls)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addrport", default=os.environ.get("OMNI_ADDRPORT", "127.0.0.1:8000"))
        parser.add_argument("--no-seed", action="store_true", help="Do not seed an empty database.")

    def handle(self, *args: Any, addrport: str, no_seed: bool, **options: Any) -> None:
        # Ctrl-C (even when started in the background, where SIGINT is inherited as ignored) and a plain
        # `kill` both end in the `finally` below, which stops the embedded database.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _exit)
        where = (
            f"embedded PostgreSQL in {embedded_db.PGDATA}" if settings.EMBEDDED_DATABASE else "DATABASE_URL"
        )
        self.stdout.write(f"Database: {where}")
        try:
            call_command("migrate", interactive=False, verbosity=0)
            location_model = apps.get_model(settings.OMNI_LOCATION_MODEL)
            if not no_seed and not location_model.objects.exists():
                if settings.DEBUG:
                    self.stdout.write("Empty database: seeding the demo network (once)...")
                    call_command("seed_demo")
                else:  # seed_demo publishes its logins and tokens: not on a deployment
                    self.stdout.write("Empty database, DJANGO_DEBUG off: not seeding the demo network.")
            self.stdout.write("")
            self.stdout.write(self.style.MIGRATE_HEADING("Omni is starting"))
            self.stdout.write(f"  Back-office   http://{addrport}/")
            self.stdout.write(f"  API docs      http://{addrport}/api/docs/")
            call_command("demo_credentials")
            self.stdout.write(
                "Ctrl-C stops the server" + (" and the database." if settings.EMBEDDED_DATABASE else ".")
            )
            call_command("runserver", addrport, use_reloader=False, use_threading=True)
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            if settings.EMBEDDED_DATABASE:
                from django.db import connections

                connections.close_all()
                if embedded_db.stop():
                    self.stdout.write("Embedded PostgreSQL stopped.")
