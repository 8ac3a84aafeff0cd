"""Stock API shapes: availability, movements (the ledger), levels, transfers and alerts. Input serializers
check the form of a request; the services apply the rules (a quantity's sign per kind, stock limits)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.models import AdjustmentReason, CountStatus, MovementKind, TransferStatus, sku_validator
from omni.api.parsing import parse

MAX_QUANTITY = 1_000_000
MAX_LINES = 500
WRITABLE_KINDS = [
    (MovementKind.RECEIPT.value, MovementKind.RECEIPT.label),
    (MovementKind.ADJUSTMENT.value, MovementKind.ADJUSTMENT.label),
    (MovementKind.DAMAGE.value, MovementKind.DAMAGE.label),
    (MovementKind.COUNT.value, MovementKind.COUNT.label),
]


def _choice_field(choices: Any, **kwargs: Any) -> serializers.ChoiceField:
    """A ChoiceField whose enum is named in settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]."""
    return serializers.ChoiceField(choices=choices, **kwargs)


def location_code_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=20, help_text="A location's code, e.g. MI-DUOMO.", **kwargs)


def sku_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=64, validators=[sku_validator], **kwargs)


# --- Availability ---------------------------------------------------------------------------------------


class AvailabilityQuery(serializers.Serializer):
    near = serializers.CharField(
        required=False,
        max_length=60,
        help_text="LAT,LNG in decimal degrees: nearest location first, each with distance_km.",
    )
    click_and_collect = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only click-and-collect locations; false: only the others.",
    )

    def validate_near(self, value: str) -> tuple[float, float] | None:
        if not value:
            return None
        return parse_near(value)


def parse_near(value: str) -> tuple[float, float]:
    try:
        lat_text, lng_text = value.split(",")
        lat, lng = float(lat_text), float(lng_text)
    except ValueError as exc:
        raise serializers.ValidationError("Give LAT,LNG in decimal degrees, e.g. 45.4642,9.19.") from exc
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):  # also refuses nan
        raise serializers.ValidationError("Latitude is -90..90 and longitude -180..180.")
    return lat, lng


_PLAIN_NEAR = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,20})?,-?[0-9]{1,3}(\.[0-9]{1,20})?")
_BOOLEAN_WORDS = {
    **{word: True for word in serializers.BooleanField.TRUE_VALUES if isinstance(word, str)},
    **{word: False for word in serializers.BooleanField.FALSE_VALUES if isinstance(word, str)},
    **{word: None for word in serializers.BooleanField.NULL_VALUES if isinstance(word, str)},
}


def availability_query(params: Mapping[str, str]) -> dict[str, Any]:
    """AvailabilityQuery's validated data. What clients send (nothing, a plain LAT,LNG, a boolean word) is
    read here directly, for building the serializer costs more than all the rest of parsing a request;
    anything else goes through the serializer, its checks and its error messages."""
    near_text, cc_text = params.get("near"), params.get("click_and_collect")
    near = None
    if near_text is not None and _PLAIN_NEAR.fullmatch(near_text):
        with contextlib.suppress(serializers.ValidationError):  # out of range: the serializer says so
            near = parse_near(near_text)
    cc_word = None if cc_text is None else cc_text.lower()
    if (near_text is not None and near is None) or (cc_word is not None and cc_word not in _BOOLEAN_WORDS):
        return parse(AvailabilityQuery, dict(params.items()))
    query: dict[str, Any] = {"click_and_collect": None if cc_word is None else _BOOLEAN_WORDS[cc_word]}
    if near is not None:
        query["near"] = near
    return query


class LocationAvailabilityOut(serializers.Serializer):
    location = serializers.CharField(help_text="The location's code.")
    name = serializers.CharField()
    kind = serializers.CharField()
    city = serializers.CharField()
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    available = serializers.IntegerField(help_text="max(on_hand - reserved - safety_stock, 0)")
    click_and_collect = serializers.BooleanField()
    ships = serializers.BooleanField()
    distance_km = serializers.FloatField(
        allow_null=True, required=False, help_text="Kilometres from `near`; null without it."
    )


class AvailabilityOut(serializers.Serializer):
    sku = serializers.CharField()
    available = serializers.IntegerField(
        help_text="The network figure: the sum of `available` at locations that ship or do click-and-collect."
    )
    locations = LocationAvailabilityOut(many=True)


# --- Movements and levels ------------------------------------------------------------------------------


class MovementIn(serializers.Serializer):
    location = location_code_field()
    sku = sku_field()
    kind = _choice_field(WRITABLE_KINDS)
    quantity = serializers.IntegerField(
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text=(
            "receipt, damage: the units (> 0); adjustment: the signed change (not 0); "
            "count: the counted quantity (>= 0), the difference is recorded."
        ),
    )
    reason = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text=f"Required for an adjustment: one of {', '.join(AdjustmentReason.values)}.",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    reference = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default="", help_text="e.g. a delivery note."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind, quantity, reason = attrs["kind"], attrs["quantity"], attrs.get("reason", "")
        if kind in (MovementKind.RECEIPT, MovementKind.DAMAGE) and quantity <= 0:
            raise serializers.ValidationError({"quantity": [f"A {kind} quantity is greater than zero."]})
        if kind == MovementKind.COUNT and quantity < 0:
            raise serializers.ValidationError({"quantity": ["A counted quantity is 0 or more."]})
        if kind == MovementKind.ADJUSTMENT:
            if quantity == 0:
                raise serializers.ValidationError({"quantity": ["An adjustment's quantity cannot be 0."]})
            if reason not in AdjustmentReason.values:
                raise serializers.ValidationError(
                    {
                        "reason": [
                            f"An adjustment needs a reason: one of {', '.join(AdjustmentReason.values)}."
                        ]
                    }
                )
        return attrs


class MovementOut(serializers.Serializer):
    id = serializers.IntegerField()
    location = serializers.CharField(source="location.code")
    sku = serializers.CharField(source="variant.sku")
    kind = _choice_field(MovementKind.choices)
    delta = serializers.IntegerField(help_text="The signed change to on_hand.")
    on_hand_after = serializers.IntegerField()
    reason = serializers.CharField()
    note = serializers.CharField()
    reference = serializers.CharField()
    actor = serializers.CharField(source="actor_label", help_text="Who recorded it.")
    created_at = serializers.DateTimeField()


class LevelFiguresOut(serializers.Serializer):
    on_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    safety_stock = serializers.IntegerField()
    reorder_point = serializers.IntegerField()
    available = serializers.IntegerField(source="available_qty")


class MovementCreatedOut(MovementOut):
    level = serializers.SerializerMethodField(help_text="The location's figures for this SKU after it.")

    @extend_schema_field(LevelFiguresOut)
    def get_level(self, movement: Any) -> dict[str, Any]:
        return LevelFiguresOut(self.context["level"]).data


class LevelOut(LevelFiguresOut):
    location = serializers.CharField(source="location.code")
    sku = serializers.CharField(source="variant.sku")
    last_movement_at = serializers.DateTimeField(allow_null=True)
    last_sale_at = serializers.DateTimeField(allow_null=True)


class AlertOut(serializers.Serializer):
    id = serializers.IntegerField()
    location = serializers.CharField(source="location.code")
    sku = serializers.CharField(source="variant.sku")
    available_at_raise = serializers.IntegerField()
    reorder_point = serializers.IntegerField()
    raised_at = serializers.DateTimeField()


# --- Transfers -----------------------------------------------------------------------------------------


class TransferLineIn(serializers.Serializer):
    sku = sku_field()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class TransferIn(serializers.Serializer):
    from_location = location_code_field()
    to_location = location_code_field()
    lines = TransferLineIn(many=True, max_length=MAX_LINES)  # type: ignore[call-arg]
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_lines(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not value:
            raise serializers.ValidationError("A transfer has at least one line.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["from_location"].strip().upper() == attrs["to_location"].strip().upper():
            raise serializers.ValidationError({"to_location": ["A transfer goes to another location."]})
        return attrs


class TransferShipIn(serializers.Serializer):
    carrier = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    tracking = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class ReceivedLineIn(serializers.Serializer):
    sku = sku_field()
    quantity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, help_text="Units that arrived.")
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="Why fewer arrived."
    )


class TransferReceiveIn(serializers.Serializer):
    lines = ReceivedLineIn(  # type: ignore[call-arg]
        many=True,
        required=False,
        max_length=MAX_LINES,
        help_text="The lines that arrived short; lines not listed are taken as received in full.",
    )


class TransferLineOut(serializers.Serializer):
    sku = serializers.CharField(source="variant.sku")
    quantity = serializers.IntegerField()
    quantity_received = serializers.IntegerField(allow_null=True)
    shortfall = serializers.IntegerField()
    shortfall_reason = serializers.CharField()


class TransferOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    from_location = serializers.CharField(source="from_location.code")
    to_location = serializers.CharField(source="to_location.code")
    status = _choice_field(TransferStatus.choices)
    reference = serializers.CharField()
    note = serializers.CharField()
    carrier = serializers.CharField()
    tracking = serializers.CharField()
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    shipped_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    lines = TransferLineOut(many=True, source="lines.all")


# --- Counts --------------------------------------------------------------------------------------------


class CountIn(serializers.Serializer):
    location = location_code_field()
    category = serializers.CharField(
        max_length=80, required=False, allow_blank=True, default="", help_text="Count one category only."
    )
    blind = serializers.BooleanField(
        required=False, default=True, help_text="Blind: the counters do not see the system's figures."
    )


class CountEntryIn(serializers.Serializer):
    sku = sku_field()
    counted = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY)
    add = serializers.BooleanField(
        required=False, default=False, help_text="true: add to what was counted before (a second shelf)."
    )


class CountPostIn(serializers.Serializer):
    uncounted_as_zero = serializers.BooleanField(
        required=False, default=False, help_text="true: lines never counted are posted as 0 counted."
    )


class CountLineOut(serializers.Serializer):
    sku = serializers.CharField(source="variant.sku")
    counted = serializers.IntegerField(allow_null=True)
    counted_at = serializers.DateTimeField(allow_null=True)
    counted_by = serializers.CharField()
    on_hand_at_count = serializers.IntegerField(
        allow_null=True, required=False, help_text="Hidden while a blind count is open."
    )
    variance = serializers.IntegerField(
        allow_null=True, required=False, help_text="The change posted; hidden while a blind count is open."
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self.context.get("blind"):
            data.pop("on_hand_at_count", None)
            data.pop("variance", None)
        return data


class CountOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    location = serializers.CharField(source="location.code")
    category = serializers.CharField(source="category.slug", allow_null=True, default=None)
    blind = serializers.BooleanField()
    status = _choice_field(CountStatus.choices)
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    posted_by = serializers.CharField()
    posted_at = serializers.DateTimeField(allow_null=True)
    lines_total = serializers.IntegerField()
    lines_counted = serializers.IntegerField()


class CountDetailOut(CountOut):
    lines = serializers.SerializerMethodField()

    @extend_schema_field(CountLineOut(many=True))
    def get_lines(self, count: Any) -> Any:
        blind = count.blind and count.status == CountStatus.OPEN
        return CountLineOut(count.lines.all(), many=True, context={"blind": blind}).data
