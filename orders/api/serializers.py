"""Order API shapes. Input serializers check the form of a request only (types, lengths, known choices);
orders.services.placement applies the rules (quantities, SKUs on sale, locations, channels per role) and
names the field it refuses (`lines.0.quantity`, `fulfilment.location`). Money is a string with two places."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import Channel, FulfilmentType, OrderStatus, PaymentMethod, PaymentStatus, ShipmentStatus
from orders.services import CANCEL_REASONS
from orders.services.placement import MAX_LINES


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True, **kwargs)


def _optional_text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


# --- Input ---------------------------------------------------------------------------------------------


class CustomerIn(serializers.Serializer):
    email = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required unless the order is carried out at the till.",
    )
    first_name = _optional_text(80)
    last_name = _optional_text(80)
    phone = _optional_text(30)


class LineIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(help_text="Whole units, 1 to 999.")


class AddressIn(serializers.Serializer):
    line1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=20, required=False, allow_blank=True)
    province = serializers.CharField(max_length=60, required=False, allow_blank=True)
    country = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text="ISO 3166 code, e.g. IT."
    )
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)


class FulfilmentIn(serializers.Serializer):
    type = serializers.ChoiceField(choices=FulfilmentType.choices)
    location = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="pickup and carry_out: the location's code, e.g. MI-DUOMO.",
    )
    allow_transfer = serializers.BooleanField(
        required=False,
        default=False,
        help_text="pickup: a line the store lacks may be held at a warehouse and sent to the store.",
    )
    address = AddressIn(
        required=False,
        allow_null=True,
        help_text="delivery: line1, city, postcode and country are required; latitude and longitude help "
        "sourcing.",
    )


class PaymentIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    status = serializers.ChoiceField(choices=PaymentStatus.choices)
    reference = _optional_text(120)


class OrderIn(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        help_text="eshop: web or app; kiosk: kiosk; store: kiosk or store; integration: any.",
    )
    customer = CustomerIn(required=False)
    # A ListField (not many=True): a non-list is reported under "lines", a line's error under "lines.0.sku".
    lines = serializers.ListField(child=LineIn(), max_length=MAX_LINES)
    fulfilment = FulfilmentIn()
    redeem_points = serializers.IntegerField(required=False, default=0)
    payment = PaymentIn(
        required=False,
        allow_null=True,
        help_text="Default: pay at pickup (pickup), card pending (delivery), card captured (carry_out).",
    )


class CancelIn(serializers.Serializer):
    cancel_reason = serializers.ChoiceField(
        choices=sorted(CANCEL_REASONS), required=False, default="customer_request"
    )


class ShipIn(serializers.Serializer):
    carrier = _optional_text(80)
    tracking = _optional_text(120)
    location = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="Ship only the part leaving from this location (a code). Default: every part you may ship.",
    )


# --- Output --------------------------------------------------------------------------------------------


class AllocationOut(serializers.Serializer):
    location = serializers.CharField(source="location.code")
    quantity = serializers.IntegerField()


class LineSummaryOut(serializers.Serializer):
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = money()
    line_total = money()


class LineOut(LineSummaryOut):
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="Percent, e.g. 22.00.")
    vat_amount = money(help_text="The VAT included in line_total.")
    discount = serializers.SerializerMethodField()
    promotion = serializers.SerializerMethodField()
    allocations = AllocationOut(many=True, source="allocations.all")

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=2))
    def get_discount(self, line: Any) -> str:
        return f"{line.promotion_discount + line.order_discount:.2f}"

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="The promotion applied."))
    def get_promotion(self, line: Any) -> str | None:
        if line.promotion_id is None:
            return None
        promotion = self.context.get("promotions", {}).get(line.promotion_id)
        return promotion.name if promotion is not None else None


class AddressOut(serializers.Serializer):
    line1 = serializers.CharField()
    line2 = serializers.CharField(required=False)
    city = serializers.CharField()
    postcode = serializers.CharField()
    province = serializers.CharField(required=False)
    country = serializers.CharField()
    latitude = serializers.FloatField(required=False, allow_null=True)
    longitude = serializers.FloatField(required=False, allow_null=True)


class FulfilmentOut(serializers.Serializer):
    type = serializers.ChoiceField(choices=FulfilmentType.choices, source="fulfilment_type")
    location = serializers.CharField(source="location.code", allow_null=True, default=None)
    address = AddressOut(source="delivery_address", allow_null=True)
    allow_transfer = serializers.BooleanField()


class CustomerOut(serializers.Serializer):
    email = serializers.CharField(source="customer_email")
    first_name = serializers.CharField(source="customer_first_name")
    last_name = serializers.CharField(source="customer_last_name")
    phone = serializers.CharField(source="customer_phone")


class PaymentOut(serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    status = serializers.ChoiceField(choices=PaymentStatus.choices)
    amount = money()
    currency = serializers.CharField()
    reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class ShipmentOut(serializers.Serializer):
    location = serializers.CharField(source="location.code")
    status = serializers.ChoiceField(choices=ShipmentStatus.choices)
    carrier = serializers.CharField()
    tracking = serializers.CharField()
    shipped_at = serializers.DateTimeField(allow_null=True)


class EventOut(serializers.Serializer):
    kind = serializers.CharField()
    message = serializers.CharField()
    actor = serializers.CharField(source="actor_label")
    device = serializers.CharField()
    created_at = serializers.DateTimeField()


class OrderSummaryOut(serializers.Serializer):
    """An order in a list: no allocations, shipments, payments or timeline (GET the order for those)."""

    number = serializers.CharField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    fulfilment = FulfilmentOut(source="*")
    customer = CustomerOut(source="*")
    lines = LineSummaryOut(many=True, source="lines.all")
    subtotal = money(help_text="Catalog prices times quantities, VAT included.")
    discount = money(help_text="Promotions and points redeemed.")
    total = money()
    vat_total = money(help_text="The VAT included in total.")
    currency = serializers.CharField()
    points_redeemed = serializers.IntegerField()
    cancel_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class OrderOut(OrderSummaryOut):
    lines = LineOut(many=True, source="lines.all")  # type: ignore[assignment]
    payments = PaymentOut(many=True, source="payments.all")
    shipments = ShipmentOut(many=True, source="shipments.all")
    timeline = EventOut(many=True, source="events.all")
