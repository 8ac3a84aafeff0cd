"""Order API shapes. Input serializers check the form of a request only (types, lengths, known choices);
orders.services.placement applies the rules (quantities, SKUs on sale, locations, channels per role) and
names the field it refuses (`lines.0.quantity`, `fulfilment.location`). Money is a string with two places.
The inputs of click and collect: orders.api.serializers.pickup."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from omni.models import ApiRole
from orders.models import (
    Channel,
    FulfilmentType,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    ReturnStatus,
    ShipmentStatus,
)
from orders.services import CANCEL_REASONS
from orders.services.placement import MAX_LINES, MAX_QUANTITY


def money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True, **kwargs)


def optional_text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


# --- Input ---------------------------------------------------------------------------------------------


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time that must carry its offset (a naive one is refused, never guessed)."""

    def enforce_timezone(self, value: Any) -> Any:
        if value.tzinfo is None:
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss]±hh:mm")
        return super().enforce_timezone(value)


class CustomerIn(serializers.Serializer):
    email = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required unless the order is carried out at the till.",
    )
    first_name = optional_text(80)
    last_name = optional_text(80)
    phone = optional_text(30)


def line_quantity(help_text: str) -> serializers.IntegerField:
    """1 to MAX_QUANTITY, with the message of the placement and return services (which check it again)."""
    message = f"A quantity is a whole number from 1 to {MAX_QUANTITY}."
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        error_messages={"min_value": message, "max_value": message},
        help_text=help_text,
    )


class LineIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = line_quantity(f"Whole units, 1 to {MAX_QUANTITY}.")


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
    pickup_slot = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="pickup: the start of a window listed by GET /locations/{code}/pickup-slots/ (ISO 8601 "
        "with its offset). A full window: 409 `slot_full`, and nothing is reserved.",
    )


class PaymentIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    status = serializers.ChoiceField(choices=PaymentStatus.choices)
    reference = optional_text(120)


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
    carrier = optional_text(80)
    tracking = optional_text(120)
    location = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="Ship only the part leaving from this location (a code). Default: every part you may ship.",
    )


# --- Output --------------------------------------------------------------------------------------------


def sees_pickup_code(context: Mapping[str, Any]) -> bool:
    """The e-shop (its own orders) and HQ integrations see the code; store and kiosk roles and staff in the
    back-office never do (API-CONTRACT.md: a store hands over against the code the customer shows)."""
    request = context.get("request")
    actor = getattr(request, "auth", None) if request is not None else None
    return getattr(actor, "client", None) is not None and getattr(actor, "role", None) in (
        ApiRole.ESHOP.value,
        ApiRole.INTEGRATION.value,
    )


class PickupWindowOut(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()


class PickupOut(serializers.Serializer):
    code = serializers.SerializerMethodField()
    promised_ready_at = serializers.DateTimeField(allow_null=True, help_text="When it was promised ready.")
    ready_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="ready_at + the store's pickup_hold_days: uncollected, it is cancelled."
    )
    locked = serializers.BooleanField(
        source="pickup_locked", help_text="Too many wrong codes: a store manager or HQ unlocks it."
    )
    failed_attempts = serializers.IntegerField(source="pickup_failed_attempts")
    slot = serializers.SerializerMethodField()
    arrived_at = serializers.DateTimeField(
        allow_null=True, help_text="When the customer said they were at the store (first time)."
    )
    arrival_note = serializers.CharField(help_text="The customer's note on arrival (a bay, a car).")

    @extend_schema_field(
        PickupWindowOut(
            allow_null=True, help_text="The pickup window chosen (`fulfilment.pickup_slot`), or null."
        )
    )
    def get_slot(self, order: Any) -> dict[str, Any] | None:
        return _slot(order)

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="6 digits, while the order is ready for pickup, for e-shop and integration clients "
            "only; null otherwise, and always null for store and kiosk roles and staff sessions.",
        )
    )
    def get_code(self, order: Any) -> str | None:
        if order.status != OrderStatus.READY_FOR_PICKUP or not order.pickup_code:
            return None
        return order.pickup_code if sees_pickup_code(self.context) else None


class TransferRefOut(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField(help_text="requested, shipped, received or cancelled.")


class AllocationOut(serializers.Serializer):
    location = serializers.CharField(source="location.code")
    quantity = serializers.IntegerField()
    transfer = TransferRefOut(
        required=False,
        help_text="Ship to store only: the transfer bringing these units from `location` to the pickup "
        "store.",
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if data.get("transfer") is None:
            data.pop("transfer", None)  # the contract's {location, quantity} unless units travel
        return data


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
    picked_quantity = serializers.IntegerField(help_text="Click and collect: units in the customer's bag.")
    short_quantity = serializers.IntegerField(help_text="Click and collect: units found missing when picked.")
    cancelled_quantity = serializers.IntegerField(help_text="Units taken off the order (not in `quantity`).")

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
    refund_due = money(help_text="Captured money owed back after units were cancelled off the order.")
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
    started_channel = serializers.ChoiceField(
        choices=Channel.choices,
        allow_null=True,
        help_text="The channel the customer's cart was started in (a kiosk basket paid at the till: kiosk); "
        "null for an order placed without a cart. The channel reports count the order there.",
    )
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
    pickup = serializers.SerializerMethodField()

    @extend_schema_field(PickupOut(allow_null=True, help_text="Click and collect; null for other orders."))
    def get_pickup(self, order: Any) -> dict[str, Any] | None:
        if order.fulfilment_type != FulfilmentType.PICKUP:
            return None
        return dict(PickupOut(order, context=self.context).data)


class ReturnRefOut(serializers.Serializer):
    """A return in an order's detail (GET /returns/{number}/ for its lines)."""

    number = serializers.CharField()
    location = serializers.CharField(source="location.code")
    status = serializers.ChoiceField(choices=ReturnStatus.choices)
    refund_amount = money()
    currency = serializers.CharField()
    exchange_order = serializers.CharField(source="exchange_order.number", allow_null=True, default=None)
    created_at = serializers.DateTimeField()


class OrderOut(OrderSummaryOut):
    lines = LineOut(many=True, source="lines.all")  # type: ignore[assignment]
    payments = PaymentOut(many=True, source="payments.all")
    shipments = ShipmentOut(many=True, source="shipments.all")
    timeline = EventOut(many=True, source="events.all")
    returns = serializers.SerializerMethodField()

    @extend_schema_field(ReturnRefOut(many=True, help_text="The order's returns, oldest first."))
    def get_returns(self, order: Any) -> list[dict[str, Any]]:
        from orders.models import COMPLETED_STATUSES as COMPLETED

        cached = getattr(order, "_prefetched_objects_cache", {})
        if "returns" not in cached and order.status not in COMPLETED:
            return []  # nothing to read: only a completed order has returns
        return list(ReturnRefOut(order.returns.all(), many=True).data)


# --- The order's detail, built by hand ---------------------------------------------------------------
# OrderOut above documents the answer (the schema is generated from it) and is its reference; order_body
# builds the same JSON (tests/orders/test_order_body.py compares the two on every kind of order) without
# a serializer per line, allocation, payment and event: a placement spent 4.3 ms of its ~40 in OrderOut.
# The scalars go through the same DRF fields, so money, rates and times are formatted exactly alike.

_money = money()
_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
_when = serializers.DateTimeField()


def _time(value: Any) -> str | None:
    return _when.to_representation(value) if value else None


def _slot(order: Any) -> dict[str, Any] | None:
    if order.pickup_slot_start is None or order.pickup_slot_end is None:
        return None
    return {"start": _time(order.pickup_slot_start), "end": _time(order.pickup_slot_end)}


def _address(address: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if address is None:
        return None
    out: dict[str, Any] = {}
    for key in ("line1", "line2", "city", "postcode", "province", "country"):
        if key in address:
            out[key] = str(address[key])
    for key in ("latitude", "longitude"):  # allow_null: null when absent, as DRF answers
        value = address.get(key)
        out[key] = None if value is None else float(value)
    return out


def _allocation(allocation: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"location": allocation.location.code, "quantity": allocation.quantity}
    transfer = allocation.transfer
    if transfer is not None:
        out["transfer"] = {"number": transfer.number, "status": transfer.status}
    return out


def _line(line: Any, promotions: Mapping[int, Any]) -> dict[str, Any]:
    promotion = promotions.get(line.promotion_id) if line.promotion_id is not None else None
    return {
        "sku": line.sku,
        "name": line.name,
        "quantity": line.quantity,
        "unit_price": _money.to_representation(line.unit_price),
        "line_total": _money.to_representation(line.line_total),
        "vat_rate": _rate.to_representation(line.vat_rate),
        "vat_amount": _money.to_representation(line.vat_amount),
        "discount": f"{line.promotion_discount + line.order_discount:.2f}",
        "promotion": promotion.name if promotion is not None else None,
        "allocations": [_allocation(a) for a in line.allocations.all()],
        "picked_quantity": line.picked_quantity,
        "short_quantity": line.short_quantity,
        "cancelled_quantity": line.cancelled_quantity,
    }


def _pickup(order: Any, context: Mapping[str, Any]) -> dict[str, Any] | None:
    if order.fulfilment_type != FulfilmentType.PICKUP:
        return None
    code = None
    if order.status == OrderStatus.READY_FOR_PICKUP and order.pickup_code and sees_pickup_code(context):
        code = order.pickup_code
    return {
        "code": code,
        "promised_ready_at": _time(order.promised_ready_at),
        "ready_at": _time(order.ready_at),
        "expires_at": _time(order.expires_at),
        "locked": bool(order.pickup_locked),
        "failed_attempts": order.pickup_failed_attempts,
        "slot": _slot(order),
        "arrived_at": _time(order.arrived_at),
        "arrival_note": order.arrival_note,
    }


def order_body(order: Any, context: Mapping[str, Any]) -> dict[str, Any]:
    """What OrderOut(order, context=context).data is, for an order with its lines (and their allocations,
    locations and transfers), payments, shipments (and locations) and events loaded."""
    promotions = context.get("promotions", {})
    return {
        "number": order.number,
        "status": order.status,
        "channel": order.channel,
        "started_channel": order.started_channel,
        "fulfilment": {
            "type": order.fulfilment_type,
            "location": order.location.code if order.location_id is not None else None,
            "address": _address(order.delivery_address),
            "allow_transfer": order.allow_transfer,
        },
        "customer": {
            "email": order.customer_email,
            "first_name": order.customer_first_name,
            "last_name": order.customer_last_name,
            "phone": order.customer_phone,
        },
        "lines": [_line(line, promotions) for line in order.lines.all()],
        "subtotal": _money.to_representation(order.subtotal),
        "discount": _money.to_representation(order.discount),
        "total": _money.to_representation(order.total),
        "vat_total": _money.to_representation(order.vat_total),
        "currency": order.currency,
        "points_redeemed": order.points_redeemed,
        "cancel_reason": order.cancel_reason,
        "created_at": _time(order.created_at),
        "pickup": _pickup(order, context),
        "payments": [
            {
                "method": p.method,
                "status": p.status,
                "amount": _money.to_representation(p.amount),
                "currency": p.currency,
                "reference": p.reference,
                "refund_due": _money.to_representation(p.refund_due),
                "created_at": _time(p.created_at),
            }
            for p in order.payments.all()
        ],
        "shipments": [
            {
                "location": s.location.code,
                "status": s.status,
                "carrier": s.carrier,
                "tracking": s.tracking,
                "shipped_at": _time(s.shipped_at),
            }
            for s in order.shipments.all()
        ],
        "timeline": [
            {
                "kind": e.kind,
                "message": e.message,
                "actor": e.actor_label,
                "device": e.device,
                "created_at": _time(e.created_at),
            }
            for e in order.events.all()
        ],
        "returns": OrderOut.get_returns(OrderOut(context=context), order),
    }
