"""The store tablets' sync endpoints (docs/OFFLINE.md): the catalog to cache, one queued action at a time
(applied exactly once, offline.services.sync), and the heartbeat.

Who may: a staff session (with its CSRF token) at a location the user works at (HQ: any), or a `store` client
at its own location; another location: 403. Other API clients: 403."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from offline.api import serializers as io
from offline.selectors.catalog import catalog_for, catalog_version
from offline.services.devices import record_heartbeat
from offline.services.sync import apply_action
from omni.actors import Actor
from omni.api.idempotency import REPLAYED_HEADER
from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, HasRole, actor_of
from omni.api.schema import problem_responses
from omni.exceptions import Forbidden, InvalidInput
from omni.models import ApiRole
from stores.models import Location
from stores.selectors import cached_location

LOCATION_PARAMETER = OpenApiParameter(
    "location", OpenApiTypes.STR, required=True, description="The location's code (the tablet's store)."
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    response=[200],
    description="The catalog's version, quoted; send it back as If-None-Match.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="The version the tablet holds: the same version answers 304 with no body.",
)


def tablet_location(actor: Actor, code: str, *, field: str = "location") -> Location:
    """The active location `code` names, where this caller may act with a tablet (else 400 / 403)."""
    if actor.client is not None and actor.role != ApiRole.STORE:
        raise Forbidden(_("Only staff and store clients sync store tablets."))
    location = cached_location(code) if code else None
    if location is None or not location.active:
        message = _("No location %(code)s.") % {"code": code} if code else _("This field is required.")
        raise InvalidInput(message, errors={field: [message]})
    if not actor.can_act_at(location.pk):
        raise Forbidden(_("You may not use a tablet at %(code)s.") % {"code": location.code})
    return location


def _matches(header: str, version: str) -> bool:
    tags = [t.strip().removeprefix("W/").strip('"') for t in header.split(",")]
    return version in tags or "*" in tags


class CatalogView(APIView):
    permission_classes = [HasRole]
    required_roles = {"get": ALL_ROLES}

    @extend_schema(
        operation_id="offline_catalog",
        summary="The catalog a store tablet caches",
        description=(
            "Active SKUs with their prices (VAT included) and what the location has available now "
            "(informative), the open stock counts there, and the catalog's `version` (also the ETag). "
            "`If-None-Match` with the current version: 304, no body. A staff session at one of the user's "
            "locations or a `store` client at its own; another location: 403."
        ),
        parameters=[LOCATION_PARAMETER, IF_NONE_MATCH, ETAG],
        responses={
            200: io.CatalogOut,
            304: OpenApiResponse(description="Not modified: the tablet's catalog is current."),
            **problem_responses(400, 401, 403),
        },
    )
    def get(self, request: Request) -> Response:
        actor = actor_of(request)
        location = tablet_location(actor, request.query_params.get("location", "").strip())
        version = catalog_version()
        headers = {"ETag": f'"{version}"', "Cache-Control": "private, no-cache"}
        if _matches(request.headers.get("If-None-Match", ""), version):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        catalog = catalog_for(location, version=version)
        return Response(io.CatalogOut(catalog).data, headers=headers)


class ActionsView(APIView):
    permission_classes = [HasRole]
    required_roles = {"post": ALL_ROLES}

    @extend_schema(
        operation_id="offline_actions_create",
        summary="Sync one action a tablet queued",
        description=(
            "Applied exactly once per `key`, whoever sends it: the first sync answers 201 (`applied`, or "
            "`rejected`: recorded but not applied, e.g. an unknown SKU or a count posted meanwhile; kept for "
            "the store manager). The same key and body again, from any tablet: 200 with the recorded answer, "
            "`replayed: true` and `Idempotent-Replayed: true`, nothing done. The same key with another body: "
            "422 `idempotency_key_reused`. A sale is a carry_out order at the prices paid; units the "
            "location no longer had are recorded as a `found` adjustment flagged for review (`shortfalls`)."
        ),
        request=io.ActionIn,
        responses={
            201: io.ActionOut,
            200: OpenApiResponse(
                response=io.ActionOut,
                description="A replay: the recorded answer, with the header `Idempotent-Replayed: true` (the "
                "action's key is in the body, not in an Idempotency-Key header).",
            ),
            **problem_responses(400, 401, 403, 409, 422),
        },
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        data = parse(io.ActionIn, request.data)
        location = tablet_location(actor, data["location"])
        action, replayed = apply_action(
            actor=actor,
            device_id=data["device"],
            key=data["key"],
            kind=data["kind"],
            location=location,
            happened_at=data["happened_at"],
            catalog_version=data["catalog_version"],
            payload=data["payload"],
        )
        if replayed:
            return Response(io.action_body(action, True), headers={REPLAYED_HEADER: "true"})
        return Response(io.action_body(action, False), status=status.HTTP_201_CREATED)


class HeartbeatView(APIView):
    permission_classes = [HasRole]
    required_roles = {"post": ALL_ROLES}

    @extend_schema(
        operation_id="offline_devices_heartbeat",
        summary="A tablet reports its queue",
        description=(
            "Sent when online every minute and after each drain: the tablet's name, location, how many "
            "actions wait in its queue and since when. Creates the tablet's row at first. Same roles as the "
            "catalog."
        ),
        request=io.HeartbeatIn,
        responses={200: io.HeartbeatOut, **problem_responses(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        actor = actor_of(request)
        data: dict[str, Any] = parse(io.HeartbeatIn, request.data)
        location = tablet_location(actor, data["location"])
        record_heartbeat(
            actor=actor,
            device_id=data["device"],
            location=location,
            label=data["label"],
            pending=data["pending"],
            oldest_pending_at=data["oldest_pending_at"],
            catalog_version=data["catalog_version"],
        )
        return Response(io.HeartbeatOut({"server_time": timezone.now()}).data)
