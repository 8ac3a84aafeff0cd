"""Failure paths in process: a dependency that fails never fails a committed request, never loses what was
acknowledged and never makes a retry do the work twice. (tests/test_faults_server.py kills real servers.)"""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache, caches
from kombu.exceptions import OperationalError as BrokerError

from omni import outbox
from omni.api import throttling
from omni.models import AuditEntry, OutboxMessage
from tests.conftest import assert_problem
from tests.processes import ThrowawayRedis

pytestmark = pytest.mark.django_db
THINGS = "/api/v1/things/"


@pytest.fixture(autouse=True)
def _platform_urls(settings):
    settings.ROOT_URLCONF = "tests.omni.urls"
    outbox.reset_breaker()
    throttling.reset_breaker()
    yield
    outbox.reset_breaker()
    throttling.reset_breaker()


@pytest.mark.django_db(transaction=True)
def test_an_error_after_commit_answers_what_was_committed_and_a_retry_replays_it(integration_api):
    """The request's transaction really commits here, and then its after-commit hook raises."""
    body = {"name": "once", "fail_after_commit": True}
    first = integration_api.post(THINGS, body, format="json", HTTP_IDEMPOTENCY_KEY="after-commit")
    assert first.status_code == 201, first.content
    again = integration_api.post(THINGS, body, format="json", HTTP_IDEMPOTENCY_KEY="after-commit")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert AuditEntry.objects.filter(action="test.thing").count() == 1


def test_database_down_is_503_with_retry_after_and_the_key_can_be_retried(integration_api):
    response = integration_api.post(
        THINGS, {"name": "x", "database_down": True}, format="json", HTTP_IDEMPOTENCY_KEY="db-down"
    )
    body = assert_problem(response, 503, "service_unavailable")
    assert int(response["Retry-After"]) > 0 and "Retry" in body["detail"]
    retry = integration_api.post(THINGS, {"name": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="db-down")
    assert retry.status_code == 201 and AuditEntry.objects.filter(action="test.thing").count() == 1


def test_database_down_outside_drf_is_503_too(integration_api):
    assert_problem(integration_api.get(THINGS + "database-down/"), 503, "service_unavailable")


def test_a_page_with_the_database_down_is_a_503_page_in_the_users_language(client):
    from tests.omni.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/test-pages/database-down/", HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert "Omni non è disponibile per un momento" in response.content.decode()


def test_a_body_over_the_limit_is_413_not_500(integration_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = integration_api.post(THINGS, {"name": "x" * 5000}, format="json")
    assert_problem(response, 413, "request_too_large")


# --- the rate limit: atomic, fixed window, fails open ---------------------------------------------


def test_the_limit_counts_exactly_in_a_window_and_says_when_to_retry(make_api_client, settings):
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"client": "5/min"}}
    api = make_api_client("integration")
    with mock.patch("omni.api.throttling.time.time", return_value=600.0 * 60 + 10):
        statuses = [api.get(THINGS).status_code for _ in range(7)]
        refused = api.get(THINGS)
    assert statuses == [200] * 5 + [429] * 2
    assert_problem(refused, 429, "throttled")
    assert refused["Retry-After"] == "51"  # 50 s left in the minute, rounded up
    with mock.patch("omni.api.throttling.time.time", return_value=601.0 * 60):
        assert api.get(THINGS).status_code == 200  # a new window


def test_a_cache_that_is_down_lets_requests_through(make_api_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"client": "1/min"}}
    api = make_api_client("integration")
    with mock.patch.object(caches["default"], "add", side_effect=ConnectionError("redis down")) as add:
        assert [api.get(THINGS).status_code for _ in range(3)] == [200, 200, 200]
    assert add.call_count == 1  # after the first failure the cache is left alone for a while


def test_redis_counts_exactly_under_concurrency(settings):
    """400 requests from 8 threads at once in one window of 120: exactly 120 are let through (DRF's
    read-modify-write timestamp list let 165 through)."""
    redis_server = ThrowawayRedis()
    redis_server.start()
    try:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_server.url(1),
            }
        }
        key = "throttle:test:client:1:60:1"
        counts: list[int | None] = []

        def burst() -> None:
            counts.extend(throttling.hit(key, window_seconds=60) for _ in range(50))

        threads = [threading.Thread(target=burst) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(counts) == list(range(1, 401))  # every hit counted once, none lost, none repeated
        assert sum(1 for c in counts if c is not None and c <= 120) == 120
        ttl = caches["default"]._cache.get_client(key).ttl(caches["default"].make_and_validate_key(key))
        assert 0 < ttl <= 61
    finally:
        redis_server.close()


# --- the outbox ----------------------------------------------------------------------------------


def _order_email_outbox():
    return OutboxMessage.objects.filter(task="orders.tasks.send_order_email_task")


def test_a_broker_that_is_down_loses_no_email_and_fails_no_request(
    settings, django_capture_on_commit_callbacks
):
    """Publishing fails at once (no retries inside the request); the message waits in the outbox and the
    sweeper sends it, once, when the broker is back."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with (
        mock.patch("celery.app.base.Celery.send_task", side_effect=BrokerError("connection refused")) as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        outbox.enqueue("omni.tasks.ping_task", "a")
        outbox.enqueue("omni.tasks.ping_task", "b")
    assert send.call_count == 1  # the second publish did not even try: the breaker is open
    assert OutboxMessage.objects.filter(task="omni.tasks.ping_task").count() == 2
    settings.CELERY_TASK_ALWAYS_EAGER = True
    OutboxMessage.objects.update(available_at=OutboxMessage.objects.first().created_at)
    assert outbox.drain() == 2
    assert not OutboxMessage.objects.exists()
    assert outbox.drain() == 0


def test_a_message_runs_once_however_often_it_is_delivered():
    outbox.enqueue("omni.tasks.ping_task", "x")  # inside the test's transaction: not yet run
    message = OutboxMessage.objects.get()
    with mock.patch("omni.tasks.ping_task.run", return_value={}) as run:
        assert outbox.run_message(message_id=message.pk) is True
        assert outbox.run_message(message_id=message.pk) is False
    assert run.call_count == 1 and not OutboxMessage.objects.exists()


def test_a_failing_task_is_rescheduled_then_kept_as_dead(settings):
    settings.OMNI_OUTBOX_MAX_ATTEMPTS = 2
    outbox.enqueue("omni.tasks.ping_task", "x")
    message = OutboxMessage.objects.get()
    with mock.patch("omni.tasks.ping_task.run", side_effect=ConnectionError("smtp down")):
        assert outbox.run_message(message_id=message.pk) is False
        message.refresh_from_db()
        assert (message.attempts, message.dead) == (1, False) and "smtp down" in message.last_error
        assert message.available_at > message.created_at
        OutboxMessage.objects.update(available_at=message.created_at)
        assert outbox.run_message(message_id=message.pk) is False
    message.refresh_from_db()
    assert (message.attempts, message.dead) == (2, True)
    assert outbox.drain() == 0  # dead messages wait for an operator


def test_an_unknown_task_is_not_lost_silently():
    outbox.enqueue("orders.tasks.no_such_task", 1)
    message = OutboxMessage.objects.get()
    assert outbox.run_message(message_id=message.pk) is False
    message.refresh_from_db()
    assert message.attempts == 1 and "no_such_task" in message.last_error


def test_order_emails_go_through_the_outbox_and_are_sent_once(django_capture_on_commit_callbacks):
    from decimal import Decimal

    from orders.services.notifications import queue_email
    from orders.tasks import send_order_email_task
    from tests.inventory.factories import VariantFactory
    from tests.loyalty.factories import order_with_lines

    order = order_with_lines([(VariantFactory(price=Decimal("10.00")), 1)], customer_email="g@example.it")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as hooks:
        queue_email(order, "confirmation")
    assert _order_email_outbox().count() == 1  # written with the change, before anything is sent
    for hook in hooks:
        hook()
    assert len(mail.outbox) == 1 and not _order_email_outbox().exists()
    send_order_email_task.run(order.pk, "confirmation")  # a duplicate delivery sends nothing
    assert len(mail.outbox) == 1
