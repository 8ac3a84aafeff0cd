"""`Idempotency-Key` for POSTs that create something (see API-CONTRACT.md, Conventions).

Race-safe by construction: the (owner, key) row is INSERTed ... ON CONFLICT DO NOTHING and committed
*before* the request runs, so of two concurrent requests exactly one inserts it; the other reads the row
and answers 409 `idempotency_in_progress`, 422 `idempotency_key_reused`, or replays the stored response.
The handler and the storing of its response run in one transaction: either both happen or neither.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from omni.api.errors import PROBLEM_CONTENT_TYPE, problem
from omni.api.permissions import actor_of
from omni.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
ABANDONED_AFTER = timedelta(minutes=5)  # an in-progress row this old belongs to a process that died
REPLAYED_HEADERS = ("Location",)


def _problem(status: int, code: str, detail: str, **kw: Any) -> Response:
    return Response(problem(status, code, detail, **kw), status=status, content_type=PROBLEM_CONTENT_TYPE)


def request_fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    raw = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _claim(owner: str, key: str, request: Request, fingerprint: str) -> int | None:
    """Insert the in-progress row; return its id, or None when (owner, key) already exists."""
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
                RETURNING id
                """,  # noqa: S608 - the table name is ours, every value is a parameter
                [
                    owner,
                    key,
                    request.method,
                    request.path[:500],
                    fingerprint,
                    IdempotencyRecord.State.IN_PROGRESS,
                    now,
                ],
            )
            row = cursor.fetchone()
    return row[0] if row else None


def _take_over_abandoned(record: IdempotencyRecord) -> bool:
    """An in-progress row older than ABANDONED_AFTER: its process died. Claim it atomically."""
    now = timezone.now()
    return bool(
        IdempotencyRecord.objects.filter(
            pk=record.pk, state=IdempotencyRecord.State.IN_PROGRESS, created_at=record.created_at
        ).update(created_at=now)
    )


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body or b""),
        status=record.response_status or 200,
        content_type=record.response_content_type or "application/json",
    )
    for name, value in (record.response_headers or {}).items():
        response[name] = value
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
            elif record.created_at < timezone.now() - ABANDONED_AFTER and _take_over_abandoned(record):
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
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                response = view.finalize_response(request, response, *args, **kwargs)
                response.render()
                if response.status_code < 500:
                    _store(record_id, response)
                    return response
        except Exception as exc:  # noqa: BLE001 - the handler's error becomes the stored response
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

    return wrapper


def purge_expired() -> int:
    cutoff = timezone.now() - settings.OMNI_IDEMPOTENCY_TTL
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
