"""Query parameters of the catalog lists. The FilterSets parse and validate; the selectors search."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from inventory import selectors
from inventory.gtin import gtin_problem
from inventory.models import Product, Variant


def validate_gtin(value: str) -> None:
    if value and (problem := gtin_problem(value.strip())):
        raise ValidationError(problem, code="invalid_gtin")


MAX_ID = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class ProductFilter(filters.FilterSet):
    search = filters.CharFilter(
        method="ignore",
        max_length=selectors.MAX_QUERY_LENGTH,
        help_text="Part of the product or brand name, the start of a SKU, or a GTIN (8 to 14 digits).",
    )
    category = filters.CharFilter(method="ignore", max_length=80, help_text="A category's name or slug.")
    brand = filters.CharFilter(method="ignore", max_length=80, help_text="A brand's name.")
    active = filters.BooleanFilter(method="ignore", help_text="true: products on sale; false: withdrawn.")

    class Meta:
        model = Product
        fields: list[str] = []

    def ignore(self, queryset: QuerySet, name: str, value) -> QuerySet:  # type: ignore[no-untyped-def]
        # No hint on `value`: the OpenAPI type then comes from the filter's class.
        return queryset  # every parameter is applied at once by filter_queryset

    def filter_queryset(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        data = self.form.cleaned_data
        return selectors.search_products(
            data.get("search"),
            category=data.get("category"),
            brand=data.get("brand"),
            active=data.get("active"),
            products=queryset,
        )


class VariantFilter(filters.FilterSet):
    gtin = filters.CharFilter(
        method="ignore",
        max_length=14,
        validators=[validate_gtin],
        help_text="Barcode lookup: a GTIN in its 8, 12, 13 or 14-digit form.",
    )
    search = filters.CharFilter(
        method="ignore",
        max_length=selectors.MAX_QUERY_LENGTH,
        help_text="Part of the product or brand name, the start of a SKU, or a GTIN.",
    )
    product = IdFilter(method="ignore", min_value=1, max_value=MAX_ID, help_text="A product's id.")
    category = filters.CharFilter(method="ignore", max_length=80, help_text="A category's name or slug.")
    brand = filters.CharFilter(method="ignore", max_length=80, help_text="A brand's name.")
    active = filters.BooleanFilter(
        method="ignore", help_text="true: SKUs on sale (the SKU and its product active); false: the others."
    )

    class Meta:
        model = Variant
        fields: list[str] = []

    def ignore(self, queryset: QuerySet, name: str, value) -> QuerySet:  # type: ignore[no-untyped-def]
        # No hint on `value`: the OpenAPI type then comes from the filter's class.
        return queryset  # every parameter is applied at once by filter_queryset

    def filter_queryset(self, queryset: QuerySet[Variant]) -> QuerySet[Variant]:
        data = self.form.cleaned_data
        return selectors.search_variants(
            data.get("search"),
            gtin=data.get("gtin") or None,
            product_id=data.get("product"),
            category=data.get("category"),
            brand=data.get("brand"),
            active=data.get("active"),
            variants=queryset,
        )
