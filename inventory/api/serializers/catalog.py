"""Catalog API shapes. Input serializers only parse and check the form of a request; the services
apply the rules. Output serializers shape what the selectors return. Money: decimal strings, two places."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.gtin import gtin_problem
from inventory.models import Variant, sku_validator

MAX_VARIANTS_PER_REQUEST = 500


def money_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=True, **kwargs)


def input_money_field(**kwargs: Any) -> serializers.DecimalField:
    return money_field(min_value=Decimal("0"), **kwargs)


def vat_rate_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        coerce_to_string=True,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        **kwargs,
    )


class CostPriceVisibility:
    """Drops `cost_price` from the output unless the context says the caller may see it."""

    def _hide_cost(self, data: dict[str, Any]) -> dict[str, Any]:
        if not self.context.get("show_cost_price"):  # type: ignore[attr-defined]
            data.pop("cost_price", None)
        return data


# --- input ------------------------------------------------------------------------------------------


class VariantIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64, validators=[sku_validator])
    gtin = serializers.CharField(
        max_length=32,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="EAN-8, UPC-A (12), EAN-13 or GTIN-14, with its check digit.",
    )
    size = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    color = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    price = input_money_field(help_text="Retail price in EUR, VAT included; at most 2 decimals.")
    cost_price = input_money_field(required=False, allow_null=True, default=None)
    active = serializers.BooleanField(required=False, default=True)

    def validate_gtin(self, value: str | None) -> str | None:
        if value and (problem := gtin_problem(value)):
            raise serializers.ValidationError(problem)
        return value or None


class ProductCreateIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    brand = serializers.CharField(max_length=80, help_text="The brand's name; created when new.")
    category = serializers.CharField(max_length=80, help_text="The category's name; created when new.")
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    vat_rate = vat_rate_field(required=False, default=Decimal("22.00"))
    active = serializers.BooleanField(required=False, default=True)
    variants = VariantIn(many=True, max_length=MAX_VARIANTS_PER_REQUEST)  # type: ignore[call-arg]

    def validate_variants(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not value:
            raise serializers.ValidationError("A product needs at least one variant.")
        return value


class ProductUpdateIn(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    vat_rate = vat_rate_field(required=False)
    active = serializers.BooleanField(required=False)


class VariantUpdateIn(serializers.Serializer):
    price = input_money_field(required=False)
    cost_price = input_money_field(required=False, allow_null=True)
    active = serializers.BooleanField(required=False)


# --- output -----------------------------------------------------------------------------------------


class ProductVariantOut(CostPriceVisibility, serializers.Serializer):
    sku = serializers.CharField()
    gtin = serializers.CharField(allow_null=True)
    size = serializers.CharField()
    color = serializers.CharField()
    price = money_field()
    cost_price = money_field(required=False, allow_null=True, help_text="Only for the integration role.")
    currency = serializers.SerializerMethodField()
    active = serializers.BooleanField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_currency(self, variant: Variant) -> str:
        return settings.OMNI_CURRENCY

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return self._hide_cost(super().to_representation(instance))


class ProductOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    brand = serializers.CharField(source="brand.name")
    category = serializers.CharField(source="category.name")
    category_slug = serializers.CharField(source="category.slug")
    description = serializers.CharField()
    vat_rate = vat_rate_field()
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    variants = ProductVariantOut(many=True, source="variants.all")


class SkuProductOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    brand = serializers.CharField(source="brand.name")
    category = serializers.CharField(source="category.name")
    category_slug = serializers.CharField(source="category.slug")
    active = serializers.BooleanField()


class SkuOut(CostPriceVisibility, serializers.Serializer):
    sku = serializers.CharField()
    gtin = serializers.CharField(allow_null=True)
    name = serializers.CharField(source="display_name", help_text="The product's name with size and colour.")
    size = serializers.CharField()
    color = serializers.CharField()
    price = money_field(help_text="Retail price, VAT included.")
    cost_price = money_field(required=False, allow_null=True, help_text="Only for the integration role.")
    currency = serializers.SerializerMethodField()
    vat_rate = vat_rate_field(source="product.vat_rate")
    active = serializers.BooleanField(help_text="The SKU itself is active.")
    sellable = serializers.SerializerMethodField(help_text="The SKU and its product are both active.")
    product = SkuProductOut()

    @extend_schema_field(OpenApiTypes.STR)
    def get_currency(self, variant: Variant) -> str:
        return settings.OMNI_CURRENCY

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_sellable(self, variant: Variant) -> bool:
        return variant.active and variant.product.active

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return self._hide_cost(super().to_representation(instance))
