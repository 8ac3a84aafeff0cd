"""GET /api/v1/locations/{code}/pickup-slots/?date=YYYY-MM-DD: a click-and-collect store's pickup windows of
a day with what remains of each, as a plain array (a small bounded list, as the contract shows). Windows
starting before the time an order placed now would be promised ready are left out, so every window listed
can be chosen with `fulfilment.pickup_slot`. Here rather than in stores: the promised ready time is the
orders app's (orders.services.hours)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, HasRole
from omni.api.schema import problem_responses
from omni.exceptions import InvalidInput, NotFound
from orders.api.serializers.pickup import PickupSlotOut, PickupSlotsQuery
from orders.services.slots import listable_slots
from stores.selectors import location_for_page


class PickupSlotsView(APIView):
    permission_classes = [HasRole]
    required_roles = {"get": ALL_ROLES}

    @extend_schema(
        summary="Pickup windows of a day (click and collect)",
        description=(
            "A plain array of {start, end, remaining}, the windows of `pickup_slot_minutes` within the "
            "store's opening hours (or that day's closure or special hours), on its own time zone (start and "
            "end with their offset). Windows starting before the promised ready time of an order placed now "
            "are left out; a full window is listed with `remaining` 0. `date` missing or invalid: 400. A "
            "location that does not offer click and collect: 400 naming `location`."
        ),
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=True)],
        responses={200: PickupSlotOut(many=True), **problem_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, code: str) -> Response:
        query = parse(PickupSlotsQuery, request.query_params)
        location = location_for_page(code.upper())
        if location is None or not location.active:
            raise NotFound(f"No location {code.upper()}.")
        if not location.click_and_collect:
            message = f"{location.code} does not offer click and collect: it has no pickup windows."
            raise InvalidInput(message, errors={"location": [message]})
        slots = listable_slots(location, query["date"])
        return Response(
            [PickupSlotOut({"start": s.start, "end": s.end, "remaining": s.remaining}).data for s in slots]
        )
