"""Locations API shapes: input serializers check form only; services apply the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from stores.models import Location, LocationKind, OpeningHours, location_code_validator
from stores.services.locations import EDITABLE_FIELDS


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:30"})
class HourMinuteField(serializers.TimeField):
    """A local wall-clock time sent as "HH:MM" (not an RFC 3339 time: no seconds, no offset)."""

    def __init__(self, **kwargs: Any):
        super().__init__(format="%H:%M", **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        "example": "09:30",
        "description": "Local time, HH:MM (or HH:MM:SS).",
    }
)
class HourMinuteInField(serializers.TimeField):
    pass


class OpeningHoursSerializer(serializers.ModelSerializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday ... 6 = Sunday")
    opens = HourMinuteField(help_text="Local time of the location's time zone.")
    closes = HourMinuteField(help_text="Local time of the location's time zone; after `opens`.")

    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]


class OpeningHoursIn(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday ... 6 = Sunday")
    opens = HourMinuteInField()
    closes = HourMinuteInField()


class LocationUpdateIn(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    kind = serializers.ChoiceField(choices=LocationKind.choices, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=12, required=False, allow_blank=True)
    city = serializers.CharField(max_length=80, required=False)
    country = serializers.RegexField(r"^[A-Z]{2}$", required=False, help_text="ISO 3166-1 alpha-2, e.g. IT")
    latitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        coerce_to_string=False,
        min_value=Decimal("-90"),
        max_value=Decimal("90"),
        required=False,
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        coerce_to_string=False,
        min_value=Decimal("-180"),
        max_value=Decimal("180"),
        required=False,
    )
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=40, required=False)
    click_and_collect = serializers.BooleanField(required=False)
    ships = serializers.BooleanField(required=False)
    accepts_returns = serializers.BooleanField(required=False)
    pickup_hold_days = serializers.IntegerField(
        min_value=0,
        max_value=60,
        required=False,
        help_text="Days a ready pickup is held: 1 to 60 with click_and_collect, else 0 is allowed too.",
    )
    preparation_minutes = serializers.IntegerField(min_value=0, max_value=7 * 24 * 60, required=False)
    pickup_slot_minutes = serializers.IntegerField(
        min_value=10,
        max_value=240,
        required=False,
        help_text="Click and collect: the length of a pickup window, 10 to 240 minutes (default 60).",
    )
    pickup_slot_capacity = serializers.IntegerField(
        min_value=1,
        max_value=1000,
        required=False,
        help_text="Click and collect: orders per pickup window, 1 to 1000 (default 20).",
    )
    default_safety_stock = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    active = serializers.BooleanField(required=False)
    opening_hours = OpeningHoursIn(many=True, required=False)

    def validate_latitude(self, value: Decimal) -> Decimal:
        return value.quantize(Decimal("0.000001"))

    def validate_longitude(self, value: Decimal) -> Decimal:
        return value.quantize(Decimal("0.000001"))

    def validate_timezone(self, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise serializers.ValidationError("An IANA time zone, e.g. Europe/Rome.") from exc
        return value


class LocationIn(LocationUpdateIn):
    code = serializers.CharField(max_length=20, validators=[location_code_validator])
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=LocationKind.choices)
    city = serializers.CharField(max_length=80)
    latitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        coerce_to_string=False,
        min_value=Decimal("-90"),
        max_value=Decimal("90"),
    )
    longitude = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        coerce_to_string=False,
        min_value=Decimal("-180"),
        max_value=Decimal("180"),
    )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            data = {**data, "code": data["code"].upper()}
        return super().to_internal_value(data)


class LocationOut(serializers.ModelSerializer):
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    opening_hours = OpeningHoursSerializer(many=True, read_only=True)
    distance_km = serializers.SerializerMethodField()

    class Meta:
        model = Location
        fields = ["code", *EDITABLE_FIELDS, "opening_hours", "distance_km"]

    def get_distance_km(self, obj: Location) -> float | None:
        """Kilometres from `near`, when the list was asked with `?near=LAT,LNG`; else null."""
        value = getattr(obj, "distance_km", None)
        return None if value is None else round(float(value), 2)
