"""Order endpoints: place, read, list, cancel and ship; click and collect: pick, short-pick,
ready-for-pickup, collect, unlock-pickup (API-CONTRACT.md, Orders).

Who may: `integration` everything; `eshop` places web/app orders and reads and cancels its own; `kiosk`
places kiosk orders and reads those it took; `store` places kiosk/store orders, and reads, cancels and ships
the orders of its location, and prepares and hands over its pickups (a store manager, or HQ, unlocks one).
Which channel a role may use is enforced by orders.services (403); what each caller sees by orders.selectors
(another client's or location's order is not found: 404). Store roles never see pickup codes."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from omni.actors import Actor
from omni.api.idempotency import idempotent
from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, HasRole, actor_of
from omni.api.schema import problem_responses
from omni.models import ApiRole
from orders import services
from orders.api.filters import OrderFilter
from orders.api.serializers import orders as io
from orders.api.serializers import pickup as pickup_io
from orders.exceptions import OrderInvalid, OrderNotFound
from orders.models import Order, OrderLine
from orders.selectors import order_detail, order_list
from orders.selectors.promotions import promotions_by_id
from orders.services.slots import change_pickup_slot, mark_arrived

CANCEL_ROLES = frozenset({ApiRole.INTEGRATION.value, ApiRole.ESHOP.value, ApiRole.STORE.value})
SHIP_ROLES = frozenset({ApiRole.INTEGRATION.value, ApiRole.STORE.value})
PICKUP_ROLES = frozenset({ApiRole.INTEGRATION.value, ApiRole.STORE.value})
CUSTOMER_ROLES = frozenset({ApiRole.INTEGRATION.value, ApiRole.ESHOP.value})  # the customer's own calls


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
            pickup_slot=fulfilment.get("pickup_slot"),
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
        "pick": PICKUP_ROLES,
        "short_pick": PICKUP_ROLES,
        "ready_for_pickup": PICKUP_ROLES,
        "collect": PICKUP_ROLES,
        "unlock_pickup": PICKUP_ROLES,
        "pickup_slot": CUSTOMER_ROLES,
        "arrived": CUSTOMER_ROLES,
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
        promotions = promotions_by_id(promotion_ids)
        # ship-to-store transfers of the allocations: one query (none when placement attached them)
        prefetch_related_objects(
            [a for line in order.lines.all() for a in line.allocations.all()], "transfer"
        )
        body = io.order_body(order, {"promotions": promotions, "request": self.request})
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
        request=io.OrderIn,
        responses={201: io.OrderOut, **problem_responses(400, 401, 403, 409, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = parse(io.OrderIn, request.data)
        actor = actor_of(request)
        # The order comes back with what it was written with (lines, allocations, shipments, payment,
        # timeline) attached: answering reads nothing back.
        order = services.place_order(actor=actor, **_placement_args(data))
        return self._answer(order, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel an order",
        description=(
            "Releases the reserved stock and refunds an authorised or captured payment. Only a placed or "
            "ready-for-pickup order is cancelled (else 409 `invalid_transition`). The e-shop cancels its own "
            "orders, a store those of its location; a kiosk may not cancel (403)."
        ),
        request=io.CancelIn,
        responses={200: io.OrderOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request: Request, number: str) -> Response:
        data = parse(io.CancelIn, request.data or {})
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
        request=io.ShipIn,
        responses={200: io.OrderOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def ship(self, request: Request, number: str) -> Response:
        data = parse(io.ShipIn, request.data or {})
        actor = actor_of(request)
        services.ship_order(
            actor=actor,
            number=number,
            carrier=data["carrier"],
            tracking=data["tracking"],
            location_code=data["location"].strip() or None,
        )
        return self._answer(self._order(actor, number))

    # --- Click and collect ------------------------------------------------------------------------------

    def _line_ids(self, order: Order, items: list[dict[str, Any]], field: str = "lines") -> dict[int, str]:
        """Each item's OrderLine id (given, or found by SKU) -> its field path, for the service's errors."""
        lines = list(order.lines.all())
        by_sku = {line.sku: line.pk for line in lines}
        ids = {line.pk for line in lines}
        errors: dict[str, list[str]] = {}
        found: dict[int, str] = {}
        for index, item in enumerate(items):
            prefix = f"{field}.{index}." if field else ""
            if "sku" in item:
                line_id = by_sku.get(item["sku"])
                if line_id is None:
                    errors[f"{prefix}sku"] = [f"{item['sku']} is not on order {order.number}."]
                    continue
            else:
                line_id = item["line_id"]
                if line_id not in ids:
                    errors[f"{prefix}line_id"] = [f"Order {order.number} has no line {line_id}."]
                    continue
            if line_id in found:
                errors[f"{prefix}{'sku' if 'sku' in item else 'line_id'}"] = ["This line is listed twice."]
                continue
            found[line_id] = f"{prefix}picked" if field else "missing"
        if errors:
            raise OrderInvalid(
                "Some lines are not on this order: " + " ".join(m for ms in errors.values() for m in ms),
                errors=errors,
            )
        return found

    @extend_schema(
        summary="Record picked units (click and collect)",
        description=(
            "How many units of each line are in the customer's bag (absolute, 0 up to the units held at the "
            "store), by `line_id` or `sku`. Only a placed pickup order, only by its store (or HQ); else 409 "
            "`invalid_transition` or 403."
        ),
        request=pickup_io.PickIn,
        responses={200: io.OrderOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def pick(self, request: Request, number: str) -> Response:
        data = parse(pickup_io.PickIn, request.data)
        actor = actor_of(request)
        labels = self._line_ids(self._order(actor, number), data["lines"])
        picked = dict(zip(labels, (item["picked"] for item in data["lines"]), strict=True))
        services.pick_lines(actor=actor, number=number, picked=picked, labels=labels)
        return self._answer(self._order(actor, number))

    @extend_schema(
        summary="Report units missing on the shelf (click and collect)",
        description=(
            "`missing` units of a line are not there. Those the order held at the store are written off "
            "(a stock adjustment, so availability is truthful) and their reservation released. Then "
            "`resource`: they are held at another location and sent by transfer (the promised time moves; "
            "what nobody has is cancelled), or `cancel_line`: they are taken off the order, which is "
            "repriced (a refund due is recorded on a captured payment) and the customer is emailed. An order "
            "left with nothing is cancelled (`out_of_stock`)."
        ),
        request=pickup_io.ShortPickIn,
        responses={200: io.OrderOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"], url_path="short-pick")
    @idempotent
    def short_pick(self, request: Request, number: str) -> Response:
        data = parse(pickup_io.ShortPickIn, request.data)
        actor = actor_of(request)
        [line_id] = self._line_ids(self._order(actor, number), [data], field="")
        services.short_pick(
            actor=actor,
            number=number,
            line_id=line_id,
            missing=data["missing"],
            resolution=data["resolution"],
        )
        return self._answer(self._order(actor, number))

    @extend_schema(
        summary="Mark a pickup ready",
        description=(
            "A placed pickup order becomes `ready_for_pickup`: lines not yet picked are confirmed picked, "
            "`pickup` gets its `code`, `ready_at` and `expires_at` (ready + the store's `pickup_hold_days`), "
            "and the customer is emailed the code and its QR code. Only its store (or HQ); e-shop and kiosk "
            "clients 403. While a ship-to-store transfer is not received, or for any other status: 409 "
            "`invalid_transition`."
        ),
        request=None,
        responses={200: io.OrderOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"], url_path="ready-for-pickup")
    @idempotent
    def ready_for_pickup(self, request: Request, number: str) -> Response:
        actor = actor_of(request)
        services.mark_ready(actor=actor, number=number)
        return self._answer(self._order(actor, number))

    @extend_schema(
        summary="Hand a pickup over",
        description=(
            "Against the customer's `pickup_code`: the right code -> `collected`, the reserved units leave "
            "the store as a sale. A wrong code: 400 `invalid_pickup_code` (with `attempts_left`); the 5th "
            "wrong code locks the pickup, and then even the right code gets 409 `pickup_locked` until a "
            "store manager or HQ unlocks it. An order paid at pickup needs `payment` (card or cash, recorded "
            "as captured): without it 400 naming `payment`. Not ready (or collected meanwhile at another "
            "desk): 409 `invalid_transition`. Not idempotent by key: a retry of a success is a 409. "
            "`refused` lines become a return at the pickup store in the same transaction (refund as paid, "
            "points reversed); a bad one is a 400 naming `refused.<sku>` and nothing is handed over."
        ),
        request=pickup_io.CollectIn,
        responses={200: io.OrderOut, **problem_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def collect(self, request: Request, number: str) -> Response:
        data = parse(pickup_io.CollectIn, request.data)
        actor = actor_of(request)
        payment = data.get("payment")
        # No transaction around this: a wrong code's count commits even though the answer is an error.
        services.collect(
            actor=actor,
            number=number,
            code=data["pickup_code"],
            payment=(
                services.PaymentInput(
                    method=payment["method"], status="captured", reference=payment["reference"]
                )
                if payment
                else None
            ),
            refused={line["sku"]: line["quantity"] for line in data.get("refused") or []},
        )
        return self._answer(self._order(actor, number))

    @extend_schema(
        summary="Unlock a pickup locked by wrong codes",
        description=(
            "A store manager of the pickup store (staff session) or HQ clears the wrong-code count and the "
            "lock, saying why (kept in the timeline and the audit log). Store clients and associates: 403. "
            "A pickup neither locked nor with wrong codes: 409 `invalid_transition`."
        ),
        request=pickup_io.UnlockPickupIn,
        responses={200: io.OrderOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"], url_path="unlock-pickup")
    @idempotent
    def unlock_pickup(self, request: Request, number: str) -> Response:
        data = parse(pickup_io.UnlockPickupIn, request.data)
        actor = actor_of(request)
        services.unlock_pickup(actor=actor, number=number, reason=data["reason"])
        return self._answer(self._order(actor, number))

    # --- Pickup windows and arrivals (docs/TIME-IN-STORE.md) ---------------------------------------------

    @extend_schema(
        summary="Change a pickup's window",
        description=(
            "While the pickup is placed or ready for pickup (else 409 `invalid_transition`): `pickup_slot` "
            "is the start of a window of the order's store (GET /locations/{code}/pickup-slots/), not before "
            "the order's promised ready time (else 400 naming `pickup_slot`). The new place is taken and the "
            "old one given back in one transaction; a full window: 409 `slot_full`, the old window kept. "
            "The e-shop for its own orders, and integrations."
        ),
        request=pickup_io.PickupSlotIn,
        responses={200: io.OrderOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"], url_path="pickup-slot")
    @idempotent
    def pickup_slot(self, request: Request, number: str) -> Response:
        data = parse(pickup_io.PickupSlotIn, request.data)
        actor = actor_of(request)
        change_pickup_slot(actor=actor, number=number, start=data["pickup_slot"])
        return self._answer(self._order(actor, number))

    @extend_schema(
        summary="The customer is at the store",
        description=(
            "For a pickup placed or ready for pickup (else 409 `invalid_transition`): `pickup.arrived_at` is "
            "set and the store's pickup queue shows the order first, with the `note` (a bay, a car). "
            "Idempotent: a second call keeps the first `arrived_at` and may update the note. The e-shop for "
            "its own orders, and integrations."
        ),
        request=pickup_io.ArrivedIn,
        responses={200: io.OrderOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def arrived(self, request: Request, number: str) -> Response:
        data = parse(pickup_io.ArrivedIn, request.data or {})
        actor = actor_of(request)
        mark_arrived(actor=actor, number=number, note=data["note"])
        return self._answer(self._order(actor, number))
