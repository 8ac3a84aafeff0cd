"""Query parameters of the stock lists. The FilterSets parse and validate (so they show in the OpenAPI
schema); the selectors that take the Actor filter, and decide what the caller may see."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from inventory import selectors
from inventory.models import (
    CountStatus,
    LowStockAlert,
    MovementKind,
    StockCount,
    StockLevel,
    StockMovement,
    Transfer,
    TransferStatus,
)
from omni.api.permissions import actor_of

LOCATION_HELP = "A location's code. A store client may only name its own location (else 403)."


class StrictBooleanField(forms.NullBooleanField):
    """true/false (or 1/0); anything else is a 400 naming the parameter, never silently ignored."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError("Give true or false.", code="invalid")

    def validate(self, value: Any) -> None:
        return None


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["widget"] = forms.TextInput
        super().__init__(*args, **kwargs)


class _SelectorFilterSet(filters.FilterSet):
    """Every parameter is applied at once by `filter_queryset`, through a selector that takes the actor."""

    def ignore(self, queryset: QuerySet, name: str, value) -> QuerySet:  # type: ignore[no-untyped-def]
        # No hint on `value`: the OpenAPI type then comes from the filter's class.
        return queryset


class MovementFilter(_SelectorFilterSet):
    location = filters.CharFilter(method="ignore", max_length=20, help_text=LOCATION_HELP)
    sku = filters.CharFilter(method="ignore", max_length=64, help_text="A SKU.")
    kind = filters.ChoiceFilter(method="ignore", choices=MovementKind.choices, help_text="A movement kind.")

    class Meta:
        model = StockMovement
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[StockMovement]) -> QuerySet[StockMovement]:
        data = self.form.cleaned_data
        return selectors.movement_list(
            actor=actor_of(self.request),
            location=data.get("location") or None,
            sku=data.get("sku") or None,
            kind=data.get("kind") or None,
        )


class LevelFilter(_SelectorFilterSet):
    location = filters.CharFilter(method="ignore", max_length=20, help_text=LOCATION_HELP)
    sku = filters.CharFilter(method="ignore", max_length=64, help_text="A SKU.")
    below_safety = StrictBooleanFilter(
        method="ignore",
        help_text="true: on hand below reserved + safety stock + reorder point (where one is set).",
    )
    out_of_stock = StrictBooleanFilter(method="ignore", help_text="true: nothing available.")

    class Meta:
        model = StockLevel
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[StockLevel]) -> QuerySet[StockLevel]:
        data = self.form.cleaned_data
        return selectors.level_list(
            actor=actor_of(self.request),
            location=data.get("location") or None,
            sku=data.get("sku") or None,
            below_safety=data.get("below_safety"),
            out_of_stock=data.get("out_of_stock"),
        )


class AlertFilter(_SelectorFilterSet):
    location = filters.CharFilter(method="ignore", max_length=20, help_text=LOCATION_HELP)

    class Meta:
        model = LowStockAlert
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[LowStockAlert]) -> QuerySet[LowStockAlert]:
        data = self.form.cleaned_data
        return selectors.open_alert_list(actor=actor_of(self.request), location=data.get("location") or None)


class TransferFilter(_SelectorFilterSet):
    status = filters.ChoiceFilter(method="ignore", choices=TransferStatus.choices)
    location = filters.CharFilter(
        method="ignore", max_length=20, help_text="Transfers from or to this location (a location's code)."
    )

    class Meta:
        model = Transfer
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Transfer]) -> QuerySet[Transfer]:
        data = self.form.cleaned_data
        return selectors.transfers_for_actor(
            actor_of(self.request),
            with_lines=True,
            status=data.get("status") or None,
            location=data.get("location") or None,
        )


class CountFilter(_SelectorFilterSet):
    status = filters.ChoiceFilter(method="ignore", choices=CountStatus.choices)
    location = filters.CharFilter(method="ignore", max_length=20, help_text=LOCATION_HELP)

    class Meta:
        model = StockCount
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[StockCount]) -> QuerySet[StockCount]:
        data = self.form.cleaned_data
        return selectors.counts_for_actor(
            actor_of(self.request),
            status=data.get("status") or None,
            location=data.get("location") or None,
        )
