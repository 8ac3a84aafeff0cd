"""`Idempotency-Key` for POSTs that create something (see API-CONTRACT.md, Conventions).

Race-safe by construction: the (owner, key) row is INSERTed ... ON CONFLICT DO NOTHING and committed
*before* the request runs, so of two concurrent requests exactly one inserts it; the other reads the row
and answers 409 `idempotency_in_progress`, 422 `idempotency_key_reused`, or replays the stored response.
The handler and the storing of its response run in one transaction: either both happen or neither.

While it runs, the request holds a PostgreSQL session advisory lock on its key. A row still "in progress"
whose lock is free belongs to a request that can no longer finish (its process or connection died, or the
database restarted under it): its transaction never committed, so the retry takes the key over at once
instead of answering 409 until a timeout. (Session locks need a direct connection or session pooling:
docs/OPERATIONS.md.) An error after the commit never loses the stored answer: the retry replays it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from omni.api.errors import PROBLEM_CONTENT_TYPE, problem
from omni.api.permissions import actor_of
from omni.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
REPLAYED_HEADERS = ("Location",)


def _problem(status: int, code: str, detail: str, **kw: Any) -> Response:
    return Response(problem(status, code, detail, **kw), status=status, content_type=PROBLEM_CONTENT_TYPE)


def request_fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    raw = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _lock_id(owner: str, key: str) -> int:
    """The advisory lock id of (owner, key): 64 bits of its hash, signed as PostgreSQL's bigint."""
    digest = hashlib.sha256(f"idempotency\0{owner}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _try_lock(lock_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
        return bool(cursor.fetchone()[0])


def _unlock(lock_id: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])
    except DatabaseError:
        pass  # the connection is gone, and its locks with it


def _claim(owner: str, key: str, request: Request, fingerprint: str) -> int | None:
    """Insert the in-progress row and take its advisory lock; return its id, or None when (owner, key)
    already exists."""
    now = timezone.now()
    ttl: timedelta = settings.OMNI_IDEMPOTENCY_TTL
    with transaction.atomic():
        IdempotencyRecord.objects.filter(owner=owner, key=key, created_at__lt=now - ttl).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {IdempotencyRecord._meta.db_table}
                    (owner, key, method, path, request_hash, state, response_headers,
                     response_content_type, created_at)
                VALUES (%s, %s, %s, %s, %s, %s, '{{}}'::jsonb, '', %s)
                ON CONFLICT (owner, key) DO NOTHING
                RETURNING id, pg_try_advisory_lock(%s)
                """,  # noqa: S608 - the table name is ours, every value is a parameter
                [
                    owner,
                    key,
                    request.method,
                    request.path[:500],
                    fingerprint,
                    IdempotencyRecord.State.IN_PROGRESS,
                    now,
                    _lock_id(owner, key),
                ],
            )
            row = cursor.fetchone()
    return row[0] if row else None


def _take_over_abandoned(record: IdempotencyRecord) -> bool:
    """An in-progress row whose advisory lock is free: the request that claimed it can no longer finish.
    Take the lock (so one retry wins) and check, under it, that the row is still in progress."""
    if not _try_lock(_lock_id(record.owner, record.key)):
        return False
    if IdempotencyRecord.objects.filter(pk=record.pk, state=IdempotencyRecord.State.IN_PROGRESS).update(
        created_at=timezone.now()
    ):
        return True
    _unlock(_lock_id(record.owner, record.key))
    return False


def _replay(record: IdempotencyRecord, *, replayed: bool = True) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.response_status or 200,
        content_type=record.response_content_type or "application/json",
    )
    for name, value in (record.response_headers or {}).items():
        response[name] = value
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return response


def _store(record_id: int, response: Response) -> None:
    IdempotencyRecord.objects.filter(pk=record_id).update(
        state=IdempotencyRecord.State.DONE,
        response_status=response.status_code,
        response_body=response.content,
        response_content_type=response.get("Content-Type", "application/json"),
        response_headers={h: response[h] for h in REPLAYED_HEADERS if h in response},
    )


def idempotent(handler: Callable[..., Response]) -> Callable[..., HttpResponse]:
    """Decorate a DRF view method (create or a POST action) to honour `Idempotency-Key`."""

    @wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not 1 <= len(key) <= 255 or not key.isprintable():
            return _problem(
                400,
                "validation_error",
                "Idempotency-Key must be 1 to 255 printable characters.",
                title="Invalid input",
                errors={HEADER: ["Must be 1 to 255 printable characters."]},
            )
        owner = actor_of(request).owner_key
        fingerprint = request_fingerprint(request)
        record_id = _claim(owner, key, request, fingerprint)
        if record_id is None:
            record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if record is None:  # expired and deleted between our insert and read: try once more
                record_id = _claim(owner, key, request, fingerprint)
            elif record.request_hash != fingerprint:
                return _problem(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used with a different request; use a new key.",
                    title="Idempotency key reused",
                )
            elif record.state == IdempotencyRecord.State.DONE:
                return _replay(record)
            elif _take_over_abandoned(record):
                record_id = record.pk
            else:
                return _problem(
                    409,
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key is still being processed; retry shortly.",
                    title="Request in progress",
                )
            if record_id is None:
                return _problem(409, "idempotency_in_progress", "Retry shortly.", title="Request in progress")

        try:
            return _run(view, request, handler, record_id, args, kwargs)
        finally:
            _unlock(_lock_id(owner, key))

    return wrapper


def _run(
    view: Any,
    request: Request,
    handler: Callable[..., Response],
    record_id: int,
    args: Any,
    kwargs: Any,
) -> HttpResponse:
    """Run the handler and store its answer in one transaction. A 5xx is not stored (a retry runs again);
    an error raised after the commit (an after-commit hook) answers what was committed."""
    try:
        with transaction.atomic():
            response = handler(view, request, *args, **kwargs)
            response = view.finalize_response(request, response, *args, **kwargs)
            response.render()
            if response.status_code < 500:
                _store(record_id, response)
                return response
    except Exception as exc:  # noqa: BLE001 - the handler's error becomes the stored response
        done = IdempotencyRecord.objects.filter(pk=record_id, state=IdempotencyRecord.State.DONE).first()
        if done is not None:
            return _replay(done, replayed=False)
        try:
            response = view.handle_exception(exc)
        except Exception:
            IdempotencyRecord.objects.filter(pk=record_id).delete()
            raise
        response = view.finalize_response(request, response, *args, **kwargs)
        response.render()
        if response.status_code < 500 and response.status_code != 429:
            _store(record_id, response)
            return response
    IdempotencyRecord.objects.filter(pk=record_id).delete()
    return response


def purge_expired() -> int:
    cutoff = timezone.now() - settings.OMNI_IDEMPOTENCY_TTL
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
