"""The stock summaries behind the stock position, exceptions and ageing summary reports: folding the deltas
the triggers append (inventory/summaries.py) into the summary rows, and rebuilding them from the levels.

Nothing here runs on a sale. The triggers append deltas in each writer's own transaction (INSERTs only, so
concurrent sales never wait on one another's summary row); the fold moves them into StockSummary and
StockAgeSummary. The reports read summary + deltas not yet folded, so their figures are exact whether or
not a fold has run: folding only keeps the deltas few. Callers: the reports before they read (so a page has
at most a few minutes of deltas to add), the beat task every OMNI_SUMMARY_REFRESH_MINUTES, and
`manage.py refresh_stock_summaries [--rebuild]`."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from inventory import summaries
from inventory.models import StockSummaryState

LOCK = 7_402_613  # pg_advisory_xact_lock key (orders' sales summary: 7_402_612; the demo seed: 7_402_611)


@dataclass(frozen=True)
class Folded:
    folded: bool  # False: another fold was running (it does the work)
    rows: int = 0  # summary rows written


@transaction.atomic
def fold_stock_summaries(*, wait: bool = False) -> Folded:
    """Add the deltas appended since the last fold into the summaries, in one transaction. Without `wait`,
    returns at once when another fold holds the lock (the reports read the deltas anyway)."""
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        else:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK])
            if not cursor.fetchone()[0]:
                return Folded(folded=False)
        rows = 0
        for statement, table in summaries.fold_statements():
            cursor.execute(statement)
            touched = cursor.fetchall()
            rows += len(touched)
            empty = [pk for pk, count in touched if count == 0]
            if empty:
                # groups with no level left (a SKU sold out, its last sale moved to another day)
                cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [empty])  # noqa: S608
    if rows:  # a page that found nothing to fold writes nothing
        StockSummaryState.objects.update_or_create(pk=1, defaults={"folded_at": timezone.now()})
    return Folded(folded=True, rows=rows)


@transaction.atomic
def rebuild_stock_summaries() -> int:
    """Add up every stock level again (after TRUNCATE, triggers disabled, a bulk load that did without
    them, or a change of settings.TIME_ZONE). Holds the stock levels, variants and products in SHARE mode
    meanwhile: stock writes wait for it (seconds at 4 million levels). Returns the summary rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        cursor.execute(summaries.LOCK_FOR_BUILD)
        cursor.execute(summaries.tz_function_sql(str(settings.TIME_ZONE)))
        rows = 0
        for statement in summaries.build_statements():
            cursor.execute(statement)
            if statement.lstrip().startswith("INSERT"):
                rows += cursor.rowcount
        cursor.execute(f"ANALYZE {summaries.STOCK}")
        cursor.execute(f"ANALYZE {summaries.AGE}")
    now = timezone.now()
    StockSummaryState.objects.update_or_create(pk=1, defaults={"folded_at": now, "built_at": now})
    return rows


def summary_tz() -> str:
    """The time zone of the ageing summary's days (the reports read it only for filters in this zone)."""
    return str(settings.TIME_ZONE)


def stock_summary_drift() -> int:
    """The groups (location x category x brand, and x day of the last sale) where the summaries with their
    deltas differ from the stock levels added up now: 0 when they are true. Reads every level (seconds at
    4 million): for the check command and the tests, not for pages."""
    with connection.cursor() as cursor:
        cursor.execute(summaries.drift_select())
        return int(cursor.fetchone()[0])
