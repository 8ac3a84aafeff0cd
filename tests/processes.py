"""Child processes for tests (gunicorn, a Celery worker, `omni_run`) that can never hang the suite.

Their output goes to a file, not a pipe: a pipe that nobody reads fills up and blocks the child, and
reading a pipe of a running child blocks the test forever. Every wait has a deadline, and a child that
fails to start or to stop fails the test with the end of its output.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
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
