"""demo_credentials: the staff logins and demo API tokens that exist in this database."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demo.seed.data import DEMO_PASSWORD
from demo.seed.network import demo_password_works, demo_tokens, staff_examples


class Command(BaseCommand):
    help = "Print the demo staff logins and API tokens found in the database (what `make run` shows)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url",
            default="http://" + os.environ.get("OMNI_ADDRPORT", "127.0.0.1:8000"),
            help="Server address used in the curl example.",
        )

    def handle(self, *args: Any, base_url: str, **options: Any) -> None:
        staff = staff_examples()
        tokens = demo_tokens()
        if not staff and not tokens:
            self.stdout.write("No staff users or demo API tokens yet: run `manage.py seed_demo`.")
            return
        if staff:
            self.stdout.write(self.style.MIGRATE_HEADING("Staff logins"))
            width = max(len(label) for label, _, _ in staff)
            for label, names, count in staff:
                more = f"  ({count} in all)" if count > len(names) else ""
                self.stdout.write(f"  {label:<{width}}  {', '.join(names)}{more}")
            if demo_password_works(staff[0][1][0]):
                self.stdout.write(f"  Password: {DEMO_PASSWORD}")
            else:
                self.stdout.write(
                    "  Password: not the demo one (changed); reset it with `manage.py changepassword`."
                )
        if tokens:
            self.stdout.write(self.style.MIGRATE_HEADING("Demo API tokens"))
            width = max(len(t.role) for t in tokens)
            for t in tokens:
                where = f"  at {t.location_code}" if t.location_code else ""
                self.stdout.write(f"  {t.role:<{width}}  {t.token}{where}")
            example = next((t for t in tokens if t.role == "eshop"), tokens[0])
            self.stdout.write(
                f'  Try: curl -H "Authorization: Bearer {example.token}" {base_url.rstrip("/")}/api/v1/skus/'
            )
