"""The outbox: tasks that a committed change calls for, kept in PostgreSQL until they have run.

`transaction.on_commit(task.delay)` alone loses the side effect when the broker is down at commit (worse:
the publish error escaped after the commit and failed a request whose work was done, so a retry did it
twice), when a broker that keeps nothing on disk loses the message, or when a worker dies mid-task.
Celery has no transactional outbox, and the libraries that add one bring their own broker abstraction;
this is the small one Omni needs, on the database it already has:

- `enqueue(task_name, *args)` writes an `OutboxMessage` in the caller's transaction, so the task exists
  exactly when the change does, and publishes it after commit. Publishing never raises and never blocks:
  one attempt with short timeouts, and after a failure this process leaves the broker alone for a while.
- The worker runs the message through `run_outbox_task`: it claims the row (a lease, so a message
  published twice runs once), runs the named task's code, and deletes the row. A failure reschedules it
  with backoff; after OMNI_OUTBOX_MAX_ATTEMPTS it is kept as `dead` for an operator (admin).
- `drain_outbox_task` (beat, every minute) publishes whatever is due: never published, lost by the broker,
  or failed earlier. Tasks run at least once, and every task named here is idempotent, so once.
- Without a broker (development, tests) a message runs in process right after commit.

`with batch():` around a service that sets off several tasks (placing an order: the low-stock check, the
confirmation email) writes them as one message: one INSERT, one publish, one claim per change. The batch's
tasks run in order in one worker run; a failure retries the batch, and every task is idempotent.

`publish_task(task_name, *args)` is the same non-blocking publish for callers that keep their own durable
state and sweeper (webhook deliveries).
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from omni.models import OutboxMessage

logger = logging.getLogger("omni.outbox")

RUN_TASK = "omni.tasks.run_outbox_task"
BATCH = "omni.outbox.batch"  # a message whose args are [[task_name, args], ...]
_batching = threading.local()
_breaker = threading.Lock()
_broker_down_until = 0.0  # time.monotonic() before which this process does not try the broker


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def publish_grace() -> timedelta:
    """How long a published message may wait for a worker before the sweeper publishes it again."""
    return timedelta(seconds=_setting("OMNI_OUTBOX_PUBLISH_GRACE_SECONDS", 120))


def run_lease() -> timedelta:
    """How long a claimed message may run before another worker may take it (longer than any task)."""
    return timedelta(seconds=_setting("OMNI_OUTBOX_RUN_LEASE_SECONDS", 900))


def _eager() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


def task_named(name: str) -> Any:
    """The task object called `name`. Omni names every task after its module ("orders.tasks.x_task"),
    so it is imported from there: the web process need not have loaded Celery's autodiscovery."""
    module_name, _, attribute = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise LookupError(f"No task named {name!r}.") from exc


def enqueue(task_name: str, *args: Any) -> None:
    """Record `task_name(*args)` in the caller's transaction (args must be JSON); publish it after commit.
    Inside `batch()`, it joins the batch's one message."""
    collected = getattr(_batching, "tasks", None)
    if collected is not None:
        collected.append([task_name, list(args)])
        return
    _write(task_name, list(args))


def _write(task_name: str, args: list[Any]) -> None:
    message = OutboxMessage.objects.create(
        task=task_name, args=args, available_at=timezone.now() + publish_grace()
    )
    message_id = message.pk
    transaction.on_commit(lambda: publish([message_id]), robust=True)


@contextmanager
def batch() -> Iterator[None]:
    """Collect the tasks enqueued inside into one message, written when the block ends (still inside the
    caller's transaction); nothing is written when the block raises. A batch inside a batch joins it."""
    if getattr(_batching, "tasks", None) is not None:
        yield
        return
    _batching.tasks = []
    try:
        yield
        tasks = _batching.tasks
    finally:
        _batching.tasks = None
    if len(tasks) == 1:
        _write(tasks[0][0], tasks[0][1])
    elif tasks:
        _write(BATCH, tasks)


def _run_task(task_name: str, args: list[Any]) -> None:
    if task_name == BATCH:
        for name, task_args in args:
            task_named(name).run(*task_args)
        return
    task_named(task_name).run(*args)


def publish_task(task_name: str, *args: Any) -> bool:
    """Hand `task_name(*args)` to the broker now, once, without blocking or raising (False when it did
    not go). For callers whose own rows and sweeper make sure the work happens (webhook deliveries)."""
    return _send(task_name, list(args))


def publish(message_ids: Iterable[int]) -> int:
    """Hand these messages to the workers (or, without a broker, run them here). Returns how many went."""
    ids = list(message_ids)
    if _eager():
        for message_id in ids:
            run_message(message_id=message_id)
        return len(ids)
    sent = 0
    for message_id in ids:
        if not _send(RUN_TASK, [message_id]):
            break  # the broker is down: the sweeper publishes the rest
        sent += 1
    return sent


def _send(task_name: str, args: list[Any]) -> bool:
    """One publish attempt with the broker's short timeouts. False (and logged) when it failed."""
    global _broker_down_until
    if _eager():  # no broker: the task runs here and now; its failure is logged like a failed publish
        try:
            task_named(task_name).delay(*args)
        except Exception:
            logger.exception("%s%s failed in process; left for its sweeper.", task_name, tuple(args))
            return False
        return True
    if time.monotonic() < _broker_down_until:
        return False
    from celery import current_app

    try:
        current_app.send_task(task_name, args=args, retry=False, ignore_result=True)
    except Exception:  # noqa: BLE001 - any broker or network error: the outbox keeps the work for later
        with _breaker:
            _broker_down_until = time.monotonic() + _setting("OMNI_BROKER_BACKOFF_SECONDS", 15)
        logger.warning("Broker unreachable: %s%s left for the outbox sweeper.", task_name, tuple(args))
        return False
    return True


def _claim(message_id: int) -> OutboxMessage | None:
    """Take the message for this run: not dead, and not started by another run within the lease."""
    now = timezone.now()
    free = OutboxMessage.objects.filter(pk=message_id, dead=False, available_at__lte=now + publish_grace())
    claimed = free.update(available_at=now + run_lease())
    if not claimed:
        return None
    return OutboxMessage.objects.filter(pk=message_id).first()


def run_message(*, message_id: int) -> bool:
    """Run one outbox message's task and delete it. False when it was done already, is running
    elsewhere, or failed (then it is rescheduled with backoff, or kept as dead after the last attempt)."""
    message = _claim(message_id)
    if message is None:
        return False
    try:
        _run_task(message.task, message.args)
    except Exception as exc:  # noqa: BLE001 - a failing task is retried by the sweeper, never lost
        _failed(message, exc)
        return False
    OutboxMessage.objects.filter(pk=message.pk).delete()
    return True


def _failed(message: OutboxMessage, exc: Exception) -> None:
    attempts = message.attempts + 1
    dead = attempts >= _setting("OMNI_OUTBOX_MAX_ATTEMPTS", 10)
    backoff = timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=attempts,
        dead=dead,
        available_at=timezone.now() + backoff,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
    log = logger.error if dead else logger.warning
    log("Outbox %s %s failed (attempt %s): %s", message.pk, message, attempts, exc, exc_info=exc)


def drain(*, limit: int = 500) -> int:
    """Publish (or, without a broker, run) every message that is due. Returns how many were handed on."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(dead=False, available_at__lte=now)
            .order_by("available_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids and not _eager():
            OutboxMessage.objects.filter(pk__in=ids).update(available_at=now + publish_grace())
    if _eager():
        return sum(run_message(message_id=message_id) for message_id in ids)
    return publish(ids)


def reset_breaker() -> None:
    """Try the broker again at the next publish (tests; an operator's shell after fixing the broker)."""
    global _broker_down_until
    with _breaker:
        _broker_down_until = 0.0
