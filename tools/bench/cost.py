"""What an order costs, measured around one placement run: CPU of the application processes (the gunicorn
workers, or the raw-SQL baseline's own client threads) and of PostgreSQL (from /proc,
tools/bench/procstat.py), statements (pg_stat_statements) and commits (pg_stat_database) in the benchmark
database.

PostgreSQL CPU counts the backends connected to the benchmark database plus the server processes every
database shares (postmaster, walwriter, checkpointer, background writer, io workers, launchers). Autovacuum
in the benchmark database (deferred work, in whichever run it happens to fall) and backends of other
databases on the same server are measured apart and left out; other databases' share of the shared
processes cannot be told apart (the write-up says how busy they were)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

from tools.bench.procstat import CpuMeter, CpuReading, Tree, cmdline, read_stat

# A backend reports its transaction counts to pg_stat_database at most once a second, and one that goes idle
# less than a second after its last report does so 10 s later (PGSTAT_MIN_INTERVAL, PGSTAT_IDLE_INTERVAL);
# one that exits reports at once. The counts are read that long after a run; its CPU, at once.
STATS_SETTLE_SECONDS = 10.5  # the gunicorn workers keep their connections
EXIT_SETTLE_SECONDS = 1.0  # the raw-SQL clients close theirs
SHARED = (
    "checkpointer",
    "background writer",
    "walwriter",
    "autovacuum launcher",
    "logical replication launcher",
    "io worker",
    "archiver",
    "walsummarizer",
    "startup",
    "walreceiver",
    "walsender",
    "slotsync worker",
    "logical replication",  # apply / tablesync workers
)
PG_BENCH, PG_SHARED, PG_OTHER, PG_UNKNOWN = "pg:bench", "pg:shared", "pg:other", "pg:unknown"
PG_AUTOVACUUM = "pg:autovacuum"  # in the benchmark database: deferred, lumpy work, shown apart
PG_FOREIGN = (
    "pg:foreign"  # other connections to the benchmark database (not the benchmark's application_name)
)
PG_MONITOR = "pg:monitor"  # the benchmark's own readings
CONTROL = r"^\s*(begin|commit|rollback|savepoint|release|start\s+transaction|end)\M"
# The foreign-key checks PostgreSQL runs itself: Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so
# they run at COMMIT, where pg_stat_statements counts them as top-level statements. Counted apart.
FK_CHECK = r"^SELECT .* FROM ONLY .* FOR KEY SHARE OF x$"
NOT_LOADED = "n/a (pg_stat_statements not loaded)"


def pg_group(title: str, database: str) -> str | None:
    """The group of a postmaster child from its process title ("postgres: user db [local] idle",
    "postgres: walwriter", "postgres: autovacuum worker db"); None while it has no title yet (just forked)."""
    if not title.startswith("postgres:"):
        return None
    rest = title[len("postgres:") :].strip()
    words = rest.split()
    if not words:
        return None
    if rest.startswith("autovacuum worker"):
        db = words[2] if len(words) > 2 else None
        return None if db is None else (PG_AUTOVACUUM if db == database else PG_OTHER)
    if rest.startswith("parallel worker"):
        return PG_UNKNOWN
    if any(rest.startswith(name) for name in SHARED):
        return PG_SHARED
    if len(words) >= 2:  # a client backend: user, database, host, activity
        return PG_BENCH if words[1] == database else PG_OTHER
    return PG_UNKNOWN


@dataclass
class Counters:
    statements: int | None  # top-level statements (pg_stat_statements calls), None when not available
    control: int | None  # of which BEGIN / COMMIT / ROLLBACK / SAVEPOINT / RELEASE
    fk_checks: int | None  # the server's own foreign-key checks (not in `statements`)
    commits: int
    rollbacks: int
    dealloc: int | None  # pg_stat_statements entries evicted (counts lost when it grows)
    ours: set[int] = field(default_factory=set)  # the benchmark's backends (by application_name)
    me: int = 0  # the reading's own backend


class PgServer:
    """The benchmark database's server, seen from one monitoring connection of the benchmark."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        # Every connection of the benchmark's own is short: one that closes reports its transaction counts
        # at once, one left idle up to 10 s later (within a run, where they would be counted).
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute(
                "SELECT current_database(), pg_backend_pid(), current_setting('shared_preload_libraries'), "
                "current_setting('server_version'), current_setting('application_name')"
            ).fetchone()
            assert row is not None
            self.database, backend, preload, self.version, self.application_name = row
            self.postmaster = _local_postmaster(backend, self.database)
            self.statements_note = ""
            if "pg_stat_statements" not in preload:
                self.statements_note = NOT_LOADED
            else:
                try:
                    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                except psycopg.Error as exc:
                    self.statements_note = f"n/a (CREATE EXTENSION pg_stat_statements: {exc})".strip()
        self.cpu_note = (
            "" if self.postmaster else "n/a (the PostgreSQL server is not a process on this machine)"
        )

    @property
    def has_statements(self) -> bool:
        return not self.statements_note

    def tree(self) -> Tree | None:
        if self.postmaster is None:
            return None
        database = self.database
        return Tree(
            "pg", self.postmaster, lambda pid: pg_group(cmdline(pid), database), parent_group=PG_SHARED
        )

    def counters(self) -> Counters:
        """One statement, one transaction, on a connection of its own: the connection reports that commit
        when it closes, at once, so each run's count holds exactly one of them (the reading before it).
        Also which backends in the database are the benchmark's: those with its application_name (set in
        its DATABASE_URL), and this reading's own."""
        activity = (
            "(SELECT coalesce(array_agg(a.pid), '{}') FROM pg_stat_activity a "
            "WHERE a.datname = d.datname AND a.application_name = %(app)s AND a.pid <> pg_backend_pid()), "
            "pg_backend_pid()"
        )
        params: dict[str, str] = {"app": self.application_name}
        if not self.has_statements:
            statements, source = (
                "NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint",
                "pg_stat_database d",
            )
        else:
            statements = "p.sent, p.control, p.fk, i.dealloc"
            source = """pg_stat_database d, pg_stat_statements_info i, LATERAL (
                    SELECT coalesce(sum(calls) FILTER (WHERE NOT fk), 0) AS sent,
                           coalesce(sum(calls) FILTER (WHERE query ~* %(control)s), 0) AS control,
                           coalesce(sum(calls) FILTER (WHERE fk), 0) AS fk
                    FROM (SELECT calls, query, query ~ %(fk)s AS fk FROM pg_stat_statements s
                          WHERE s.dbid = d.datid AND s.query NOT LIKE '%%pg_stat_%%') q
                ) p"""
            params |= {"control": CONTROL, "fk": FK_CHECK}
        sql = (
            f"SELECT d.xact_commit, d.xact_rollback, {statements}, {activity} "  # noqa: S608 - our fragments
            f"FROM {source} WHERE d.datname = current_database()"
        )
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            row = conn.execute(sql, params).fetchone()
        assert row is not None
        commits, rollbacks, sent, control, fk, dealloc, ours, me = row
        return Counters(
            statements=None if sent is None else int(sent),
            control=None if control is None else int(control),
            fk_checks=None if fk is None else int(fk),
            commits=int(commits),
            rollbacks=int(rollbacks),
            dealloc=None if dealloc is None else int(dealloc),
            ours=set(ours),
            me=int(me),
        )


def _local_postmaster(backend_pid: int, database: str) -> int | None:
    """The postmaster's pid when our own backend is a process on this machine (its title names our
    database and its parent is `postgres`), else None (another host, a container)."""
    title = cmdline(backend_pid)
    stat = read_stat(backend_pid)
    if stat is None or not title.startswith("postgres:") or database not in title:
        return None
    parent = read_stat(stat.ppid)
    if parent is None or parent.comm not in ("postgres", "postmaster"):
        return None
    return parent.pid


@dataclass
class Cost:
    """One run's totals; `per_order()` divides them by the orders placed."""

    orders: int
    app_cpu_ms: float | None  # gunicorn workers (API) or the raw client's threads (baseline)
    pg_cpu_ms: float | None  # the benchmark database's backends + the shared server processes
    pg_shared_ms: float | None  # of which the shared processes (walwriter, checkpointer, io workers, ...)
    pg_other_ms: float | None  # other databases' backends, over the same window (left out)
    pg_autovacuum_ms: float | None  # autovacuum workers in the benchmark database (left out)
    pg_foreign_ms: float | None  # other connections to the benchmark database (left out)
    pg_exited_tail_ms: float | None  # processes that exited mid-run, after their last sample (left out)
    redis_cpu_ms: float | None
    client_cpu_ms: float  # the load generator's threads (API runs); the baseline's app CPU (raw runs)
    statements: int | None
    control_statements: int | None
    fk_checks: int | None
    commits: int
    rollbacks: int
    exited: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def per_order(self, value: float | None) -> float | None:
        if value is None or not self.orders:
            return None
        return value / self.orders

    def as_dict(self) -> dict[str, Any]:
        keys = ("app_cpu_ms", "pg_cpu_ms", "redis_cpu_ms", "client_cpu_ms", "statements", "commits")
        per = {f"{k}_per_order": self.per_order(getattr(self, k)) for k in keys}
        per["control_statements_per_order"] = self.per_order(self.control_statements)
        per["fk_checks_per_order"] = self.per_order(self.fk_checks)
        return {**self.__dict__, **per}


class CostMeter:
    """start() when the clients are ready, end() when they have sent their last request (before they
    disconnect), then cost(orders): the run's Cost."""

    def __init__(
        self,
        pg: PgServer,
        *,
        app: Tree | None = None,
        redis_pid: int | None = None,
        settle: float | None = None,
    ) -> None:
        self.pg = pg
        self.app = app
        self.settle = settle if settle is not None else STATS_SETTLE_SECONDS if app else EXIT_SETTLE_SECONDS
        trees = [t for t in (pg.tree(), app) if t is not None]
        self.cpu = CpuMeter(trees, {"redis": redis_pid} if redis_pid else {})
        self.before: Counters | None = None
        self.reading: CpuReading | None = None

    def start(self) -> None:
        self.before = self.pg.counters()
        self.cpu.start()

    def end(self) -> None:
        self.reading = self.cpu.stop()

    def cost(self, *, orders: int, client_cpu_ms: float) -> Cost:
        if self.reading is None:
            self.end()
        reading = self.reading
        assert reading is not None
        time.sleep(self.settle)  # until the clients' backends have reported their commits
        after = self.pg.counters()
        before = self.before
        assert before is not None
        notes = []
        statements = control = fk_checks = None
        if after.statements is not None and before.statements is not None:
            statements = after.statements - before.statements
            control = (after.control or 0) - (before.control or 0)
            fk_checks = (after.fk_checks or 0) - (before.fk_checks or 0)
            if (after.dealloc or 0) > (before.dealloc or 0):
                notes.append("pg_stat_statements evicted entries during the run: statements undercounted")
        pg_cpu = shared = other = tail = autovacuum = foreign = None
        if self.pg.postmaster is not None:
            _attribute(reading, self.pg.application_name, before.ours | after.ours, {before.me, after.me})
            foreign = reading.total([PG_FOREIGN])
            pg_cpu = reading.total([PG_BENCH, PG_SHARED])
            shared = reading.total([PG_SHARED])
            other = reading.total([PG_OTHER, PG_UNKNOWN, "pg:unclassified"])
            autovacuum = reading.total([PG_AUTOVACUUM])
            tail = reading.exited_tail_ms.get("pg", 0.0)
        return Cost(
            orders=orders,
            app_cpu_ms=_app_cpu(reading, self.app, client_cpu_ms),
            pg_cpu_ms=pg_cpu,
            pg_shared_ms=shared,
            pg_other_ms=other,
            pg_autovacuum_ms=autovacuum,
            pg_foreign_ms=foreign,
            pg_exited_tail_ms=tail,
            redis_cpu_ms=reading.ms.get("redis"),
            client_cpu_ms=client_cpu_ms,
            statements=statements,
            control_statements=control,
            fk_checks=fk_checks,
            commits=after.commits - before.commits - 1,  # less the reading before the run
            rollbacks=after.rollbacks - before.rollbacks,
            exited={
                k: v
                for k, v in reading.exited.items()
                if v and (k in (PG_BENCH, PG_SHARED) or k.endswith(":workers"))
            },
            notes=notes,
        )


def _attribute(reading: CpuReading, application_name: str, ours: set[int], monitor: set[int]) -> None:
    """Backends in the benchmark database that are not the benchmark's (another person's script, a probe),
    by application_name; nothing to tell them apart with when the benchmark has none."""
    for pid, (group, _ms, _alive) in list(reading.by_pid.items()):
        if group != PG_BENCH:
            continue
        if pid in monitor:
            reading.move(pid, PG_MONITOR)
        elif application_name and pid not in ours:
            reading.move(pid, PG_FOREIGN)


def _app_cpu(reading: CpuReading, app: Tree | None, client_cpu_ms: float) -> float:
    if app is None:  # the raw-SQL baseline: its client is the application
        return client_cpu_ms
    return reading.total([app.name + ":workers"]) + reading.exited_tail_ms.get(app.name, 0.0)


def gunicorn_tree(master_pid: int, name: str = "gunicorn") -> Tree:
    """The workers of a gunicorn master (each its child); the master itself is not counted."""
    return Tree(name, master_pid, lambda pid: name + ":workers")
