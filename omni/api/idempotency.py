"""`Idempotency-Key` for POSTs that create something (see API-CONTRACT.md, Conventions).

One transaction does it all: claiming the key, the handler's work and storing its answer, so a request
either happened with its answer stored or did not happen at all, and it costs one commit.

Claiming is one statement: take the key's transaction-scoped advisory lock (`pg_try_advisory_xact_lock`)
and, only if that succeeded, INSERT the (owner, key) row ... ON CONFLICT DO NOTHING. The lock says whether
another request with this key is running right now (its transaction holds it until it commits or rolls
back): then the answer is 409 `idempotency_in_progress`. The unique index, which sees committed rows
whatever the statement's snapshot, says whether the key was used before: then the stored answer is
replayed, or 422 `idempotency_key_reused` when the request differs. A request whose process or connection
died rolled back with its claim and released its lock: the retry simply runs.

A handler's 4xx answer is stored too (a retry gets the same answer), after its work was rolled back, in a
second short transaction. A 5xx or 429 is not stored: the retry runs again. An error raised after the
commit (an after-commit hook) answers what was committed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
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
from omni.transactions import all_or_nothing

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


CLAIM_SQL = f"""
    WITH lock AS (SELECT pg_try_advisory_xact_lock(%s) AS taken),
    claimed AS (
        INSERT INTO {IdempotencyRecord._meta.db_table}
            (owner, key, method, path, request_hash, state, response_headers, response_content_type,
             created_at)
        SELECT %s, %s, %s, %s, %s, %s, '{{}}'::jsonb, '', %s FROM lock WHERE lock.taken
        ON CONFLICT (owner, key) DO NOTHING
        RETURNING id
    )
    SELECT (SELECT taken FROM lock), (SELECT id FROM claimed)
"""  # noqa: S608 - the table name is ours, every value is a parameter


def _claim(owner: str, key: str, request: Request, fingerprint: str) -> tuple[bool, int | None]:
    """Inside the caller's transaction: (whether the key's lock was free, the new row's id or None when
    (owner, key) exists already)."""
    with connection.cursor() as cursor:
        cursor.execute(
            CLAIM_SQL,
            [
                _lock_id(owner, key),
                owner,
                key,
                request.method,
                request.path[:500],
                fingerprint,
                IdempotencyRecord.State.IN_PROGRESS,
                timezone.now(),
            ],
        )
        taken, record_id = cursor.fetchone()
    return bool(taken), record_id


def _existing(owner: str, key: str, fingerprint: str) -> HttpResponse | int | None:
    """Under the key's lock, when the key was used before: the answer to give (a replay, 422), or the id
    of a row to reuse (expired, or claimed by a request that died before this scheme committed claims
    apart), or None when it vanished (expired and purged meanwhile)."""
    record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
    if record is None:
        return None
    expired = record.created_at < timezone.now() - settings.OMNI_IDEMPOTENCY_TTL
    if not expired and record.request_hash != fingerprint:
        return _problem(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request; use a new key.",
            title="Idempotency key reused",
        )
    if not expired and record.state == IdempotencyRecord.State.DONE:
        return _replay(record)
    # Expired, or in progress with its lock free (its request can no longer finish): start it afresh.
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        request_hash=fingerprint,
        state=IdempotencyRecord.State.IN_PROGRESS,
        created_at=timezone.now(),
        response_status=None,
        response_body=None,
        response_headers={},
        response_content_type="",
    )
    return record.pk


def _in_progress() -> Response:
    return _problem(
        409,
        "idempotency_in_progress",
        "A request with this Idempotency-Key is still being processed; retry shortly.",
        title="Request in progress",
    )


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
        try:
            with transaction.atomic():
                taken, record_id = _claim(owner, key, request, fingerprint)
                if not taken:
                    return _in_progress()
                if record_id is None:
                    found = _existing(owner, key, fingerprint)
                    if isinstance(found, HttpResponse):
                        return found
                    if found is None:  # expired and purged between the claim and this read
                        return _in_progress()
                    record_id = found
                with all_or_nothing():
                    response = handler(view, request, *args, **kwargs)
                response = view.finalize_response(request, response, *args, **kwargs)
                response.render()
                if response.status_code < 500:
                    _store(record_id, response)
                    return response
                transaction.set_rollback(True)  # a 5xx keeps nothing: the retry runs again
                return response
        except Exception as exc:  # noqa: BLE001 - the handler's error becomes the stored answer
            return _answer_error(view, request, exc, owner, key, fingerprint, args, kwargs)

    return wrapper


def _answer_error(
    view: Any,
    request: Request,
    exc: Exception,
    owner: str,
    key: str,
    fingerprint: str,
    args: Any,
    kwargs: Any,
) -> HttpResponse:
    """The handler raised and its transaction rolled back (or an after-commit hook raised after a commit:
    then the committed answer is the answer). Store a 4xx in a short transaction of its own."""
    done = IdempotencyRecord.objects.filter(
        owner=owner, key=key, request_hash=fingerprint, state=IdempotencyRecord.State.DONE
    ).first()
    if done is not None:
        return _replay(done, replayed=False)
    response = view.handle_exception(exc)  # re-raises what is not an API error (a 500)
    response = view.finalize_response(request, response, *args, **kwargs)
    response.render()
    if response.status_code >= 500 or response.status_code == 429:
        return response
    with transaction.atomic():
        taken, record_id = _claim(owner, key, request, fingerprint)
        if taken and record_id is None:
            found = _existing(owner, key, fingerprint)
            if isinstance(found, HttpResponse):
                return found  # another request with this key finished meanwhile: its answer stands
            record_id = found
        if record_id is not None:
            _store(record_id, response)
    return response


def purge_expired() -> int:
    cutoff = timezone.now() - settings.OMNI_IDEMPOTENCY_TTL
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
