"""Loyalty endpoints (API-CONTRACT.md, Loyalty): enrol, look up, read a member and its ledger, adjust
points; for HQ integrations also the GDPR export and erasure, and merging duplicates.

Who may: `integration` everything; `eshop` enrols and reads members, looks them up by email; `kiosk` looks
members up by card number only (and sees email and phone masked); `store` looks up by email, card number
or phone and adjusts points (recorded at its location). A client sees only the members it enrolled or
looked up (loyalty.selectors.members); any other member is not found (404). Preferences and consents:
loyalty.api.consent."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from loyalty import selectors, services
from loyalty.api.consent import REQUIRED_ROLES as CONSENT_ROLES
from loyalty.api.consent import MemberConsentActions
from loyalty.api.filters.members import MemberFilter
from loyalty.api.serializers import members as io
from loyalty.api.serializers.members import context_for
from loyalty.exceptions import MemberNotFound
from loyalty.models import Member
from omni.actors import Actor
from omni.api.idempotency import idempotent
from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, INTEGRATION, HasRole, actor_of
from omni.api.schema import problem_responses
from omni.models import ApiRole

ENROL_ROLES = frozenset({ApiRole.INTEGRATION.value, ApiRole.ESHOP.value})
LEDGER_ROLES = frozenset({ApiRole.INTEGRATION.value, ApiRole.ESHOP.value, ApiRole.STORE.value})
ADJUST_ROLES = frozenset({ApiRole.INTEGRATION.value, ApiRole.STORE.value})


@extend_schema_view(
    list=extend_schema(
        summary="Loyalty members",
        description=(
            "Look a member up by `email`, `card_number` or `phone` (exact; several given: all must match). "
            "Which identifiers a role may use: integration and store any, eshop `email`, kiosk "
            "`card_number` only (others: 403). A card number with a wrong check digit: 400. Without an "
            "identifier: the members the caller enrolled or looked up before (HQ: every member)."
        ),
        responses={200: io.MemberOut(many=True), **problem_responses(400, 401, 403)},
    ),
)
class MemberViewSet(MemberConsentActions, mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [HasRole]
    serializer_class = io.MemberOut
    filterset_class = MemberFilter
    lookup_value_regex = r"[0-9]{1,18}"
    required_roles = {
        "list": ALL_ROLES,
        "create": ENROL_ROLES,
        "retrieve": ALL_ROLES,
        "ledger": LEDGER_ROLES,
        "lots": LEDGER_ROLES,
        "adjustments": ADJUST_ROLES,
        "export": INTEGRATION,
        "erase": INTEGRATION,
        "merge": INTEGRATION,
        **CONSENT_ROLES,
    }
    queryset = Member.objects.none()  # for the schema; get_queryset answers

    def get_queryset(self):  # type: ignore[no-untyped-def]
        members = selectors.with_points(selectors.members_for(actor_of(self.request)))
        return selectors.with_marketing_consent(members).order_by("-enrolled_at", "-id")

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if isinstance(getattr(self.request, "auth", None), Actor):
            context.update(context_for(actor_of(self.request)))
        return context

    def _member(self, actor: Actor, pk: str) -> Member:
        member = selectors.member_for(actor, int(pk))
        if member is None:
            raise MemberNotFound(f"No loyalty member {pk}.")
        return member

    def _answer(self, actor: Actor, member: Member, status_code: int = status.HTTP_200_OK) -> Response:
        found = selectors.member_for(Actor.system(), member.pk)
        body = io.MemberOut(found, context=context_for(actor)).data
        headers = (
            {"Location": reverse("loyalty-member-detail", args=[member.pk])} if status_code == 201 else None
        )
        return Response(body, status=status_code, headers=headers)

    @extend_schema(
        summary="Enrol a member",
        description=(
            "Finds the person's customer profile (by email, then phone) or creates it, and issues a card: "
            "13 digits with an EAN-13 check digit. An email already enrolled: 409 `member_exists`."
        ),
        request=io.MemberIn,
        responses={201: io.MemberOut, **problem_responses(400, 401, 403, 409, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = parse(io.MemberIn, request.data)
        actor = actor_of(request)
        member = services.enroll_member(actor=actor, **data)
        return self._answer(actor, member, status.HTTP_201_CREATED)

    @extend_schema(
        summary="A member",
        description=(
            "A member the caller may not see is not found (404). `segments`: the codes of the customer "
            "segments the member belongs to now."
        ),
        responses={200: io.MemberDetailOut, **problem_responses(401, 403, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        actor = actor_of(request)
        return Response(io.MemberDetailOut(self._member(actor, pk), context=context_for(actor)).data)

    @extend_schema(
        summary="A member's points ledger",
        description=(
            "Newest first: `earn`, `redeem`, `reverse` (points taken back on a return, or redeemed "
            "points given back), `expire`, `adjust`. `points` is signed and `points_balance` always "
            "equals their sum."
        ),
        responses={200: io.LedgerEntryOut(many=True), **problem_responses(400, 401, 403, 404)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def ledger(self, request: Request, pk: str) -> Response:
        member = self._member(actor_of(request), pk)
        page = self.paginate_queryset(selectors.ledger_for(member))
        return self.get_paginated_response(io.LedgerEntryOut(page, many=True).data)

    @extend_schema(
        summary="A member's points lots",
        description=(
            "The points not yet spent, by lot: each lot expires on its own date and redemptions use the "
            "lots that expire first."
        ),
        responses={200: io.LotOut(many=True), **problem_responses(400, 401, 403, 404)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def lots(self, request: Request, pk: str) -> Response:
        member = self._member(actor_of(request), pk)
        page = self.paginate_queryset(selectors.lots_for(member))
        return self.get_paginated_response(io.LotOut(page, many=True).data)

    @extend_schema(
        summary="Adjust a member's points",
        description=(
            "A signed number of points and a reason (audited: who, why, where). Taking more than the "
            "balance: 400 `validation_error` on `points`."
        ),
        request=io.AdjustmentIn,
        responses={201: io.AdjustmentOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def adjustments(self, request: Request, pk: str) -> Response:
        data = parse(io.AdjustmentIn, request.data)
        actor = actor_of(request)
        member = self._member(actor, pk)
        entry = services.adjust(member=member, points=data["points"], reason=data["reason"], actor=actor)
        fresh = selectors.member_for(Actor.system(), member.pk)
        body = {
            "member": io.MemberOut(fresh, context=context_for(actor)).data,
            "entry": io.LedgerEntryOut(entry).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Export a member's personal data (GDPR)",
        description=(
            "Everything held on the person: profile and merged duplicates, consent, cards, every ledger "
            "entry and lot, tier history, and the orders and returns of every channel. HQ integrations only."
        ),
        responses={
            200: OpenApiResponse(response=OpenApiTypes.OBJECT, description="The export"),
            **problem_responses(401, 403, 404),
        },
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None)
    def export(self, request: Request, pk: str) -> Response:
        member = self._member(actor_of(request), pk)
        return Response(services.export_customer(member.customer))

    @extend_schema(
        summary="Erase a member's personal data (GDPR)",
        description=(
            "Anonymises the person: profile fields blanked, a new random card number, consent withdrawn. "
            "The ledger stays, so its totals still add up. Audited. HQ integrations only."
        ),
        request=io.EraseIn,
        responses={204: None, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def erase(self, request: Request, pk: str) -> Response:
        data = parse(io.EraseIn, request.data)
        actor = actor_of(request)
        member = self._member(actor, pk)
        services.erase_customer(customer=member.customer, actor=actor, reason=data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Merge a duplicate member into this one",
        description=(
            "The duplicate's points move here with their expiry dates, its earns keep counting for the "
            "tier, and its email keeps leading to this member. Audited. HQ integrations only."
        ),
        request=io.MergeIn,
        responses={200: io.MemberOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def merge(self, request: Request, pk: str) -> Response:
        data = parse(io.MergeIn, request.data)
        actor = actor_of(request)
        keep = self._member(actor, pk)
        duplicate = self._member(actor, str(data["merge"]))
        services.merge_customers(
            keep=keep.customer, merge=duplicate.customer, actor=actor, reason=data["reason"]
        )
        return self._answer(actor, keep)
