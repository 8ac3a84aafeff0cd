"""Query parameters of the order and return lists. The FilterSets parse and validate them (so they show in
the OpenAPI schema); orders.selectors.order_list and return_list filter, and decide what the caller sees."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from omni.api.permissions import actor_of
from orders.models import Channel, Order, OrderStatus, Return
from orders.selectors import order_list, return_list


class OrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(method="ignore", choices=OrderStatus.choices, help_text="An order status.")
    channel = filters.ChoiceFilter(method="ignore", choices=Channel.choices, help_text="A sales channel.")
    location = filters.CharFilter(
        method="ignore",
        max_length=20,
        help_text="A location's code: orders picked up or carried out there, or holding stock there.",
    )
    customer_email = filters.CharFilter(
        method="ignore", max_length=254, help_text="The customer's email (case-insensitive)."
    )

    class Meta:
        model = Order
        fields: list[str] = []

    def ignore(self, queryset: QuerySet, name: str, value) -> QuerySet:  # type: ignore[no-untyped-def]
        # No hint on `value`: the OpenAPI type then comes from the filter's class.
        return queryset

    def filter_queryset(self, queryset: QuerySet[Order]) -> QuerySet[Order]:
        data = self.form.cleaned_data
        return order_list(
            actor_of(self.request),
            status=data.get("status") or None,
            channel=data.get("channel") or None,
            location=(data.get("location") or "").strip() or None,
            customer_email=data.get("customer_email") or None,
        )


class ReturnFilter(filters.FilterSet):
    order = filters.CharFilter(method="ignore", max_length=20, help_text="An order's number.")
    location = filters.CharFilter(method="ignore", max_length=20, help_text="The receiving location's code.")

    class Meta:
        model = Return
        fields: list[str] = []

    def ignore(self, queryset: QuerySet, name: str, value) -> QuerySet:  # type: ignore[no-untyped-def]
        return queryset

    def filter_queryset(self, queryset: QuerySet[Return]) -> QuerySet[Return]:
        data = self.form.cleaned_data
        return return_list(
            actor_of(self.request), order=data.get("order") or None, location=data.get("location") or None
        )
