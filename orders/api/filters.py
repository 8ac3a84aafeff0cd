"""Query parameters of the order list. The FilterSet parses and validates them (so they show in the OpenAPI
schema); orders.selectors.order_list filters, and decides what the caller may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from omni.api.permissions import actor_of
from orders.models import Channel, Order, OrderStatus
from orders.selectors import order_list


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
