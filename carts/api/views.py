"""Cart endpoints (API-CONTRACT.md, Carts): start a cart in any channel, change its lines, find a customer's
open carts by email or card, merge two, check one out into an order, draw its QR code.

Who may: every role, on the carts it may reach (carts.selectors.access: a cart it may not reach is not
found, 404). Finding by `customer_email`: eshop and integration; by `card_number`: kiosk, store and
integration (others: 403). Prices are computed at every read (carts.selectors.pricing)."""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from carts import services
from carts.api import serializers as io
from carts.api.filters import CartFilter
from carts.exceptions import CartInvalid, CartNotFound
from carts.models import Cart
from carts.selectors import cart_for, open_carts_for_card, open_carts_for_email, price_cart
from carts.selectors.access import qr_payload
from carts.services.carts import CartLineInput
from loyalty.barcodes import qr_svg
from omni.actors import Actor
from omni.api.idempotency import idempotent
from omni.api.parsing import parse
from omni.api.permissions import ALL_ROLES, HasRole, actor_of
from omni.api.schema import problem_responses
from omni.exceptions import Forbidden
from omni.models import ApiRole
from orders.api.orders import _placement_args
from orders.api.serializers.orders import OrderOut, order_body
from orders.models import Channel, Order
from orders.selectors.promotions import promotions_by_id

EMAIL_ROLES = (ApiRole.INTEGRATION, ApiRole.ESHOP)
CARD_ROLES = (ApiRole.INTEGRATION, ApiRole.KIOSK, ApiRole.STORE)
PRICED_FOR = OpenApiParameter(
    "channel",
    OpenApiTypes.STR,
    enum=[c.value for c in Channel],
    description="Price the cart for this channel (the one you will check out in); default: its own.",
)


def _priced_channel(request: Request) -> str | None:
    value = request.query_params.get("channel", "")
    if not value:
        return None
    if value not in Channel.values:
        message = _("Unknown channel '%(channel)s'.") % {"channel": value}
        raise CartInvalid(message, errors={"channel": [message]})
    return value


def _cart_body(request: Request, actor: Actor, cart: Cart) -> dict[str, Any]:
    masked = actor.role == ApiRole.KIOSK and not actor.is_staff_user
    return io.cart_body(price_cart(cart, channel=_priced_channel(request)), masked=masked)


@extend_schema_view(
    list=extend_schema(
        summary="A customer's open carts",
        description=(
            "Newest first, whatever channel started them: by `customer_email` (eshop, integration) or by "
            "`card_number` (kiosk, store, integration); one of the two is required (else 400), a role that "
            "may not use it: 403. Each cart priced now."
        ),
        responses={200: io.CartOut(many=True), **problem_responses(400, 401, 403)},
    ),
)
class CartViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [HasRole]
    serializer_class = io.CartOut
    filterset_class = CartFilter
    lookup_value_regex = r"[0-9a-fA-F-]{32,36}"
    required_roles = {
        "list": ALL_ROLES,
        "create": ALL_ROLES,
        "retrieve": ALL_ROLES,
        "lines": ALL_ROLES,
        "delete_line": ALL_ROLES,
        "merge": ALL_ROLES,
        "checkout": ALL_ROLES,
        "qr": ALL_ROLES,
    }
    queryset = Cart.objects.none()  # for the schema; the actions answer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Cart.objects.none()

    def _cart(self, actor: Actor, pk: str) -> Cart:
        cart = cart_for(actor, pk)
        if cart is None:
            raise CartNotFound(_("No cart %(cart)s.") % {"cart": pk})
        return cart

    def _answer(self, request: Request, actor: Actor, cart: Cart, code: int = status.HTTP_200_OK) -> Response:
        cart = self._cart(actor, str(cart.pk))  # as it is now, with its location and order
        headers = {"Location": reverse("cart-detail", args=[cart.pk])} if code == 201 else None
        return Response(_cart_body(request, actor, cart), status=code, headers=headers)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actor = actor_of(request)
        filterset = CartFilter(request.query_params, queryset=Cart.objects.none(), request=request)
        if not filterset.is_valid():
            raise CartInvalid(
                _("Invalid query parameters."),
                errors={k: [str(m) for m in v] for k, v in filterset.errors.items()},
            )
        data = filterset.form.cleaned_data
        email = (data.get("customer_email") or "").strip()
        card = (data.get("card_number") or "").strip()
        if bool(email) == bool(card):
            message = _("Give one of customer_email or card_number.")
            raise CartInvalid(message, errors={"customer_email": [message]})
        if email:
            if actor.role not in EMAIL_ROLES:
                raise Forbidden(_("Only eshop and integration clients find carts by email."))
            carts = open_carts_for_email(actor, email)
        else:
            if actor.role not in CARD_ROLES:
                raise Forbidden(_("Only kiosk, store and integration clients find carts by card."))
            carts = open_carts_for_card(actor, card)
        page = self.paginate_queryset(carts)
        assert page is not None
        return self.get_paginated_response([_cart_body(request, actor, cart) for cart in page])

    @extend_schema(
        summary="Start a cart",
        description=(
            "In any channel the caller's role may sell in (else 403), for a customer known by "
            "`customer.email` "
            "or `card_number` (kiosk, store, integration; an unknown card: 400), or anonymous; with `lines` "
            "or empty. A cart holds no stock. Its `id` is unguessable: the app and the kiosk show it as a QR "
            "code (`qr_payload`) that a store scans to open it."
        ),
        request=io.CartIn,
        responses={201: io.CartOut, **problem_responses(400, 401, 403, 422)},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        data = parse(io.CartIn, request.data)
        actor = actor_of(request)
        cart = services.create_cart(
            actor=actor,
            channel=data["channel"],
            email=(data.get("customer") or {}).get("email", ""),
            card_number=data["card_number"],
            lines=[CartLineInput(sku=line["sku"], quantity=line["quantity"]) for line in data["lines"]],
            location_code=data["location"],
        )
        return self._answer(request, actor, cart, status.HTTP_201_CREATED)

    @extend_schema(
        summary="A cart",
        description="Priced now. A cart the caller may not reach is not found (404).",
        parameters=[PRICED_FOR],
        responses={200: io.CartOut, **problem_responses(400, 401, 403, 404)},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        actor = actor_of(request)
        return Response(_cart_body(request, actor, self._cart(actor, pk)))

    @extend_schema(
        methods=["POST"],
        summary="Add to a cart",
        description=(
            "Adds `quantity` units to the line of that SKU, or creates it (at most 999 units a line, 200 "
            "lines). A SKU unknown or not on sale: 400. A cart that is not open: 409 `invalid_transition`."
        ),
        request=io.LineIn,
        responses={200: io.CartOut, **problem_responses(400, 401, 403, 404, 409)},
    )
    @extend_schema(
        methods=["PUT"],
        summary="Replace a cart's lines",
        description=(
            "The cart's lines become `lines` (empty: an empty cart). Lines of one SKU add up. A cart that is "
            "not open: 409 `invalid_transition`."
        ),
        request=io.LinesIn,
        responses={200: io.CartOut, **problem_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post", "put"])
    def lines(self, request: Request, pk: str) -> Response:
        actor = actor_of(request)
        if request.method == "PUT":
            data = parse(io.LinesIn, request.data)
            cart = services.replace_lines(
                actor=actor,
                cart_id=pk,
                lines=[CartLineInput(sku=line["sku"], quantity=line["quantity"]) for line in data["lines"]],
            )
        else:
            line = parse(io.LineIn, request.data)
            cart = services.add_line(actor=actor, cart_id=pk, sku=line["sku"], quantity=line["quantity"])
        return self._answer(request, actor, cart)

    @extend_schema(
        summary="Remove a line from a cart",
        description=(
            "A SKU not in the cart: 404. A cart that is not open: 409 `invalid_transition`. An unknown "
            "`channel` to price the answer in: 400."
        ),
        request=None,
        parameters=[PRICED_FOR],
        responses={200: io.CartOut, **problem_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["delete"], url_path=r"lines/(?P<sku>[^/]{1,64})")
    def delete_line(self, request: Request, pk: str, sku: str) -> Response:
        actor = actor_of(request)
        cart = services.delete_line(actor=actor, cart_id=pk, sku=sku)
        return self._answer(request, actor, cart)

    @extend_schema(
        summary="Merge another cart into this one",
        description=(
            "The other cart's lines are added to this one's and it becomes `expired`. Both must be carts the "
            "caller reaches (404), open and different (409 `invalid_transition`); two carts of two "
            "different identified customers: 403."
        ),
        request=io.CartMergeIn,
        responses={200: io.CartOut, **problem_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        data = parse(io.CartMergeIn, request.data)
        actor = actor_of(request)
        cart = services.merge_carts(actor=actor, cart_id=pk, from_id=data["from"])
        return self._answer(request, actor, cart)

    @extend_schema(
        summary="Check a cart out",
        description=(
            "Places the order of the cart's lines through the one placement path, as POST /orders/ with "
            "this body (its rules, prices, stock and codes: 409 `insufficient_stock` and nothing written), "
            "and answers the same body as POST /orders/. The order's `started_channel` is the cart's "
            "channel; the cart becomes `converted` with `order` set. A cart not open (a second checkout): "
            "409 `invalid_transition`. Concurrent checkouts of one cart place exactly one order. A line no "
            "longer on sale: 400 naming it."
        ),
        request=io.CheckoutIn,
        responses={201: OrderOut, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def checkout(self, request: Request, pk: str) -> Response:
        data = parse(io.CheckoutIn, request.data)
        actor = actor_of(request)
        args = _placement_args({**data, "lines": []})  # POST /orders/'s inputs; the lines are the cart's
        del args["lines"]
        customer = args.pop("customer")
        _, order = services.checkout_cart(
            actor=actor, cart_id=pk, customer=customer if data.get("customer") else None, **args
        )
        return _order_answer(request, order)

    @extend_schema(
        summary="A cart's QR code",
        description=(
            "The cart's QR code for the app or the kiosk to show: `payload` (`omni-cart:<id>`) and `svg`, "
            "the code drawn as an inline SVG image. A store's till or tablet scans it to open the cart."
        ),
        responses={200: io.CartQrOut, **problem_responses(401, 403, 404)},
    )
    @action(detail=True, methods=["get"], url_path="qr", filterset_class=None)
    def qr(self, request: Request, pk: str) -> Response:
        cart = self._cart(actor_of(request), pk)
        payload = qr_payload(cart)
        return Response({"payload": payload, "svg": qr_svg(payload)})


def _order_answer(request: Request, order: Order) -> Response:
    """POST /orders/'s answer for an order just placed (orders.api.orders.OrderViewSet._answer)."""
    promotions = promotions_by_id({line.promotion_id for line in order.lines.all() if line.promotion_id})
    prefetch_related_objects([a for line in order.lines.all() for a in line.allocations.all()], "transfer")
    body = order_body(order, {"promotions": promotions, "request": request})
    return Response(
        body,
        status=status.HTTP_201_CREATED,
        headers={"Location": reverse("order-detail", args=[order.number])},
    )
