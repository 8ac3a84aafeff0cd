"""DATABASE_URLs handed to child processes (gunicorn, workers, commands) lead where this process connects,
whether the settings name a Unix socket or a TCP host, under the dj-database-url release in the lock."""

from __future__ import annotations

import dj_database_url
import psycopg
import pytest

from omni.dburl import url_for

CASES = [
    "postgresql://postgres@/omni?host=/srv/omni/.omni/pgdata",
    "postgresql://postgres:@/omni?host=/srv/omni/.omni/pgdata&port=5433",
    "postgresql://postgres@%2Fsrv%2Fomni%2F.omni%2Fpgdata/omni",
    "postgres://postgres@127.0.0.1:5432/test",
    "postgres://omni:p%40ss%2Fword@db.internal:6543/omni?sslmode=require",
    "postgres://omni@db.internal/omni",
]


def _where(settings: dict) -> dict:
    """Where a connection made from these settings goes, as Django's backend merges them."""
    options = dict(settings.get("OPTIONS") or {})
    return {
        "host": settings.get("HOST") or options.pop("host", ""),
        "port": str(settings.get("PORT") or options.pop("port", "") or ""),
        "user": settings.get("USER"),
        "password": settings.get("PASSWORD") or "",
        "name": settings["NAME"],
        "options": {k: v for k, v in options.items() if k not in {"host", "port"}},
    }


@pytest.mark.parametrize("url", CASES)
def test_a_url_survives_the_round_trip(url):
    parsed = dj_database_url.parse(url)
    assert _where(dj_database_url.parse(url_for(parsed))) == _where(parsed)


def test_a_socket_in_options_is_kept():
    """dj-database-url 3 puts a socket folder in OPTIONS['host'] and leaves HOST empty."""
    settings = {"HOST": "", "PORT": "", "USER": "postgres", "NAME": "test_omni", "OPTIONS": {"host": "/x/pg"}}
    url = url_for(settings)
    assert url.startswith("postgresql://postgres@/test_omni?") and "host=%2Fx%2Fpg" in url
    assert _where(dj_database_url.parse(url))["host"] == "/x/pg"


def test_another_database_on_the_same_server():
    parsed = dj_database_url.parse("postgresql://postgres@/omni?host=/x/pg&port=5433")
    again = _where(dj_database_url.parse(url_for(parsed, name="postgres")))
    assert again["name"] == "postgres" and again["host"] == "/x/pg" and again["port"] == "5433"


@pytest.mark.django_db
def test_a_child_connects_to_the_test_database():
    """The URL of the running test database connects to that very database (embedded or not)."""
    from django.db import connection

    with psycopg.connect(url_for(connection.settings_dict)) as conn:
        name = conn.execute("SELECT current_database()").fetchone()[0]
    assert name == connection.settings_dict["NAME"]
