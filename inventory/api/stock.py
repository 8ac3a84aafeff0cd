"""Stock endpoints: the movement ledger, stock levels, low-stock alerts and transfers between locations.

Who may: `integration` everywhere; `store` at its own location only (staff users map onto these two).
Kiosk and e-shop clients read availability only (`/skus/{sku}/availability/`), never these.
What each caller sees is decided by the selectors that take the Actor; every write is one service call."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from inventory import selectors, services
from inventory.api.filters.stock import (
    AlertFilter,
    CountFilter,
    LevelFilter,
    MovementFilter,
    TransferFilter,
)
from inventory.api.serializers import stock as io
from inventory.models import LowStockAlert, StockCount, StockLevel, StockMovement, Transfer
from omni.api.idempotency import idempotent
from omni.api.parsing import parse
from omni.api.permissions import HasRole, actor_of
from omni.api.schema import problem_responses
from omni.models import ApiRole

STOCK_ROLES = frozenset({ApiRole.INTEGRATION.value, ApiRole.STORE.value})


class StockViewSet(viewsets.GenericViewSet):
    permission_classes = [HasRole]


@extend_schema_view(
    list=extend_schema(
        summary="The stock ledger",
        description=(
            "Every change to on hand, newest first: receipts, sales, returns, adjustments, damage, "
            "counts and transfers. Append-only: for every location and SKU, on_hand equals the sum of "
            "`delta`. "
            "A store client sees its own location only."
        ),
        responses={200: io.MovementOut(many=True), **problem_responses(400, 401, 403)},
    ),
)
class StockMovementViewSet(mixins.ListModelMixin, StockViewSet):
    serializer_class = io.MovementOut
    filterset_class = MovementFilter
    required_roles = {"list": STOCK_ROLES, "create": STOCK_ROLES}
    queryset = StockMovement.objects.none()  # for the schema; get_queryset answers

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.movement_list(actor=actor_of(self.request))

    @extend_schema(
        summary="Record a stock movement",
        description=(
            "`receipt` (quantity > 0), `damage` (quantity > 0, leaves stock), `adjustment` (signed quantity, "
            "with a `reason`) or `count` (the counted quantity >= 0; the difference is recorded). A movement "
            "that would leave on hand below zero or below what is reserved is refused with 409 "
            "`insufficient_stock` and nothing changes. A store client records at its own location only."
        ),
        request=io.MovementIn,
        responses={201: io.MovementCreatedOut, **problem_responses(400, 401, 403, 409, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = parse(io.MovementIn, request.data)
        actor = actor_of(request)
        location = selectors.location_for_stock_write(actor, data["location"])
        variant = selectors.known_variant(data["sku"])
        services.refuse_unapproved_api_adjustment(
            actor, location_id=location.pk, kind=data["kind"], quantity=data["quantity"]
        )
        movement, _ = services.record_movement(
            actor=actor,
            location_id=location.pk,
            variant_id=variant.pk,
            kind=data["kind"],
            quantity=data["quantity"],
            reason=data["reason"],
            note=data["note"],
            reference=data["reference"],
        )
        level = selectors.level_for(location.pk, variant.pk)
        body = io.MovementCreatedOut(selectors.movement_by_id(movement.pk), context={"level": level}).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Stock levels",
        description=(
            "On hand, reserved, safety stock, reorder point and available "
            "(max(on_hand - reserved - safety_stock, 0)) per location and SKU. "
            "A store client sees its own location only."
        ),
        responses={200: io.LevelOut(many=True), **problem_responses(400, 401, 403)},
    ),
)
class StockLevelViewSet(mixins.ListModelMixin, StockViewSet):
    serializer_class = io.LevelOut
    filterset_class = LevelFilter
    required_roles = {"list": STOCK_ROLES}
    queryset = StockLevel.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.level_list(actor=actor_of(self.request))


@extend_schema_view(
    list=extend_schema(
        summary="Open low-stock alerts",
        description="SKUs whose available quantity fell below their reorder point, by location.",
        responses={200: io.AlertOut(many=True), **problem_responses(400, 401, 403)},
    ),
)
class StockAlertViewSet(mixins.ListModelMixin, StockViewSet):
    serializer_class = io.AlertOut
    filterset_class = AlertFilter
    required_roles = {"list": STOCK_ROLES}
    queryset = LowStockAlert.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.open_alert_list(actor=actor_of(self.request))


@extend_schema_view(
    list=extend_schema(
        summary="Transfers",
        description="Transfers from or to the caller's locations (all for integration), newest first.",
        responses={200: io.TransferOut(many=True), **problem_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="A transfer",
        description="Another location's transfer is not found (404).",
        responses={200: io.TransferOut, **problem_responses(401, 403, 404)},
    ),
)
class TransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StockViewSet):
    serializer_class = io.TransferOut
    filterset_class = TransferFilter
    lookup_value_regex = r"[0-9]{1,18}"
    required_roles = {
        "list": STOCK_ROLES,
        "retrieve": STOCK_ROLES,
        "create": STOCK_ROLES,
        "ship": STOCK_ROLES,
        "receive": STOCK_ROLES,
        "cancel": STOCK_ROLES,
    }
    queryset = Transfer.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.transfers_for_actor(actor_of(self.request), with_lines=True)

    def get_object(self) -> Transfer:
        return selectors.transfer_for_actor(actor_of(self.request), int(self.kwargs["pk"]), with_lines=True)

    def _answer(self, transfer_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        transfer = selectors.transfer_for_actor(actor_of(self.request), transfer_id, with_lines=True)
        headers = {"Location": reverse("transfer-detail", args=[transfer_id])} if status_code == 201 else None
        return Response(io.TransferOut(transfer).data, status=status_code, headers=headers)

    @extend_schema(
        summary="Request a transfer",
        description=(
            "The units are held at the source at once (409 `insufficient_stock` if they are not available, "
            "and nothing is written). A store client creates transfers from or to its own location."
        ),
        request=io.TransferIn,
        responses={201: io.TransferOut, **problem_responses(400, 401, 403, 409, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = parse(io.TransferIn, request.data)
        source = selectors.location_by_code(data["from_location"], field="from_location")
        destination = selectors.location_by_code(data["to_location"], field="to_location")
        variants = selectors.known_variants([line["sku"] for line in data["lines"]])
        transfer = services.request_transfer(
            actor=actor_of(request),
            from_location_id=source.pk,
            to_location_id=destination.pk,
            lines=[
                services.TransferLineInput(variant_id=variant.pk, quantity=line["quantity"])
                for variant, line in zip(variants, data["lines"], strict=True)
            ],
            reference=data["reference"],
            note=data["note"],
        )
        return self._answer(transfer.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Ship a transfer",
        description=(
            "The held units leave the source (`transfer_out` movements) and are in transit. Only a requested "
            "transfer ships (else 409 `invalid_transition`); a store client ships from its own location only."
        ),
        request=io.TransferShipIn,
        responses={200: io.TransferOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def ship(self, request: Request, pk: str) -> Response:
        transfer = self.get_object()
        data = parse(io.TransferShipIn, request.data or {})
        services.ship_transfer(
            actor=actor_of(request),
            transfer_id=transfer.pk,
            carrier=data["carrier"],
            tracking=data["tracking"],
        )
        return self._answer(transfer.pk)

    @extend_schema(
        summary="Receive a transfer",
        description=(
            "The units that arrived enter the destination (`transfer_in` movements). List the lines that "
            "arrived short with the quantity received and a reason: the shortfall stays on the transfer. "
            "Only a shipped transfer is received (else 409 `invalid_transition`); a store client receives at "
            "its own location only."
        ),
        request=io.TransferReceiveIn,
        responses={200: io.TransferOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def receive(self, request: Request, pk: str) -> Response:
        transfer = self.get_object()
        data = parse(io.TransferReceiveIn, request.data or {})
        lines: list[dict[str, Any]] = data.get("lines") or []
        variants = selectors.known_variants([line["sku"] for line in lines])
        services.receive_transfer(
            actor=actor_of(request),
            transfer_id=transfer.pk,
            lines=[
                services.ReceivedLineInput(
                    variant_id=variant.pk, quantity=line["quantity"], reason=line["reason"]
                )
                for variant, line in zip(variants, lines, strict=True)
            ],
        )
        return self._answer(transfer.pk)

    @extend_schema(
        summary="Cancel a transfer",
        description="Releases the held units. Only a requested transfer is cancelled (else 409).",
        request=None,
        responses={200: io.TransferOut, **problem_responses(401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request: Request, pk: str) -> Response:
        transfer = self.get_object()
        services.cancel_transfer(actor=actor_of(request), transfer_id=transfer.pk)
        return self._answer(transfer.pk)


@extend_schema_view(
    list=extend_schema(
        summary="Stock counts (stocktakes)",
        description="Counts of the caller's locations, newest first, with how many lines are counted.",
        responses={200: io.CountOut(many=True), **problem_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="A stock count with its lines",
        description=(
            "While a blind count is open its lines do not show the system's figures. Another location's "
            "count is not found (404)."
        ),
        responses={200: io.CountDetailOut, **problem_responses(401, 403, 404)},
    ),
)
class StockCountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StockViewSet):
    serializer_class = io.CountOut
    filterset_class = CountFilter
    lookup_value_regex = r"[0-9]{1,18}"
    required_roles = {
        "list": STOCK_ROLES,
        "retrieve": STOCK_ROLES,
        "create": STOCK_ROLES,
        "entries": STOCK_ROLES,
        "post": STOCK_ROLES,
        "cancel": STOCK_ROLES,
    }
    queryset = StockCount.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.counts_for_actor(actor_of(self.request))

    def get_object(self) -> StockCount:
        return selectors.count_for_actor(actor_of(self.request), int(self.kwargs["pk"]), with_lines=True)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(io.CountDetailOut(self.get_object()).data)

    def _answer(self, count_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        count = selectors.count_for_actor(actor_of(self.request), count_id, with_lines=True)
        headers = {"Location": reverse("stock-count-detail", args=[count_id])} if status_code == 201 else None
        return Response(io.CountDetailOut(count).data, status=status_code, headers=headers)

    @extend_schema(
        summary="Start a stock count",
        description=(
            "Lists every SKU the location stocks (or those of one category, by slug or name). A store client "
            "counts at its own location only."
        ),
        request=io.CountIn,
        responses={201: io.CountDetailOut, **problem_responses(400, 401, 403, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = parse(io.CountIn, request.data)
        actor = actor_of(request)
        location = selectors.location_for_stock_write(actor, data["location"])
        category = selectors.category_by_slug_or_name(data["category"]) if data["category"] else None
        count = services.start_count(
            actor=actor,
            location_id=location.pk,
            category_id=category.pk if category else None,
            blind=data["blind"],
        )
        return self._answer(count.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Enter a counted quantity",
        description=(
            "Sets (or with `add`, adds to) the counted quantity of a SKU; a SKU not on the list is added. "
            "Only an open count takes entries (else 409 `invalid_transition`)."
        ),
        request=io.CountEntryIn,
        responses={200: io.CountLineOut, **problem_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def entries(self, request: Request, pk: str) -> Response:
        count = self.get_object()
        data = parse(io.CountEntryIn, request.data)
        variant = selectors.known_variant(data["sku"])
        services.record_count_entry(
            actor=actor_of(request),
            count_id=count.pk,
            variant_id=variant.pk,
            counted=data["counted"],
            add=data["add"],
        )
        line = selectors.count_line(count.pk, variant.pk)
        return Response(io.CountLineOut(line, context={"blind": count.blind}).data)

    @extend_schema(
        summary="Post a stock count",
        description=(
            "Records each line's variance (counted - on hand when counted) as a `count` movement against the "
            "current stock. Only an open count is posted (else 409 `invalid_transition`)."
        ),
        request=io.CountPostIn,
        responses={200: io.CountDetailOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def post(self, request: Request, pk: str) -> Response:
        count = self.get_object()
        data = parse(io.CountPostIn, request.data or {})
        services.post_count(
            actor=actor_of(request), count_id=count.pk, uncounted_as_zero=data["uncounted_as_zero"]
        )
        return self._answer(count.pk)

    @extend_schema(
        summary="Cancel a stock count",
        description="Only an open count is cancelled (else 409 `invalid_transition`). Nothing is posted.",
        request=None,
        responses={200: io.CountDetailOut, **problem_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        count = self.get_object()
        services.cancel_count(actor=actor_of(request), count_id=count.pk)
        return self._answer(count.pk)
