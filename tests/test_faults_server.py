"""Fault injection through a real server: gunicorn with production settings, a Celery worker, and a Redis
of the test's own (broker and cache) killed in the middle of the load. Whatever dies, no request answers
500, no acknowledged order is lost or made twice, and every email goes out exactly once when Redis is back.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from inventory.selectors import stock_drift
from inventory.services import record_movement
from omni.actors import Actor
from omni.models import OutboxMessage
from omni.services import create_api_client
from orders.models import Order, OrderEmail, WebhookDelivery, WebhookSubscription
from orders.services.webhooks import deliver_due
from tests.conftest import ROOT, server_env, start_gunicorn
from tests.inventory.factories import VariantFactory
from tests.processes import Child, ThrowawayPostgres, ThrowawayRedis, manage
from tests.stores.factories import WarehouseFactory

pytestmark = [pytest.mark.server, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ADDRESS = {"line1": "Via Toledo 1", "city": "Napoli", "postcode": "80134", "country": "IT"}


def _order(n: int) -> dict:
    return {
        "channel": "web",
        "customer": {"email": f"cliente{n}@example.it", "first_name": "Giulia", "last_name": "Rossi"},
        "lines": [{"sku": "FLT-TEE-M", "quantity": 1}],
        "fulfilment": {"type": "delivery", "address": ADDRESS},
    }


@pytest.fixture
def redis_server() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis()
    server.start()
    try:
        yield server
    finally:
        server.close()


def _production_env(redis_server: ThrowawayRedis) -> dict[str, str]:
    """Tasks go to the broker (not run in process, as under test), the cache is Redis, and the outbox
    publishes again after one second (production waits two minutes)."""
    env = server_env(
        CELERY_BROKER_URL=redis_server.url(0),
        OMNI_CACHE_URL=redis_server.url(1),
        OMNI_API_RATE="100000/min",
        OMNI_OUTBOX_PUBLISH_GRACE_SECONDS="1",
        OMNI_BROKER_BACKOFF_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    env.pop("OMNI_TESTING")
    return env


def _worker(env: dict[str, str]) -> Child:
    argv = [sys.executable, "-m", "celery", "-A", "omni", "worker", "--pool=solo", "--loglevel=WARNING"]
    return Child(
        [*argv, "--without-gossip", "--without-mingle", "--without-heartbeat"], env=env, name="worker"
    )


def _drain(env: dict[str, str]) -> None:
    """What beat's drain_outbox_task does every minute."""
    result = subprocess.run(
        [sys.executable, "manage.py", "drain_outbox"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def _wait_for_empty_outbox(worker: Child, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while OutboxMessage.objects.filter(dead=False).exists():
        assert time.monotonic() < deadline, (
            f"outbox not drained: {list(OutboxMessage.objects.all())}\n{worker.output()}"
        )
        time.sleep(0.2)
    assert not OutboxMessage.objects.filter(dead=True).exists(), list(OutboxMessage.objects.values())


def _sent_to(worker: Child) -> list[str]:
    """The console email backend prints each email the worker sends; each order has its own customer."""
    return re.findall(r"^To: (.*)$", worker.output(tail=10**7), flags=re.MULTILINE)


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """An e-shop's webhook endpoint on loopback: records each delivery's headers, answers 200."""
    received: list[dict[str, str]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append({k: self.headers[k] for k in ("Omni-Delivery", "Omni-Event")})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", received
    finally:
        server.shutdown()


def test_redis_killed_mid_load_loses_nothing_and_duplicates_nothing(redis_server, webhook_receiver):
    hook_url, received = webhook_receiver
    WebhookSubscription.objects.create(name="e-shop", url=hook_url, secret="s3cret", events=["order.placed"])
    hub = WarehouseFactory(code="PC-FLT", latitude=45.05, longitude=9.69)
    variant = VariantFactory(sku="FLT-TEE-M")
    record_movement(
        actor=Actor.system(), location_id=hub.pk, variant_id=variant.pk, kind="receipt", quantity=50
    )
    _, token = create_api_client(name="faults-shop", role="eshop")
    env = _production_env(redis_server)
    server = start_gunicorn(env, workers=2)
    url = server.url + "/api/v1/orders/"
    numbers: dict[str, str] = {}

    def place(key: str, n: int) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        return requests.post(url, json=_order(n), headers=headers, timeout=30)

    worker: Child | None = None
    try:
        # Redis up, no worker yet: the messages wait in Redis (which will lose them).
        for n in range(2):
            response = place(f"fault-{n}", n)
            assert response.status_code == 201, response.text
            numbers[f"fault-{n}"] = response.json()["number"]

        redis_server.kill()
        catalog = requests.get(
            server.url + "/api/v1/skus/?limit=5", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        assert catalog.status_code == 200, catalog.text  # the cache is down: the rate limit fails open
        for n in range(2, 6):
            started = time.monotonic()
            response = place(f"fault-{n}", n)
            assert response.status_code == 201, response.text
            assert time.monotonic() - started < 5, "a request waited on the dead broker"
            numbers[f"fault-{n}"] = response.json()["number"]
        for key, number in numbers.items():  # a client that did not see the answer retries: replayed
            again = place(key, int(key.rsplit("-", 1)[1]))
            assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
            assert again.json()["number"] == number
        assert Order.objects.count() == 6

        redis_server.start()  # empty: the first two orders' messages are gone with the old process
        worker = _worker(env)
        time.sleep(1.2)  # past the outbox's grace
        _drain(env)
        _wait_for_empty_outbox(worker)
        emails = OrderEmail.objects.filter(kind="confirmation")
        assert sorted(e.order.number for e in emails) == sorted(numbers.values())
        assert all(e.sent_at is not None for e in emails)
        assert sorted(_sent_to(worker)) == [f"cliente{n}@example.it" for n in range(6)], worker.output()

        # A worker killed and started again, and the sweeper run again, change nothing.
        worker.stop(signal.SIGKILL)
        worker.close()
        worker = _worker(env)
        time.sleep(1.2)
        _drain(env)
        time.sleep(2)
        assert _sent_to(worker) == []
        assert OrderEmail.objects.filter(kind="confirmation", sent_at__isnull=False).count() == 6

        # Webhooks: what the worker delivered, plus what beat's retry task sends (the deliveries whose
        # publish failed or was lost) reaches the receiver once each.
        deliver_due()
        deliver_due()
        delivered = [r["Omni-Delivery"] for r in received]
        assert len(delivered) == len(set(delivered)) == 6, received
        assert WebhookDelivery.objects.filter(status="delivered").count() == 6
        assert stock_drift() == []
    finally:
        if worker is not None:
            worker.close()
        server.child.close()


# --- PostgreSQL killed under the server ---------------------------------------------------------------


@pytest.fixture
def postgres_server() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    try:
        yield server
    finally:
        server.close()


def test_the_database_killed_under_the_server_answers_503_and_loses_nothing(postgres_server):
    env = server_env(DATABASE_URL=postgres_server.url, DB_CONN_MAX_AGE="60", PYTHONUNBUFFERED="1")
    migrated = manage(env, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    created = manage(env, "create_api_client", "faults-hq", "--role", "integration")
    assert created.returncode == 0, created.stderr
    headers = {"Authorization": f"Bearer {created.stdout.strip().splitlines()[-1]}"}
    server = start_gunicorn(env, workers=2)
    api = server.url + "/api/v1"
    try:
        warehouse = {
            "code": "PC-DB", "name": "Piacenza", "kind": "warehouse", "address": "Via Emilia 1",
            "city": "Piacenza", "country": "IT", "latitude": 45.05, "longitude": 9.69,
            "click_and_collect": False, "ships": True, "accepts_returns": True, "pickup_hold_days": 0,
        }  # fmt: skip
        assert (
            requests.post(f"{api}/locations/", json=warehouse, headers=headers, timeout=30).status_code == 201
        )
        product = {
            "name": "T-shirt", "brand": "Acme", "category": "Tops",
            "variants": [{"sku": "DB-TEE-M", "price": "19.90", "size": "M"}],
        }  # fmt: skip
        answer = requests.post(f"{api}/products/", json=product, headers=headers, timeout=30)
        assert answer.status_code == 201, answer.text
        receipt = {"location": "PC-DB", "sku": "DB-TEE-M", "kind": "receipt", "quantity": 10}
        assert (
            requests.post(f"{api}/stock/movements/", json=receipt, headers=headers, timeout=30).status_code
            == 201
        )

        def place(key: str) -> requests.Response:
            order = {**_order(1), "lines": [{"sku": "DB-TEE-M", "quantity": 1}]}
            return requests.post(
                f"{api}/orders/", json=order, headers={**headers, "Idempotency-Key": key}, timeout=30
            )

        first = place("db-1")
        assert first.status_code == 201, first.text

        postgres_server.crash()
        for response in (
            requests.get(f"{api}/skus/", headers=headers, timeout=30),
            place("db-2"),
            requests.get(f"{api}/orders/{first.json()['number']}/", headers=headers, timeout=30),
        ):
            assert response.status_code == 503, (response.status_code, response.text[:300])
            assert response.headers["Content-Type"].startswith("application/problem+json")
            assert (
                response.json()["code"] == "service_unavailable" and int(response.headers["Retry-After"]) > 0
            )
        health = requests.get(server.url + "/healthz", timeout=30)
        assert health.status_code == 503
        browser = requests.Session()
        assert (
            browser.get(server.url + "/accounts/login/", timeout=30).status_code == 200
        )  # needs no database
        login = browser.post(
            server.url + "/accounts/login/",
            data={"username": "x", "password": "y", "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            headers={"Referer": server.url + "/accounts/login/"},
            timeout=30,
        )
        assert login.status_code == 503 and "Retry-After" in login.headers, login.text[:300]

        postgres_server.start()
        server.child.wait_until_healthy(server.url + "/healthz", timeout=30)
        second = place("db-2")  # the retry of what was refused: done now, once
        assert second.status_code == 201, second.text
        again = place("db-2")
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["number"] == second.json()["number"]
        assert place("db-1").json()["number"] == first.json()["number"]
        listed = requests.get(f"{api}/orders/", headers=headers, timeout=30).json()["results"]
        assert sorted(o["number"] for o in listed) == sorted(
            [first.json()["number"], second.json()["number"]]
        )
        for command in ("check_stock", "check_loyalty"):
            result = manage(env, command)
            assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr[-2000:])
    finally:
        server.child.close()
