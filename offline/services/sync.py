"""Exactly once: applying an action a tablet queued while offline.

One transaction does it all. The action's row is inserted first (INSERT ... ON CONFLICT (key) DO NOTHING):
- the insert went in: this is the first sync of the key; the action is applied by kind (sale, count, damage)
  in a savepoint of the same transaction, and its outcome written on the row. A business failure (an unknown
  SKU, a count posted meanwhile, a location that does not sell: a DomainError) rolls back the savepoint only:
  the action is kept as `rejected` with the error's code and detail, for a person (never lost). Any other
  error rolls everything back, the row with it: the tablet retries later.
- the key exists: a retry, or another tablet replaying the same queue. The same body answers the recorded
  outcome (`replayed`), nothing else is done; another body with the same key is refused (422
  `idempotency_key_reused`). A sync of the key still running in another transaction makes the insert wait on
  the unique index until it commits (then: the replay) or rolls back (then: this one applies it).

The body compared is what identifies the action: its key, kind, location, the moment it happened and its
payload, in canonical JSON (keys sorted, the time in UTC). The device sending it and the catalog version it
holds are transport, not the action: a second tablet replaying the queue sends its own. The first sync's
catalog version (the one the tablet priced the action from, queued with it) is kept on the row for the
record; a replay's is not compared."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from offline.exceptions import ActionRefused, IdempotencyKeyReused
from offline.models import ActionKind, ActionStatus, Device, OfflineAction
from offline.services.count import apply_count
from offline.services.damage import apply_damage
from offline.services.sale import apply_sale
from omni.actors import Actor
from omni.exceptions import DomainError, Forbidden, InvalidInput
from stores.models import Location


def body_hash(*, key: str, kind: str, location: str, happened_at: datetime, payload: dict[str, Any]) -> str:
    body = {
        "key": key,
        "kind": kind,
        "location": location,
        "happened_at": happened_at.astimezone(UTC).isoformat(),
        "payload": payload,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


CLAIM_SQL = f"""
    INSERT INTO {OfflineAction._meta.db_table}
        (key, kind, device_id, location_id, user_id, happened_at, catalog_version, received_at, body_hash,
         payload, status, result, error_code, error_detail, order_id, replays)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, '{{}}'::jsonb, '', '', NULL, 0)
    ON CONFLICT (key) DO NOTHING
    RETURNING id
"""  # noqa: S608 - the table name is ours, every value is a parameter


def register_device(*, actor: Actor, device_id: uuid.UUID, location: Location) -> None:
    """The tablet's row, created at its first sync or heartbeat (an existing one is left as it is)."""
    Device.objects.bulk_create(
        [Device(id=device_id, location=location, user=actor.user)], ignore_conflicts=True
    )


def _claim(
    *,
    actor: Actor,
    device_id: uuid.UUID,
    key: str,
    kind: str,
    location: Location,
    happened_at: datetime,
    catalog_version: str,
    digest: str,
    payload: dict[str, Any],
) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            CLAIM_SQL,
            [
                key,
                kind,
                device_id,
                location.pk,
                actor.user.pk if actor.user is not None else None,
                happened_at,
                catalog_version[:64],
                timezone.now(),
                digest,
                json.dumps(payload, default=str),
                ActionStatus.APPLIED,
            ],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def _apply(
    actor: Actor, action: OfflineAction, location: Location, happened_at: datetime, payload: dict[str, Any]
) -> dict[str, Any]:
    if action.kind == ActionKind.SALE:
        result, order = apply_sale(
            actor=actor, action=action, location=location, happened_at=happened_at, payload=payload
        )
        action.order = order
        return result
    if action.kind == ActionKind.COUNT:
        return apply_count(actor=actor, action=action, location=location, payload=payload)
    if action.kind == ActionKind.DAMAGE:
        return apply_damage(actor=actor, action=action, location=location, payload=payload)
    raise InvalidInput(f"Unknown action kind {action.kind}.", errors={"kind": ["Unknown."]})


@transaction.atomic
def apply_action(
    *,
    actor: Actor,
    device_id: uuid.UUID,
    key: str,
    kind: str,
    location: Location,
    happened_at: datetime,
    catalog_version: str,
    payload: dict[str, Any],
) -> tuple[OfflineAction, bool]:
    """Apply an offline action once; (its row, whether this was a replay). `payload` is JSON-safe (the API's
    validated input: decimals as strings)."""
    if not actor.can_act_at(location.pk):
        raise Forbidden(f"You may not act at {location.code}.")
    digest = body_hash(key=key, kind=kind, location=location.code, happened_at=happened_at, payload=payload)
    register_device(actor=actor, device_id=device_id, location=location)
    action_id = _claim(
        actor=actor,
        device_id=device_id,
        key=key,
        kind=kind,
        location=location,
        happened_at=happened_at,
        catalog_version=catalog_version,
        digest=digest,
        payload=payload,
    )
    if action_id is None:
        existing = OfflineAction.objects.get(key=key)
        if existing.body_hash != digest:
            raise IdempotencyKeyReused()
        OfflineAction.objects.filter(pk=existing.pk).update(replays=F("replays") + 1)
        existing.refresh_from_db(fields=["replays"])
        return existing, True
    action = OfflineAction.objects.select_related("device").get(pk=action_id)
    try:
        with transaction.atomic():  # a savepoint: a rejected action is still recorded
            action.result = _apply(actor, action, location, happened_at, payload)
            action.status = ActionStatus.APPLIED
    except DomainError as exc:
        action.order = None
        action.status = ActionStatus.REJECTED
        action.error_code = exc.code[:40]
        action.error_detail = str(exc.detail)[:500]
        action.result = {"code": exc.code, "detail": str(exc.detail)[:500]}
        if exc.errors:
            action.result["errors"] = exc.errors
        if isinstance(exc, ActionRefused):
            action.result["reason"], action.result["params"] = exc.reason, exc.params
    action.save(update_fields=["status", "result", "error_code", "error_detail", "order"])
    return action, False
