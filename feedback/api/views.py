"""Feedback endpoints (the contract): every role posts an answer; integration reads the summary of any
store, a store client (or store staff) of its own; the e-shop and kiosks may not (403)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from feedback.api import serializers as io
from feedback.api.filters import SummaryFilter
from feedback.exceptions import InvalidFeedback
from feedback.models import Response as FeedbackResponse
from feedback.selectors.access import LOCATION_ROLES, location_by_code, order_for_feedback, own_location
from feedback.selectors.scores import filter_responses, responses_for, summary
from feedback.services.responses import record_response
from omni.actors import Actor
from omni.api.idempotency import idempotent
from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, HasRole, actor_of
from omni.api.schema import problem_responses
from omni.exceptions import Forbidden
from omni.models import ApiRole
from orders.models import Order
from stores.models import Location

SUMMARY_ROLES = frozenset({ApiRole.INTEGRATION.value, ApiRole.STORE.value})


def _invalid(field: str, message: str) -> InvalidFeedback:
    return InvalidFeedback.on(field, message)


def _post_location(actor: Actor, code: str) -> Location | None:
    """The store an answer is about: a kiosk's or store's own (the default; another: 403)."""
    location = location_by_code(code) if code else None
    if code and location is None:
        raise _invalid("location", f"No location {code}.")
    if actor.role not in LOCATION_ROLES:
        return location
    if location is None:
        location = own_location(actor)
        if location is None:
            raise _invalid("location", "Give the store's code.")
    if not actor.can_act_at(location.pk):
        raise Forbidden(f"Feedback from {location.code} is not yours to give.")
    return location


def _post_order(actor: Actor, number: str) -> Order | None:
    if not number:
        return None
    order = order_for_feedback(actor, number)
    if order is None:
        raise _invalid("order", f"No order {number}.")
    return order


def _summary_location(actor: Actor, code: str) -> Location | None:
    """The store asked about: any for integration; a store's own only (403 for another)."""
    if not code:
        return None
    location = location_by_code(code)
    if location is None:
        raise _invalid("location", f"No location {code}.")
    if actor.location_ids is not None and location.pk not in actor.location_ids:
        raise Forbidden(f"The scores of {location.code} are not yours to read.")
    return location


class FeedbackViewSet(viewsets.GenericViewSet):
    permission_classes = [HasRole]
    serializer_class = io.FeedbackOut
    filterset_class = SummaryFilter
    required_roles = {"create": ALL_ROLES, "summary": SUMMARY_ROLES}
    queryset = FeedbackResponse.objects.none()  # for the schema; the actions answer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return FeedbackResponse.objects.none()

    @extend_schema(
        summary="Give feedback",
        description=(
            "An answer about a touchpoint: at least one of `nps` (0-10), `csat` (1-5), `ces` (1-7), and an "
            "optional `comment`; any role. No score or a score out of range: 400 `validation_error` with "
            "`errors`. `order` (by number) must be one the caller may see, else 400 on `order`; kiosk and "
            "store clients answer for their own location (the default; another: 403). A detractor (NPS 0-6) "
            "or a dissatisfied customer (CSAT 1-2) lands in the store's follow-up queue."
        ),
        request=io.FeedbackIn,
        responses={201: io.FeedbackOut, **problem_responses(400, 401, 403, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = parse(io.FeedbackIn, request.data)
        actor = actor_of(request)
        location = _post_location(actor, data["location"])
        order = _post_order(actor, data["order"])
        response = record_response(
            touchpoint=data["touchpoint"],
            nps=data.get("nps"),
            csat=data.get("csat"),
            ces=data.get("ces"),
            comment=data["comment"],
            order=order,
            location=location,
            api_client=actor.client,
        )
        return Response(io.feedback_body(response), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Feedback scores",
        description=(
            "NPS, CSAT and CES of the responses matching the filters, with their counts; a figure with no "
            "responses is null. Integration: any store (default: all responses); store clients: their own "
            "location only (the default; another: 403); eshop and kiosk: 403. A bad date or choice: 400."
        ),
        filters=True,
        responses={200: io.SummaryOut, **problem_responses(400, 401, 403)},
    )
    @action(detail=False, methods=["get"])
    def summary(self, request: Request) -> Response:
        actor = actor_of(request)
        filterset = SummaryFilter(
            request.query_params, queryset=FeedbackResponse.objects.none(), request=request
        )
        if not filterset.is_valid():
            raise InvalidFeedback(
                "Invalid query parameters.",
                errors={k: [str(m) for m in v] for k, v in filterset.errors.items()},
            )
        data: dict[str, Any] = filterset.form.cleaned_data
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            raise _invalid("until", "The last day comes on or after the first (since).")
        location = _summary_location(actor, (data.get("location") or "").strip())
        responses = filter_responses(
            responses_for(actor),
            touchpoint=data.get("touchpoint") or "",
            location=location,
            channel=data.get("channel") or "",
            since=since,
            until=until,
        )
        return Response(summary(responses))
