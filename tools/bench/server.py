"""What the benchmark's parts share: the project folder, progress on stderr, the error that stops a run, the
gunicorn server they measure through and the Redis broker of the "broker" runs."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the project folder (settings.BASE_DIR)


class BenchError(Exception):
    """A step failed: the run stops with this message (exit 1)."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workers: int, env: dict[str, str | None] | None = None) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    """gunicorn with `workers` sync workers on a free port; `env` adds (or, with None, removes) variables."""
    import requests

    port = free_port()
    environ = dict(os.environ)
    environ.setdefault("OMNI_LOG_LEVEL", "ERROR")  # not a line per 409 (counted in the write-up instead)
    for key, value in (env or {}).items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(  # noqa: S603 (the venv's gunicorn)
        [
            gunicorn,
            "omni.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.DEVNULL,  # what tasks run in the request print (the console email backend)
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return process, url
        except requests.RequestException:
            time.sleep(0.3)
    process.kill()
    raise BenchError("gunicorn did not start")


def start_redis() -> tuple[subprocess.Popen, str] | None:  # type: ignore[type-arg]
    """A throwaway Redis (no persistence) on a free port, or None when redis-server is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    import redis

    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (a local redis-server for the benchmark)
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if redis.Redis.from_url(url, socket_timeout=1).ping():
                return process, url
        except redis.RedisError:
            time.sleep(0.2)
    process.kill()
    raise BenchError("redis-server did not start")


def stop(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
