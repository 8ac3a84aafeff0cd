"""check_loyalty: prove every balance against the ledger and the lots, every lot against its draws, and
that every completed member order earned; exits non-zero on any drift."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from loyalty.selectors import check_loyalty

MAX_ROWS = 50


class Command(BaseCommand):
    help = "Reconcile the loyalty ledger with balances, lots and completed orders; exits 1 on any drift."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print only drift.")

    def handle(self, *args: Any, quiet: bool = False, **options: Any) -> None:
        check = check_loyalty()
        summary = (
            f"{check.members_checked} members, {check.lots_checked} lots, "
            f"{check.orders_checked} completed member orders checked"
        )
        if check.overdue_lots and not quiet:
            self.stdout.write(
                f"Note: {check.overdue_lots} lots are past their expiry and wait for the expiry job "
                "(manage.py expire_points)."
            )
        if check.ok:
            if not quiet:
                self.stdout.write(self.style.SUCCESS(f"OK: {summary}; no drift."))
            return
        for title, rows in check.problems.items():
            if not rows:
                continue
            self.stdout.write(self.style.ERROR(f"{title}: {len(rows)}"))
            for row in rows[:MAX_ROWS]:
                self.stdout.write("  " + ", ".join(f"{k}={v}" for k, v in row.items()))
            if len(rows) > MAX_ROWS:
                self.stdout.write(f"  ... and {len(rows) - MAX_ROWS} more")
        raise CommandError(f"Loyalty drift: {check.drift_count} problems ({summary}).")
