"""The offline sync API's input and output (docs/OFFLINE.md, docs/API.md: Offline tablets)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from offline.models import ActionKind, ActionStatus

MAX_LINES = 200
MAX_QUANTITY = 999
MAX_SCANS = 2000


class AwareDateTimeField(serializers.DateTimeField):
    """A moment with its UTC offset (a tablet's clock; a time without offset is refused)."""

    default_error_messages = {"naive": "Give the time with its UTC offset, e.g. 2026-12-07T10:15:00+01:00."}

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str):
            parsed = parse_datetime(value.strip())
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value)


# --- catalog ---------------------------------------------------------------------------------------------


class CatalogSkuOut(serializers.Serializer):
    sku = serializers.CharField()
    gtin = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="VAT included.")
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    available = serializers.IntegerField(help_text="Available at this location now (informative).")


class OpenCountOut(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    started_at = serializers.DateTimeField()


class CatalogOut(serializers.Serializer):
    version = serializers.CharField(
        help_text="Opaque; changes when a price, name, barcode or SKU on sale does."
    )
    location = serializers.CharField(source="location.code")
    currency = serializers.CharField()
    generated_at = serializers.DateTimeField()
    skus = CatalogSkuOut(many=True)
    counts = OpenCountOut(many=True)


# --- actions ---------------------------------------------------------------------------------------------


class SaleLineIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"))


class SalePaymentIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=["cash", "card"])
    reference = serializers.CharField(max_length=80, required=False, default="", allow_blank=True)


class SalePayloadIn(serializers.Serializer):
    lines = serializers.ListField(child=SaleLineIn(), allow_empty=False, max_length=MAX_LINES)
    payment = SalePaymentIn()
    card_number = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    total = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        prices: dict[str, Decimal] = {}
        for i, line in enumerate(attrs["lines"]):
            if prices.setdefault(line["sku"], line["unit_price"]) != line["unit_price"]:
                raise serializers.ValidationError({f"lines.{i}.unit_price": ["One price per SKU in a sale."]})
        total = sum((line["unit_price"] * line["quantity"] for line in attrs["lines"]), Decimal("0.00"))
        if total != attrs["total"]:
            raise serializers.ValidationError({"total": [f"The lines add up to {total}."]})
        return attrs


class ScanIn(serializers.Serializer):
    code = serializers.CharField(max_length=100, help_text="A SKU or a barcode (GTIN).")
    quantity = serializers.IntegerField(min_value=1, max_value=100000, default=1)


class CountPayloadIn(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True, min_value=1)
    scans = serializers.ListField(child=ScanIn(), allow_empty=False, max_length=MAX_SCANS)


class DamagePayloadIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


PAYLOADS: dict[str, type[serializers.Serializer]] = {
    ActionKind.SALE: SalePayloadIn,
    ActionKind.COUNT: CountPayloadIn,
    ActionKind.DAMAGE: DamagePayloadIn,
}


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


class ActionIn(serializers.Serializer):
    key = serializers.CharField(max_length=255, help_text="Made on the tablet when the action happened.")
    kind = serializers.ChoiceField(choices=ActionKind.choices)
    device = serializers.UUIDField(help_text="The tablet's id.")
    location = serializers.CharField(max_length=20, help_text="The location's code.")
    happened_at = AwareDateTimeField()
    catalog_version = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    payload = serializers.DictField(
        help_text="sale: {lines: [{sku, quantity, unit_price}], payment: {method: cash|card, reference?}, "
        "card_number?, total}; count: {count: id or null, scans: [{code, quantity}]}; "
        "damage: {sku, quantity, note?}."
    )

    def validate_key(self, value: str) -> str:
        if not value.strip() or not value.isprintable():
            raise serializers.ValidationError("1 to 255 printable characters.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        payload = PAYLOADS[attrs["kind"]](data=attrs["payload"])
        if not payload.is_valid():
            raise serializers.ValidationError({"payload": payload.errors})
        attrs["payload"] = _json_safe(dict(payload.validated_data))
        return attrs


class ActionOut(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.ChoiceField(choices=ActionKind.choices)
    status = serializers.ChoiceField(
        choices=ActionStatus.choices, help_text="rejected: recorded, not applied; kept for a person."
    )
    result = serializers.DictField(
        help_text="sale: {order, total, points_earned, price_changes: [{sku, paid, catalog}], shortfalls: "
        "[{sku, quantity}]}; count: {count, number, started, entries}; damage: {movement, sku, quantity, "
        "on_hand_after, shortfalls}; rejected: {code, detail, errors?}."
    )
    error_code = serializers.CharField(help_text="Why it was rejected (empty when applied).")
    error_detail = serializers.CharField()
    catalog_version = serializers.CharField(
        help_text="The catalog version the tablet priced it from, as its first sync sent it."
    )
    replayed = serializers.BooleanField(help_text="true: answered from the first sync, nothing done again.")


def action_body(action: Any, replayed: bool) -> dict[str, Any]:
    return {
        "key": action.key,
        "kind": action.kind,
        "status": action.status,
        "result": action.result,
        "error_code": action.error_code,
        "error_detail": action.error_detail,
        "catalog_version": action.catalog_version,
        "replayed": replayed,
    }


# --- heartbeat -------------------------------------------------------------------------------------------


class HeartbeatIn(serializers.Serializer):
    device = serializers.UUIDField()
    label = serializers.CharField(  # type: ignore[assignment]
        max_length=80, required=False, default="", allow_blank=True
    )
    location = serializers.CharField(max_length=20)
    pending = serializers.IntegerField(min_value=0, max_value=1_000_000)
    oldest_pending_at = AwareDateTimeField(allow_null=True, required=False, default=None)
    catalog_version = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)


class HeartbeatOut(serializers.Serializer):
    server_time = serializers.DateTimeField()
