"""check_stock: prove on_hand = sum of the ledger and reserved = sum of active reservations, everywhere."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.models import Variant
from inventory.services.alerts import run_stock_check


class Command(BaseCommand):
    help = "Reconcile every stock level with its ledger and reservations; exits non-zero on any drift."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print only drift.")

    def handle(self, *args: Any, quiet: bool, **options: Any) -> None:
        from stores.models import Location

        run = run_stock_check()
        if not run.drift:
            if not quiet:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"OK: {run.rows_checked} stock levels match their ledger and reservations."
                    )
                )
            return
        skus = dict(
            Variant.objects.filter(pk__in={d["variant_id"] for d in run.drift}).values_list("pk", "sku")
        )
        codes = dict(
            Location.objects.filter(pk__in={d["location_id"] for d in run.drift}).values_list("pk", "code")
        )
        self.stdout.write(
            f"{'location':<12} {'sku':<24} {'on_hand':>8} {'ledger':>8} {'reserved':>9} {'active':>8}"
        )
        for d in run.drift:
            self.stdout.write(
                f"{codes.get(d['location_id'], '?'):<12} {skus.get(d['variant_id'], '?'):<24} "
                f"{d['on_hand'] if d['on_hand'] is not None else '-':>8} {d['ledger_sum']:>8} "
                f"{d['reserved'] if d['reserved'] is not None else '-':>9} {d['active_reservations']:>8}"
            )
        raise CommandError(
            f"Stock drift: {run.drift_count} of {run.rows_checked} levels disagree (check run {run.pk})."
        )
