"""Query parameters of the cart list. The FilterSet parses them (so they show in the OpenAPI schema);
carts.selectors.lookup finds the carts, and the view decides who may use which identifier."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from carts.models import Cart
from orders.models import Channel


class CartFilter(filters.FilterSet):
    customer_email = filters.CharFilter(
        method="ignore", max_length=254, help_text="The customer's email (eshop, integration)."
    )
    card_number = filters.CharFilter(
        method="ignore",
        max_length=32,
        help_text="The customer's loyalty card number (kiosk, store, integration).",
    )
    channel = filters.ChoiceFilter(
        method="ignore",
        choices=Channel.choices,
        help_text="Price the carts for this channel (the one you will check out in); default: "
        "each cart's own.",
    )

    class Meta:
        model = Cart
        fields: list[str] = []

    def ignore(self, queryset: QuerySet, name: str, value) -> QuerySet:  # type: ignore[no-untyped-def]
        # No hint on `value`: the OpenAPI type then comes from the filter's class.
        return queryset
