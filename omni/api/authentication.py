"""Bearer tokens for API clients; the staff's browser session (with CSRF) for the back-office's own calls.
Both set `request.auth` to an `omni.actors.Actor`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from omni.actors import Actor
from omni.cache_versions import VersionedMap
from omni.models import ApiClient, hash_token

LAST_USED_RESOLUTION = timedelta(minutes=1)


def _load_clients(token_hashes: set[str]) -> dict[str, ApiClient]:
    rows = ApiClient.objects.select_related("location").filter(token_hash__in=token_hashes)
    return {client.token_hash: client for client in rows}


# Known tokens, in this process: a client revoked, re-scoped or deleted (or its location changed) bumps a
# version (omni.cache_versions) that the next request reads, so a revocation holds from the next request.
# Unknown tokens are not kept: they are looked up every time.
_clients: VersionedMap[str, ApiClient] = VersionedMap(("api_clients", "locations"), _load_clients)


@dataclass(frozen=True)
class ClientPrincipal:
    """What `request.user` is for an API client: authenticated, not a staff user."""

    client: ApiClient
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def pk(self) -> int:
        return self.client.pk

    def __str__(self) -> str:
        return f"api:{self.client.name}"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ClientPrincipal, Actor] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send 'Authorization: Bearer <token>' with a single token.")
        client = _clients.get(hash_token(parts[1]))
        if client is None or not client.is_active:
            raise exceptions.AuthenticationFailed("The token is unknown or has been revoked.")
        now = timezone.now()
        if client.last_used_at is None or client.last_used_at < now - LAST_USED_RESOLUTION:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
            client.last_used_at = now
        return ClientPrincipal(client), Actor.for_client(client)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class StaffSessionAuthentication(authentication.SessionAuthentication):
    """The logged-in staff user of the back-office, CSRF enforced on unsafe methods."""

    def authenticate(self, request: Request):  # type: ignore[no-untyped-def]
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        return user, Actor.for_user(user)
