"""Order endpoints: place, read, list, cancel and ship (API-CONTRACT.md, Orders).

Who may: `integration` everything; `eshop` places web/app orders and reads and cancels its own; `kiosk`
places kiosk orders and reads those it took; `store` places kiosk/store orders, and reads, cancels and ships
the orders of its location. Which channel a role may use is enforced by orders.services (403); what each
caller sees by orders.selectors (another client's or location's order is not found: 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from omni.actors import Actor
from omni.api.idempotency import idempotent
from omni.api.permissions import ALL_ROLES, HasRole, actor_of
from omni.api.schema import problem_responses
from omni.models import ApiRole
from orders import services
from orders.api import serializers as io
from orders.api.filters import OrderFilter
from orders.exceptions import OrderNotFound
from orders.models import Order, OrderLine, Promotion
from orders.selectors import order_detail, order_list

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="1 to 255 characters: a retry with the same key and body replays the first response.",
)
CANCEL_ROLES = frozenset({ApiRole.INTEGRATION.value, ApiRole.ESHOP.value, ApiRole.STORE.value})
SHIP_ROLES = frozenset({ApiRole.INTEGRATION.value, ApiRole.STORE.value})


def _parse(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _placement_args(data: dict[str, Any]) -> dict[str, Any]:
    customer = data.get("customer") or {}
    fulfilment = data["fulfilment"]
    payment = data.get("payment")
    return {
        "channel": data["channel"],
        "customer": services.CustomerInput(
            email=customer.get("email", ""),
            first_name=customer.get("first_name", ""),
            last_name=customer.get("last_name", ""),
            phone=customer.get("phone", ""),
        ),
        "lines": [services.LineInput(sku=line["sku"], quantity=line["quantity"]) for line in data["lines"]],
        "fulfilment": services.FulfilmentInput(
            type=fulfilment["type"],
            location=fulfilment["location"].strip(),
            address=dict(fulfilment["address"]) if fulfilment.get("address") else None,
            allow_transfer=fulfilment["allow_transfer"],
        ),
        "redeem_points": data["redeem_points"],
        "payment": (
            services.PaymentInput(
                method=payment["method"], status=payment["status"], reference=payment["reference"]
            )
            if payment
            else None
        ),
    }


@extend_schema_view(
    list=extend_schema(
        summary="Orders",
        description=(
            "Newest first. HQ sees every order; the e-shop its own; a kiosk the orders it took; a store the "
            "orders taken at, picked up at or shipped from its location. A filter never widens that."
        ),
        responses={200: io.OrderSummaryOut(many=True), **problem_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="An order",
        description=(
            "With its lines (and where their units are held), payments, shipments and timeline. An order "
            "the caller may not see is not found (404)."
        ),
        responses={200: io.OrderOut, **problem_responses(401, 403, 404)},
    ),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [HasRole]
    serializer_class = io.OrderSummaryOut
    filterset_class = OrderFilter
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]{1,20}"
    required_roles = {
        "list": ALL_ROLES,
        "retrieve": ALL_ROLES,
        "create": ALL_ROLES,
        "cancel": CANCEL_ROLES,
        "ship": SHIP_ROLES,
    }
    queryset = Order.objects.none()  # for the schema; get_queryset answers

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return order_list(actor_of(self.request))

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        # The lines of a page in one query, whatever the page size.
        return (
            super()
            .filter_queryset(queryset)
            .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        )

    def _order(self, actor: Actor, number: str) -> Order:
        order = order_detail(actor, number)
        if order is None:
            raise OrderNotFound(f"No order {number}.")
        return order

    def _answer(self, order: Order, status_code: int = status.HTTP_200_OK) -> Response:
        promotion_ids = {line.promotion_id for line in order.lines.all() if line.promotion_id}
        promotions = Promotion.objects.in_bulk(promotion_ids) if promotion_ids else {}
        body = io.OrderOut(order, context={"promotions": promotions}).data
        headers = {"Location": reverse("order-detail", args=[order.number])} if status_code == 201 else None
        return Response(body, status=status_code, headers=headers)

    def retrieve(self, request: Request, number: str) -> Response:
        return self._answer(self._order(actor_of(request), number))

    @extend_schema(
        summary="Place an order",
        description=(
            "Prices come from the catalog. Stock is reserved atomically, every line or none: `pickup` at the "
            "pickup location (with `allow_transfer`, what the store lacks at a warehouse), `delivery` from "
            "the locations that ship (fewest shipments, then nearest), `carry_out` is a sale at the till, "
            "completed at once. A line that cannot be had: 409 `insufficient_stock` with `skus` and "
            "`shortages`, and nothing is written. A channel the caller's role may not use: 403."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=io.OrderIn,
        responses={201: io.OrderOut, **problem_responses(400, 401, 403, 409, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = _parse(io.OrderIn, request.data)
        actor = actor_of(request)
        order = services.place_order(actor=actor, **_placement_args(data))
        # The caller placed it, so it may see it even where the visibility rules would not show it later.
        found = order_detail(actor, order.number) or order_detail(Actor.system(), order.number)
        assert found is not None
        return self._answer(found, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel an order",
        description=(
            "Releases the reserved stock and refunds an authorised or captured payment. Only a placed or "
            "ready-for-pickup order is cancelled (else 409 `invalid_transition`). The e-shop cancels its own "
            "orders, a store those of its location; a kiosk may not cancel (403)."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=io.CancelIn,
        responses={200: io.OrderOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request: Request, number: str) -> Response:
        data = _parse(io.CancelIn, request.data or {})
        actor = actor_of(request)
        services.cancel_order(actor=actor, number=number, reason=data["cancel_reason"])
        return self._answer(self._order(actor, number))

    @extend_schema(
        summary="Ship a delivery order",
        description=(
            "The reserved units of each pending shipment the caller may ship leave as a sale. A store ships "
            "only the part leaving from its location; the order is `shipped` when its last part is. Only a "
            "placed delivery order ships (else 409 `invalid_transition`)."
        ),
        parameters=[IDEMPOTENCY_HEADER],
        request=io.ShipIn,
        responses={200: io.OrderOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def ship(self, request: Request, number: str) -> Response:
        data = _parse(io.ShipIn, request.data or {})
        actor = actor_of(request)
        services.ship_order(
            actor=actor,
            number=number,
            carrier=data["carrier"],
            tracking=data["tracking"],
            location_code=data["location"].strip() or None,
        )
        return self._answer(self._order(actor, number))
