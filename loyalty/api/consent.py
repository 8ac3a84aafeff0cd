"""A member's preferences and consents (API-CONTRACT.md, "The customer's preferences and consent"): the
actions of the member endpoints at `/api/v1/loyalty/members/{id}/preferences/` and `.../consents/`.

Who may: every role, on the members it may read (loyalty.selectors.members: the e-shop the customers it
enrolled or looked up by email, a kiosk or store the ones it looked up by card at its location, HQ every
one); any other member is not found (404). A kiosk or store records a consent at its own location."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from loyalty import selectors, services
from loyalty.api.serializers import consent as io
from loyalty.api.serializers.members import context_for
from loyalty.models import Customer, Member
from omni.actors import Actor
from omni.api.idempotency import idempotent
from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, actor_of
from omni.api.schema import problem_responses

HISTORY_LIMIT = 200

REQUIRED_ROLES = {
    "preferences": ALL_ROLES,
    "update_preferences": ALL_ROLES,
    "consents": ALL_ROLES,
    "record_consent": ALL_ROLES,
}


def preferences_body(customer: Customer) -> dict[str, object]:
    location_id, language, sizes = selectors.preferences_of(customer)
    location = selectors.preferred_location_of(customer) if location_id else None
    return {
        "preferred_location": location.code if location else None,
        "preferred_location_name": location.name if location else None,
        "language": language,
        "sizes": sizes,
    }


def consents_body(customer: Customer, actor: Actor) -> dict[str, object]:
    history = list(selectors.consent_history(customer)[:HISTORY_LIMIT])
    return {
        "current": io.ConsentStateOut(selectors.current_consents(customer), many=True).data,
        "history": io.ConsentEventOut(history, many=True, context=context_for(actor)).data,
    }


class MemberConsentActions:
    """Mixed into loyalty.api.members.MemberViewSet, whose `_member` finds the member the caller may see
    (404 otherwise)."""

    _member: Callable[[Actor, str], Member]

    @extend_schema(
        summary="A member's preferences",
        description="The preferred store (its code), the language of the member's messages, the sizes.",
        responses={200: io.PreferencesOut, **problem_responses(401, 403, 404)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def preferences(self, request: Request, pk: str) -> Response:
        member = self._member(actor_of(request), pk)
        return Response(preferences_body(member.customer))

    @extend_schema(
        summary="Change a member's preferences",
        description=(
            "Only the fields given change; `sizes` replaces every size held. A code that is not an open "
            "store's, an unknown language or a malformed size: 400 `validation_error` naming the field."
        ),
        request=io.PreferencesIn,
        responses={200: io.PreferencesOut, **problem_responses(400, 401, 403, 404)},
        filters=False,
    )
    @preferences.mapping.patch
    def update_preferences(self, request: Request, pk: str) -> Response:
        data = parse(io.PreferencesIn, request.data, partial=True)
        actor = actor_of(request)
        member = self._member(actor, pk)
        customer = services.update_preferences(customer=member.customer, changes=data, actor=actor)
        return Response(preferences_body(customer))

    @extend_schema(
        summary="A member's consents and their history",
        description=(
            "`current`: the latest statement on each purpose (marketing, profiling, feedback) and channel "
            "(email, sms, push) the member ever stated; a pair not listed has no consent. `history`: every "
            "statement, newest first, with its touchpoint (`source`), who recorded it (`actor`) and where. "
            "Nothing is sent to the member on a purpose and channel without consent."
        ),
        responses={200: io.ConsentsOut, **problem_responses(401, 403, 404)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def consents(self, request: Request, pk: str) -> Response:
        actor = actor_of(request)
        member = self._member(actor, pk)
        return Response(consents_body(member.customer, actor))

    @extend_schema(
        summary="Record a member's consent",
        description=(
            "What the member stated (granted or withdrawn) on one purpose and channel, through a "
            "touchpoint (`source`). Every statement is kept, also one that repeats the current state: it "
            "is the evidence of consent. A kiosk or store records at its own location. Accepts "
            "`Idempotency-Key`."
        ),
        request=io.ConsentIn,
        responses={201: io.ConsentEventOut, **problem_responses(400, 401, 403, 404, 409, 422)},
        filters=False,
    )
    @consents.mapping.post
    @idempotent
    def record_consent(self, request: Request, pk: str) -> Response:
        data = parse(io.ConsentIn, request.data)
        actor = actor_of(request)
        member = self._member(actor, pk)
        event = services.record_consent(customer=member.customer, actor=actor, **data)
        body = io.ConsentEventOut(event, context=context_for(actor)).data
        return Response(body, status=status.HTTP_201_CREATED)
