"""A real streaming replica under gunicorn: a primary cluster of the test's own, a hot standby made from it
by `pg_basebackup -R`, and gunicorn (production settings) with DATABASE_URL on the primary and
DATABASE_REPLICA_URL on the standby.

The proof that reports read from the replica and nothing else does: replay is paused on the standby, an order
is placed; its API answer and its page see it at once (the primary: read-your-writes), while the stock report
and its export still show the stock before it (the standby, frozen); replay resumes and the report catches
up. Every report page and export answers from the paused standby (their refreshes write on the primary).
Then the standby is killed: reports answer from the primary (with a warning in the log), never a 500.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import server_env, start_gunicorn
from tests.processes import ThrowawayPostgres, ThrowawayStandby, manage

pytestmark = [pytest.mark.server, pytest.mark.slow]

SKU = "RP-TEE-M"
REPORTS = (
    "stock-position",
    "stock-exceptions",
    "stock-ageing",
    "stock-ageing-summary",
    "shrinkage",
    "transfers-in-transit",
    "count-variances",
    "sales-by-channel",
    "click-and-collect",
    "returns",
    "loyalty",
)
EN = {"Accept-Language": "en"}


@pytest.fixture
def clusters() -> Iterator[tuple[ThrowawayPostgres, dict[str, str]]]:
    """The primary, migrated, with an integration client and a superuser; the environment to reach it."""
    primary = ThrowawayPostgres(database="omni_replica")
    try:
        hba = (primary.pgdata / "pg_hba.conf").read_text()
        assert any(line.split()[:2] == ["local", "replication"] for line in hba.splitlines()), hba
        env = server_env(DATABASE_URL=primary.url, DB_CONN_MAX_AGE="60", PYTHONUNBUFFERED="1")
        for args in (
            ("migrate", "--no-input"),
            ("createsuperuser", "--no-input", "--username", "hq", "--email", "hq@omni.example"),
            ("create_api_client", "replica-hq", "--role", "integration"),
        ):
            done = manage({**env, "DJANGO_SUPERUSER_PASSWORD": "omni-test-pass"}, *args)
            assert done.returncode == 0, (args, done.stderr[-3000:])
        env["TEST_TOKEN"] = done.stdout.strip().splitlines()[-1]
        yield primary, env
    finally:
        primary.close()


def _setup_stock(api: str, headers: dict[str, str]) -> None:
    warehouse = {
        "code": "PC-RP", "name": "Piacenza", "kind": "warehouse", "address": "Via Emilia 1",
        "city": "Piacenza", "country": "IT", "latitude": 45.05, "longitude": 9.69,
        "click_and_collect": False, "ships": True, "accepts_returns": True, "pickup_hold_days": 0,
    }  # fmt: skip
    product = {
        "name": "T-shirt", "brand": "Acme", "category": "Tops",
        "variants": [{"sku": SKU, "price": "19.90", "size": "M"}],
    }  # fmt: skip
    receipt = {"location": "PC-RP", "sku": SKU, "kind": "receipt", "quantity": 10}
    for path, body in (("locations", warehouse), ("products", product), ("stock/movements", receipt)):
        answer = requests.post(f"{api}/{path}/", json=body, headers=headers, timeout=30)
        assert answer.status_code == 201, (path, answer.text)


def _place(api: str, headers: dict[str, str], key: str) -> str:
    order = {
        "channel": "web",
        "customer": {"email": f"{key}@example.it", "first_name": "Giulia", "last_name": "Rossi"},
        "lines": [{"sku": SKU, "quantity": 1}],
        "fulfilment": {
            "type": "delivery",
            "address": {"line1": "Via Toledo 1", "city": "Napoli", "postcode": "80134", "country": "IT"},
        },
    }
    answer = requests.post(
        f"{api}/orders/", json=order, headers={**headers, "Idempotency-Key": key}, timeout=30
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["number"]


def _login(base: str) -> requests.Session:
    browser = requests.Session()
    assert browser.get(f"{base}/accounts/login/", timeout=30).status_code == 200
    answer = browser.post(
        f"{base}/accounts/login/",
        data={
            "username": "hq",
            "password": "omni-test-pass",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:500]
    return browser


def _reserved(browser: requests.Session, base: str) -> int:
    """The Reserved column of the stock position export (CSV), summed."""
    answer = browser.get(f"{base}/reports/stock-position/export?format=csv", headers=EN, timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    return sum(int(row["Reserved"]) for row in rows)


def _page_ok(browser: requests.Session, base: str, slug: str) -> str:
    answer = browser.get(f"{base}/reports/{slug}/", headers=EN, timeout=60)
    assert answer.status_code == 200, (slug, answer.status_code, answer.text[:500])
    return answer.text


def test_reports_read_from_the_replica_and_fall_back_to_the_primary(clusters):
    primary, env = clusters
    headers = {"Authorization": f"Bearer {env.pop('TEST_TOKEN')}"}
    standby = ThrowawayStandby(primary)
    server = None
    try:
        assert standby.execute("SELECT pg_is_in_recovery()") == (True,)
        server = start_gunicorn({**env, "DATABASE_REPLICA_URL": standby.url}, workers=2)
        base, api = server.url, server.url + "/api/v1"
        _setup_stock(api, headers)
        browser = _login(base)
        standby.wait_for_replay()
        assert _reserved(browser, base) == 0

        # Replay paused: the standby is frozen where it is.
        standby.execute("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + 20
        while standby.execute("SELECT pg_get_wal_replay_pause_state()") != ("paused",):
            assert time.monotonic() < deadline, "replay did not pause"
            time.sleep(0.1)
        first = _place(api, headers, "replica-1")
        # read-your-writes: the API and the staff page read the primary
        detail = requests.get(f"{api}/orders/{first}/", headers=headers, timeout=30)
        assert detail.status_code == 200 and detail.json()["number"] == first
        assert browser.get(f"{base}/orders/{first}/", timeout=30).status_code == 200
        assert first in browser.get(f"{base}/orders/", timeout=30).text
        # the report reads the standby: the unit the order reserved is not there yet
        assert _reserved(browser, base) == 0
        assert "PC-RP" in _page_ok(browser, base, "stock-position")
        for slug in REPORTS:  # every page and export answers from the standby
            _page_ok(browser, base, slug)
            export = browser.get(f"{base}/reports/{slug}/export?format=xlsx", timeout=60)
            assert export.status_code == 200 and export.content[:2] == b"PK", (slug, export.text[:300])

        standby.execute("SELECT pg_wal_replay_resume()")
        standby.wait_for_replay()
        assert _reserved(browser, base) == 1

        # The standby frozen again, an order on the primary, then the standby killed: reports fall back.
        standby.execute("SELECT pg_wal_replay_pause()")
        _place(api, headers, "replica-2")
        assert _reserved(browser, base) == 1  # still the standby
        standby.crash()
        assert _reserved(browser, base) == 2  # the primary
        for slug in REPORTS:
            _page_ok(browser, base, slug)
        assert requests.get(f"{api}/orders/{first}/", headers=headers, timeout=30).status_code == 200
        assert requests.get(f"{base}/healthz", timeout=30).status_code == 200  # a replica is not a reason
        log = server.child.output(tail=10**6)
        assert "The read replica failed" in log, log[-3000:]
        assert "Internal Server Error" not in log and "Traceback" not in log, log[-3000:]
    except BaseException:
        if server is not None:  # shown with the failure
            print("gunicorn's output:", server.child.output(tail=20_000), sep="\n")
        raise
    finally:
        if server is not None:
            server.child.close()
        standby.close()
