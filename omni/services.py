"""Platform writes: API clients and the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from omni.actors import Actor
from omni.exceptions import InvalidInput
from omni.models import LOCATION_BOUND_ROLES, ApiClient, ApiRole, AuditEntry, User, hash_token


def record_audit(
    *,
    action: str,
    actor: Actor | None = None,
    user: User | None = None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        user=user or (actor.user if actor else None),
        api_client=actor.client if actor else None,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason,
        data=data or {},
    )


@transaction.atomic
def create_api_client(*, name: str, role: str, location_id: int | None = None) -> tuple[ApiClient, str]:
    """Create a client; returns it and its token, which is shown this once and stored only hashed."""
    if role not in ApiRole.values:
        raise InvalidInput(f"Unknown role {role!r}: choose one of {', '.join(ApiRole.values)}.")
    if role in LOCATION_BOUND_ROLES and location_id is None:
        raise InvalidInput(f"A {role} client acts at one location: give its location.")
    if role not in LOCATION_BOUND_ROLES and location_id is not None:
        raise InvalidInput(f"A {role} client is not bound to a location: leave the location out.")
    if ApiClient.objects.filter(name=name).exists():
        raise InvalidInput(f"An API client named {name!r} already exists.")
    token = ApiClient.new_token()
    client = ApiClient.objects.create(
        name=name, role=role, location_id=location_id, token_prefix=token[:12], token_hash=hash_token(token)
    )
    record_audit(
        action="api_client.created", object_type="api_client", object_id=client.pk, data={"role": role}
    )
    return client, token


@transaction.atomic
def create_api_client_with_token(*, name: str, role: str, location_id: int | None, token: str) -> ApiClient:
    """For demo data only: a client with a token chosen in advance (printed by `make run`)."""
    client, _ = ApiClient.objects.update_or_create(
        name=name,
        defaults={
            "role": role,
            "location_id": location_id,
            "token_prefix": token[:12],
            "token_hash": hash_token(token),
            "revoked_at": None,
        },
    )
    return client


@transaction.atomic
def revoke_api_client(*, client: ApiClient, by_user: User | None = None) -> ApiClient:
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        record_audit(action="api_client.revoked", user=by_user, object_type="api_client", object_id=client.pk)
    return client
