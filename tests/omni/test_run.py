"""`make run`'s command end to end: on an empty database it migrates, seeds the demo network, prints the
logins and tokens, serves the back-office and the API docs, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import uuid

import psycopg
import pytest
import requests

from omni.dburl import url_for
from tests.conftest import _free_port
from tests.processes import Child

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def empty_database():
    from django.db import connection

    params = connection.settings_dict
    name = f"omni_run_{uuid.uuid4().hex[:8]}"
    admin = url_for(params, name="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url_for(params, name=name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_omni_run_seeds_serves_and_stops_on_ctrl_c(empty_database):
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=empty_database, DJANGO_DEBUG="1", PYTHONUNBUFFERED="1")
    env.pop("CELERY_BROKER_URL", None)
    env.pop("OMNI_TESTING", None)
    omni_run = Child(
        [sys.executable, "manage.py", "omni_run", "--addrport", f"127.0.0.1:{port}"], env=env, name="omni_run"
    )
    url = f"http://127.0.0.1:{port}"
    try:
        omni_run.wait_until_healthy(url + "/healthz", timeout=120)
        assert requests.get(url + "/api/docs/", timeout=10).status_code == 200
        assert requests.get(url + "/accounts/login/", timeout=10).status_code == 200
        api = requests.get(
            url + "/api/v1/locations/?near=45.4642,9.19",
            headers={"Authorization": "Bearer omni_demo_eshop_token"},
            timeout=10,
        )
        assert api.status_code == 200 and api.json()["results"][0]["code"] == "MI-DUOMO"
        session = requests.Session()
        login_page = session.get(url + "/accounts/login/", timeout=10)
        assert login_page.status_code == 200
        response = session.post(
            url + "/accounts/login/",
            data={
                "username": "milano.duomo.1",
                "password": "omni-demo",
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": url + "/accounts/login/"},
            timeout=10,
        )
        assert response.status_code == 200 and "Milano Duomo" in response.text
    finally:
        stopped = omni_run.stop(signal.SIGINT, timeout=30)
        output = omni_run.output(tail=20000)
        omni_run.close()
    assert stopped, "omni_run did not stop on Ctrl-C:\n" + output[-2000:]
    assert omni_run.returncode == 0, output[-2000:]
    assert "omni_demo_eshop_token" in output and "omni-demo" in output
    assert "milano.duomo.manager" in output
