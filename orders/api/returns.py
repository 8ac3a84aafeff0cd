"""Return endpoints (API-CONTRACT.md, Returns): create (Idempotency-Key), preview (the same computation,
nothing written), list and read.

Who may: `integration` everything, at any location; `store` receives returns at its own location only (any
completed order of any channel, found by its number) and reads the returns received there; `eshop` reads the
returns of its own orders but creates (or previews) none: a return puts units back on hand, which only the
receiving location can vouch for (API-CONTRACT.md gives returns to integration and store); `kiosk`: 403.
Past the window, `override_reason` is accepted from a store manager (staff session) or HQ only."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from omni.api.idempotency import idempotent
from omni.api.parsing import parse
from omni.api.permissions import HasRole, actor_of
from omni.api.schema import problem_responses
from omni.exceptions import NotFound
from omni.models import ApiRole
from orders import services
from orders.api.filters import ReturnFilter
from orders.api.serializers import returns as io
from orders.models import Return
from orders.selectors import return_detail, return_list
from orders.services.returns import RETURN_ROLES

ROLES = frozenset(RETURN_ROLES)  # create and preview
READ_ROLES = ROLES | {ApiRole.ESHOP.value}  # the e-shop reads the returns of its own orders


def return_args(data: dict[str, Any]) -> dict[str, Any]:
    exchange = data.get("exchange")
    return {
        "order_number": data["order"],
        "location_code": data["location"],
        "lines": [
            services.ReturnLineInput(
                sku=line["sku"], quantity=line["quantity"], condition=line["condition"], reason=line["reason"]
            )
            for line in data["lines"]
        ],
        "refund_method": data["refund_method"],
        "send_to": data["send_to"],
        "override_reason": data["override_reason"],
        "exchange": (
            services.ExchangeInput(
                lines=[services.LineInput(sku=x["sku"], quantity=x["quantity"]) for x in exchange["lines"]],
                payment_method=exchange["payment_method"],
            )
            if exchange
            else None
        ),
    }


DESCRIPTION = (
    "Any location that `accepts_returns` takes back any completed order (collected, shipped or carried out) "
    "of any channel. `resellable` units go back on hand at the receiving location (a `return` movement); "
    "`damaged` ones are received and written off (`return` then `damage`), never sellable. `refund_amount` "
    "is what was paid for those units (`line_total` as stored, promotions and points shared pro rata; the "
    "last units of a line get the remainder). Points earned on them are taken back and points redeemed on "
    "them given back. More than was bought and not yet returned: 400 `validation_error` naming "
    "`lines.N.quantity`; an order not completed: 409 `invalid_transition`; a location that does not accept "
    "returns: 400; another location (store): 403; past the window (OMNI_RETURN_WINDOW_DAYS, per channel): "
    "400 `return_window_closed` unless a store manager or HQ gives `override_reason`."
)


@extend_schema_view(
    list=extend_schema(
        summary="Returns",
        description="Newest first. HQ every return; a store those received at its location; the e-shop "
        "those of its own orders.",
        responses={200: io.ReturnOut(many=True), **problem_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="A return",
        description="A return the caller may not see is not found (404).",
        responses={200: io.ReturnOut, **problem_responses(401, 403, 404)},
    ),
)
class ReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [HasRole]
    serializer_class = io.ReturnOut
    filterset_class = ReturnFilter
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]{1,20}"
    required_roles = {"list": READ_ROLES, "retrieve": READ_ROLES, "create": ROLES, "preview": ROLES}
    queryset = Return.objects.none()  # for the schema; get_queryset answers

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return return_list(actor_of(self.request))

    def retrieve(self, request: Request, number: str) -> Response:
        ret = return_detail(actor_of(request), number)
        if ret is None:
            raise NotFound(f"No return {number}.")
        return Response(io.ReturnOut(ret).data)

    @extend_schema(
        summary="Receive a return",
        description=DESCRIPTION,
        request=io.ReturnIn,
        responses={201: io.ReturnOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = parse(io.ReturnIn, request.data)
        outcome = services.create_return(actor=actor_of(request), **return_args(data))
        ret = outcome.return_doc
        return Response(
            io.ReturnOut(ret).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("return-detail", args=[ret.number])},
        )

    @extend_schema(
        summary="Preview a return",
        description="The same request and the same computation as creating it, rolled back: the refund, "
        "the points and the exchange's difference the desk shows before confirming. Nothing is written.",
        request=io.ReturnIn,
        responses={200: io.ReturnPreviewOut, **problem_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        data = parse(io.ReturnIn, request.data)
        outcome = services.create_return(actor=actor_of(request), dry_run=True, **return_args(data))
        ret = outcome.return_doc
        ret.window_closes_at = outcome.window_closes_at  # type: ignore[attr-defined]
        ret.preview = True  # type: ignore[attr-defined]
        return Response(io.ReturnPreviewOut(ret).data)
