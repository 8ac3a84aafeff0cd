"""Data that every request reads and almost nothing writes (the catalog, locations, promotions, API clients,
webhook subscriptions), kept in each process's memory and never served stale.

Each kind has a name and a version in `omni_cacheversion`. A statement trigger on every table the kind is
built from (installed by the owning app's migration with `bump_trigger_sql`) sets a new version from a
sequence in the transaction that writes, so the new version is visible exactly when the new data is. A
process reads all versions in one small query, once per request (or once per `scope()`, for a service
outside a request), and rebuilds a copy whose version differs; a write in another process
is therefore seen by the next request here, a revoked token included.

Written here rather than taken from a caching library: Django's cache framework would add a round trip to
Redis (or keep per-process copies with no invalidation at all), and the libraries that invalidate ORM
caches (django-cachalot, cacheops) hook every query of every model; Omni needs a dozen lines for five kinds.

A copy is built *after* reading the version it is filed under, so at worst it holds data newer than its
version (it is rebuilt once more), never older.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from django.core.signals import request_finished, request_started
from django.db import connection

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_local = threading.local()


def bump_trigger_sql(table: str, name: str, *, columns: Sequence[str] = ()) -> str:
    """The triggers that bump `name` on any write to `table` (on UPDATE only of `columns` when given)."""
    of = f" OF {', '.join(columns)}" if columns else ""
    return (
        f"CREATE TRIGGER {table}_cache_version AFTER INSERT OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION omni_bump_cache_version('{name}'); "
        f"CREATE TRIGGER {table}_cache_version_update AFTER UPDATE{of} ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION omni_bump_cache_version('{name}');"
    )


def drop_trigger_sql(table: str, name: str) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {table}_cache_version ON {table}; "
        f"DROP TRIGGER IF EXISTS {table}_cache_version_update ON {table};"
    )


def _read() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, version FROM omni_cacheversion")
        return dict(cursor.fetchall())


def versions() -> dict[str, int]:
    """Every kind's current version: read once per request; outside a request, read at every call."""
    if getattr(_local, "in_request", False):
        memo = getattr(_local, "memo", None)
        if memo is None:
            memo = _local.memo = _read()
        return memo
    return _read()


@contextmanager
def scope() -> Iterator[None]:
    """Read the versions once for the block (a service outside any request: a task, a command), as a
    request does; inside a request it changes nothing."""
    if getattr(_local, "in_request", False):
        yield
        return
    _local.in_request, _local.memo = True, None
    try:
        yield
    finally:
        _local.in_request, _local.memo = False, None


def _begin_request(**_: Any) -> None:
    _local.in_request = True
    _local.memo = None


def _end_request(**_: Any) -> None:
    _local.in_request = False
    _local.memo = None


def end_request() -> None:
    """What `request_finished` does for this thread. A WSGI server always sends it; Django's test client sends
    it for a streaming response only once its content is read, so the test suite calls this after every
    test (tests/conftest.py) lest the next test's code run with an old request's versions."""
    _end_request()


request_started.connect(_begin_request, dispatch_uid="omni.cache_versions.begin")
request_finished.connect(_end_request, dispatch_uid="omni.cache_versions.end")


def _version_of(names: tuple[str, ...]) -> tuple[int, ...]:
    current = versions()
    return tuple(current.get(name, 0) for name in names)


class VersionedValue(Generic[T]):
    """One value built by `load()`, rebuilt when a version of `names` changes."""

    def __init__(self, names: Iterable[str], load: Callable[[], T]) -> None:
        self.names = tuple(names)
        self._load = load
        self._version: tuple[int, ...] | None = None
        self._value: T | None = None

    def get(self) -> T:
        version = _version_of(self.names)
        if version != self._version or self._value is None:
            self._value = self._load()
            self._version = version
        return self._value

    def clear(self) -> None:
        self._version, self._value = None, None


class VersionedMap(Generic[K, V]):
    """Entries loaded on demand (`load(keys) -> {key: value}`, keys not found left out and not kept), all
    dropped when a version of `names` changes. At most `max_entries` are kept (then it starts over)."""

    def __init__(
        self, names: Iterable[str], load: Callable[[set[K]], dict[K, V]], *, max_entries: int = 50_000
    ) -> None:
        self.names = tuple(names)
        self._load = load
        self._max = max_entries
        self._version: tuple[int, ...] | None = None
        self._entries: dict[K, V] = {}

    def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        version = _version_of(self.names)
        if version != self._version:
            self._entries = {}
            self._version = version
        wanted = set(keys)
        missing = wanted - self._entries.keys()
        if missing:
            loaded = self._load(missing)
            if len(self._entries) + len(loaded) > self._max:
                self._entries = {}
            self._entries.update(loaded)
        return {key: self._entries[key] for key in wanted if key in self._entries}

    def get(self, key: K) -> V | None:
        return self.get_many([key]).get(key)

    def clear(self) -> None:
        self._version, self._entries = None, {}
