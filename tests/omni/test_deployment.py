"""The fresh-machine path and the production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_check_deploy_passes_with_production_settings():
    # not the test run's own switches (browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "k3y-" + "x7Qz9" * 12,
            "DJANGO_ALLOWED_HOSTS": "omni.example.com",
            "OMNI_TESTING": "0",
        }
    )
    env.setdefault("DATABASE_URL", "postgres://unused@127.0.0.1:1/unused")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.update(
        {"DJANGO_DEBUG": "0", "OMNI_TESTING": "0", "DATABASE_URL": "postgres://unused@127.0.0.1:1/unused"}
    )
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_non_postgres_database_is_refused():
    env = dict(os.environ, DATABASE_URL="sqlite:///x.db", DJANGO_DEBUG="1")
    result = _manage("check", env=env)
    assert result.returncode != 0 and "PostgreSQL only" in result.stderr


@pytest.mark.slow
def test_without_database_url_an_embedded_postgres_starts_and_stops(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"DJANGO_DEBUG": "1", "OMNI_PGDATA": str(tmp_path / "pgdata")})
    try:
        url = _manage("embedded_db", "url", env=env)
        assert url.returncode == 0, url.stderr
        assert url.stdout.strip().startswith("postgresql://") and "omni" in url.stdout
        migrate = _manage("migrate", "--noinput", env=env, timeout=300)
        assert migrate.returncode == 0, migrate.stderr
        status = _manage("embedded_db", "status", env=env)
        assert "running" in status.stdout
    finally:
        stop = _manage("embedded_db", "stop", env=env)
    assert stop.returncode == 0 and "stopped" in stop.stdout
    assert "stopped" in _manage("embedded_db", "status", env=env).stdout
