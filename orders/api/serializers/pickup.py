"""Click-and-collect API inputs: pick, short pick, collect (the code, the desk's payment, refused units),
unlock. orders.services.pickup and handover apply the rules and name the field they refuse."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from orders.api.serializers.orders import AwareDateTimeField, optional_text
from orders.services import DESK_PAYMENT_METHODS, RESOLUTIONS
from orders.services.placement import MAX_LINES, MAX_QUANTITY


class DeskPaymentIn(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=DESK_PAYMENT_METHODS, help_text="Taken at the desk: card or cash."
    )
    reference = optional_text(120, help_text="The terminal's receipt number, for instance.")


class RefusedLineIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class CollectIn(serializers.Serializer):
    pickup_code = serializers.CharField(
        max_length=32, trim_whitespace=True, help_text="The 6-digit code the customer shows (or its QR code)."
    )
    payment = DeskPaymentIn(
        required=False,
        allow_null=True,
        help_text="Required for orders paid at pickup (recorded as captured); refused for orders paid "
        "already.",
    )
    refused = RefusedLineIn(
        many=True,
        required=False,
        help_text="Units the customer refuses at the desk: they become a return at the pickup store on the "
        "spot (reason `refused_at_pickup`), in the same transaction as the handover.",
    )

    def validate_refused(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        skus = [line["sku"] for line in value]
        if len(set(skus)) != len(skus):
            raise serializers.ValidationError("Each SKU once.")
        return value


class UnlockPickupIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why it is unlocked (kept in the timeline).")


class PickLineIn(serializers.Serializer):
    line_id = serializers.IntegerField(required=False, min_value=1, help_text="The line's id, or give `sku`.")
    sku = serializers.CharField(max_length=64, required=False, help_text="The line's SKU, or give `line_id`.")
    picked = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, help_text="Units in the bag.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("line_id" in attrs) == ("sku" in attrs):
            raise serializers.ValidationError({"line_id": ["Give line_id or sku (one of them)."]})
        return attrs


class PickIn(serializers.Serializer):
    lines = serializers.ListField(child=PickLineIn(), min_length=1, max_length=MAX_LINES)


class ShortPickIn(serializers.Serializer):
    line_id = serializers.IntegerField(required=False, min_value=1, help_text="The line's id, or give `sku`.")
    sku = serializers.CharField(max_length=64, required=False, help_text="The line's SKU, or give `line_id`.")
    missing = serializers.IntegerField(
        min_value=1, max_value=MAX_QUANTITY, help_text="Units not on the shelf (or that never arrived)."
    )
    resolution = serializers.ChoiceField(
        choices=RESOLUTIONS,
        help_text="resource: send them from another location by transfer (what nobody has is cancelled); "
        "cancel_line: take them off the order (repriced, refund due if captured, the customer told).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("line_id" in attrs) == ("sku" in attrs):
            raise serializers.ValidationError({"sku": ["Give sku or line_id (one of them)."]})
        return attrs


class PickupSlotIn(serializers.Serializer):
    pickup_slot = AwareDateTimeField(
        help_text="The new window's start, as listed by GET /locations/{code}/pickup-slots/ (with its "
        "offset)."
    )


class ArrivedIn(serializers.Serializer):
    note = optional_text(200, help_text="Where the customer is: a bay, a car, a colour.")


class PickupSlotsQuery(serializers.Serializer):
    date = serializers.DateField(help_text="The day, YYYY-MM-DD, on the store's calendar (within a year).")

    def validate_date(self, value: dt.date) -> dt.date:
        today = timezone.localdate()
        if abs((value - today).days) > 366:
            raise serializers.ValidationError("A day within a year of today.")
        return value


class PickupSlotOut(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    remaining = serializers.IntegerField(help_text="Orders the window still takes (0: full).")
