"""A read replica for the managers' reports: with DATABASE_REPLICA_URL set, the reports' queries (pages,
exports, background runs, weekly emails) read from the "replica" database; every other read and every write
stays on the primary ("default").

Only reports go there because only they can bear figures a few seconds old, and they are the heaviest reads.
Everything else must see its own writes: the order page after the form that placed the order, an API answer
after its POST, an idempotent replay, a service that re-reads under its locks. So the router never picks the
replica by itself: report code asks for it around its queries (`reading_from_replica()`, or `report_query()`,
which also retries on the primary) and runs its SQL on `report_connection()`. Outside those blocks reads go
where Django sends them without a router (the primary).

A report is better slow than absent: a replica that does not answer (refused, shutting down, dropped the
connection, cancelled the query for a conflict with recovery) sends the report to the primary, logged as a
warning, and this process leaves the replica alone for REPLICA_BACKOFF_SECONDS.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

REPLICA = "replica"
REPLICA_BACKOFF_SECONDS = 5.0

logger = logging.getLogger(__name__)
T = TypeVar("T")

# The database the report being computed reads from; None outside a report.
_report_alias: ContextVar[str | None] = ContextVar("omni_report_alias", default=None)
_replica_down_until = 0.0  # time.monotonic() before which this process does not ask the replica


def replica_configured() -> bool:
    return REPLICA in connections.settings


def _replica_answers() -> bool:
    """The replica is configured, not in its back-off, and its connection is up (opened now if need be)."""
    if not replica_configured() or time.monotonic() < _replica_down_until:
        return False
    replica = connections[REPLICA]
    try:
        replica.close_if_health_check_failed()  # a kept connection the replica dropped meanwhile
        replica.ensure_connection()
    except DatabaseError as exc:
        replica_failed(exc)
        return False
    return True


def replica_failed(exc: BaseException) -> None:
    """Log it, drop the replica's connection, and leave the replica alone for REPLICA_BACKOFF_SECONDS."""
    global _replica_down_until
    _replica_down_until = time.monotonic() + REPLICA_BACKOFF_SECONDS
    logger.warning(
        "The read replica failed (%s): reports read from the primary for the next %.0f s.",
        " ".join(str(exc).split())[:300] or type(exc).__name__,
        REPLICA_BACKOFF_SECONDS,
    )
    with suppress(DatabaseError):
        connections[REPLICA].close()


def reset_replica_backoff() -> None:
    """Ask the replica again at the next report (tests; an operator's shell after fixing it)."""
    global _replica_down_until
    _replica_down_until = 0.0


@contextmanager
def reading_from_replica() -> Iterator[str]:
    """Inside: model reads go to the replica when it is configured and answers (else to the primary), and
    `report_connection()` is that database's connection. Yields the alias chosen. Use it around a report's
    queries only, never around a write or a read that must see a write just made, and never across a
    generator's `yield` (the block would spill into the code consuming it)."""
    current = _report_alias.get()
    if current is not None:  # nested: the outer block chose
        yield current
        return
    token = _report_alias.set(REPLICA if _replica_answers() else DEFAULT_DB_ALIAS)
    try:
        yield _report_alias.get() or DEFAULT_DB_ALIAS
    finally:
        _report_alias.reset(token)


def report_query(work: Callable[[], T]) -> T:
    """`work()` inside `reading_from_replica()`; if the replica fails it (gone, or the query cancelled by a
    conflict with recovery), logged and done again on the primary."""
    if _report_alias.get() is not None:  # nested: the outermost call retries
        return work()
    with reading_from_replica() as alias:
        if alias == DEFAULT_DB_ALIAS:
            return work()
        try:
            return work()
        except OperationalError as exc:
            replica_failed(exc)
    token = _report_alias.set(DEFAULT_DB_ALIAS)
    try:
        return work()
    finally:
        _report_alias.reset(token)


def report_alias() -> str:
    """The database the report being computed reads from: the primary outside `reading_from_replica()`."""
    return _report_alias.get() or DEFAULT_DB_ALIAS


def report_connection() -> BaseDatabaseWrapper:
    """The connection a report's raw SQL runs on (instead of `django.db.connection`)."""
    return connections[report_alias()]


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: the replica for reads inside `reading_from_replica()` only; writes and
    migrations on the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return _report_alias.get()  # None: Django's own choice (the primary, or the instance's database)

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica replays the primary's schema
