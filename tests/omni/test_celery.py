"""Celery: eager without a broker; a real worker (with the machine's Redis) when one is reachable."""

import os
import socket
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import allow_join_result

from omni.tasks import ping_task
from tests.processes import Child

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"


def _redis_reachable() -> bool:
    host_port = REDIS_URL.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.django_db
def test_tasks_run_in_process_under_test(settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER
    result = ping_task.delay("hello").get(timeout=5)
    assert result["pong"] == "hello"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_tasks_through_redis():
    if not _redis_reachable():
        pytest.skip(f"no Redis reachable at {REDIS_URL}: the real-worker test needs one")
    from celery import Celery
    from django.db import connection

    from omni.dburl import url_for

    env = dict(os.environ)
    env.update(
        {
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_RESULT_BACKEND": REDIS_URL,
            "DATABASE_URL": url_for(connection.settings_dict),
            "OMNI_TESTING": "1",
        }
    )
    queue = f"test-{uuid.uuid4().hex[:8]}"
    argv = [sys.executable, "-m", "celery", "-A", "omni", "worker", "--pool=solo", "-Q", queue]
    worker = Child(
        [*argv, "--without-gossip", "--without-mingle", "--loglevel=WARNING"], env=env, name="worker"
    )
    try:
        producer = Celery("omni-test-producer", broker=REDIS_URL, backend=REDIS_URL, set_as_current=False)
        token = uuid.uuid4().hex
        started = time.monotonic()
        result = producer.send_task("omni.tasks.ping_task", args=[token], queue=queue)
        # The test process is not a worker. Celery's "inside a task" guard is a process-global flag that
        # eager tasks set and restore; the race tests run eager tasks from several threads at once, which
        # can leave it set.
        with allow_join_result():
            try:
                value = result.get(timeout=60)
            except CeleryTimeoutError:
                pytest.fail(f"the worker did not answer within 60 s:\n{worker.output()}")
        assert value == {"pong": token, "database": connection.settings_dict["NAME"]}, worker.output()
        assert time.monotonic() - started < 60
    finally:
        worker.close()
