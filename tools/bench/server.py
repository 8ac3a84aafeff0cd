"""What the benchmark's parts share: the project folder, progress on stderr, the error that stops a run and
the gunicorn server they measure through."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the project folder (settings.BASE_DIR)


class BenchError(Exception):
    """A step failed: the run stops with this message (exit 1)."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def start_server(workers: int) -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    import socket

    import requests

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
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
