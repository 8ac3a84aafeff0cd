"""Cart API shapes (API-CONTRACT.md, Carts). Inputs check the form of a request; carts.services applies the
rules and names the field it refuses. The checkout's body is POST /orders/'s without `lines` (the cart's),
and its answer is the order's body (orders.api.serializers.orders.OrderOut)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from carts.models import CartStatus
from carts.selectors import PricedCart
from carts.selectors.access import qr_payload
from carts.services import MAX_CART_LINES
from orders.api.serializers.orders import CustomerIn, FulfilmentIn, LineIn, PaymentIn, money
from orders.models import Channel

# --- Input ---------------------------------------------------------------------------------------------


class CartCustomerIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The customer's email: the cart follows it.")


class CartIn(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        help_text="Where the cart is started. eshop: web or app; kiosk: kiosk; store: kiosk or store; "
        "integration: any.",
    )
    customer = CartCustomerIn(required=False, allow_null=True)
    card_number = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="The customer's loyalty card (kiosk, store, integration): 13 digits.",
    )
    lines = serializers.ListField(child=LineIn(), required=False, default=list, max_length=MAX_CART_LINES)
    location = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="The store the cart is started at, by code. Kiosk and store clients: their own location "
        "(the default); integration: any; online carts have none.",
    )


class LinesIn(serializers.Serializer):
    lines = serializers.ListField(child=LineIn(), max_length=MAX_CART_LINES, allow_empty=True)


class CartMergeIn(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # `from` is a Python keyword: declared here
        fields["from"] = serializers.CharField(
            max_length=64, help_text="The id of the cart to merge into this one (it becomes expired)."
        )
        return fields


class CheckoutIn(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        help_text="The channel the order is placed in (where the customer pays): eshop web or app, kiosk "
        "kiosk, store kiosk or store, integration any. The cart's own channel is kept as `started_channel`.",
    )
    customer = CustomerIn(
        required=False,
        help_text="Default: the cart's customer. An identified cart is checked out with its own "
        "customer's email.",
    )
    fulfilment = FulfilmentIn()
    redeem_points = serializers.IntegerField(required=False, default=0)
    payment = PaymentIn(
        required=False,
        allow_null=True,
        help_text="Default: pay at pickup (pickup), card pending (delivery), card captured (carry_out).",
    )


# --- Output --------------------------------------------------------------------------------------------


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else ""


class CartLineOut(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    on_sale = serializers.BooleanField(
        help_text="false: the SKU is no longer sold. The line has no price, is left out of the totals and "
        "cannot be checked out: remove it."
    )
    unit_price = money(allow_null=True, help_text="The catalog price, VAT included (null when not on sale).")
    discount = money(allow_null=True, help_text="The promotion's discount on the line.")
    line_total = money(allow_null=True)
    promotion = serializers.CharField(allow_null=True, help_text="The promotion that applies now, if any.")
    added_at = serializers.DateTimeField()


class CartOut(serializers.Serializer):
    id = serializers.UUIDField(help_text="Unguessable: whoever holds it (or its QR code) reaches the cart.")
    channel = serializers.ChoiceField(choices=Channel.choices, help_text="The channel it was started in.")
    status = serializers.ChoiceField(choices=CartStatus.choices)
    customer_email = serializers.CharField(
        allow_null=True, help_text="The customer it follows (masked for kiosk clients); null: anonymous."
    )
    identified_by_card = serializers.BooleanField(help_text="A loyalty member is attached.")
    location = serializers.CharField(allow_null=True, help_text="The store it was started at; null online.")
    lines = CartLineOut(many=True)
    subtotal = money(help_text="Catalog prices times quantities, VAT included (lines on sale).")
    discount = money(help_text="Promotions.")
    total = money()
    currency = serializers.CharField()
    priced_channel = serializers.ChoiceField(
        choices=Channel.choices,
        help_text="The channel the prices are for: `?channel=` (the channel you will check out in), by "
        "default the cart's own. Prices and promotions are those of an order placed now.",
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="Open carts untouched until then expire.")
    order = serializers.CharField(allow_null=True, help_text="The order's number once converted.")
    qr_payload = serializers.CharField(
        help_text="What the cart's QR code says (`omni-cart:<id>`): a kiosk or store scans it to open the "
        "cart. GET /carts/{id}/qr/ draws it (SVG)."
    )


class CartQrOut(serializers.Serializer):
    payload = serializers.CharField(help_text="What the code says: `omni-cart:<id>`.")
    svg = serializers.CharField(help_text="The QR code as an inline SVG image (no XML declaration).")


_money = money()
_when = serializers.DateTimeField()


def _amount(value: Any) -> str | None:
    return None if value is None else _money.to_representation(value)


def cart_body(priced: PricedCart, *, masked: bool = False) -> dict[str, Any]:
    """What CartOut documents, for a priced cart (tests/carts/test_api.py validates it against CartOut)."""
    cart = priced.cart
    email = cart.customer_email
    return {
        "id": str(cart.pk),
        "channel": cart.channel,
        "status": cart.status,
        "customer_email": (_masked(email) if masked else email) or None,
        "identified_by_card": cart.member_id is not None,
        "location": cart.location.code if cart.location is not None else None,
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "on_sale": line.on_sale,
                "unit_price": _amount(line.unit_price),
                "discount": _amount(line.discount),
                "line_total": _amount(line.line_total),
                "promotion": line.promotion.name if line.promotion is not None else None,
                "added_at": _when.to_representation(line.added_at),
            }
            for line in priced.lines
        ],
        "subtotal": _money.to_representation(priced.subtotal),
        "discount": _money.to_representation(priced.discount),
        "total": _money.to_representation(priced.total),
        "currency": priced.currency,
        "priced_channel": priced.channel,
        "created_at": _when.to_representation(cart.created_at),
        "updated_at": _when.to_representation(cart.updated_at),
        "expires_at": _when.to_representation(cart.expires_at),
        "order": cart.order.number if cart.order is not None else None,
        "qr_payload": qr_payload(cart),
    }
