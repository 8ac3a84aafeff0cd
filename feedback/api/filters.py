"""Query parameters of the feedback summary. The FilterSet parses them (so they show in the OpenAPI schema);
feedback.selectors.scores narrows the responses, and the view decides which store a caller may ask about."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from feedback.models import Response, Touchpoint
from orders.models import Channel


class SummaryFilter(filters.FilterSet):
    touchpoint = filters.ChoiceFilter(
        method="ignore", choices=Touchpoint.choices, help_text="One touchpoint."
    )
    location = filters.CharFilter(
        method="ignore",
        max_length=20,
        help_text="A store's code. Store clients: their own (the default); integration: any (default: all).",
    )
    channel = filters.ChoiceFilter(
        method="ignore", choices=Channel.choices, help_text="The sales channel the responses belong to."
    )
    since = filters.DateFilter(
        method="ignore", help_text="First day (YYYY-MM-DD, Omni's time zone) of the responses counted."
    )
    until = filters.DateFilter(
        method="ignore", help_text="Last day (YYYY-MM-DD, included) of the responses counted."
    )

    class Meta:
        model = Response
        fields: list[str] = []

    def ignore(self, queryset: QuerySet, name: str, value) -> QuerySet:  # type: ignore[no-untyped-def]
        # No hint on `value`: the OpenAPI type then comes from the filter's class.
        return queryset
