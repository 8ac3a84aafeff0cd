"""Query parameters of the return list; orders.selectors.return_list filters and decides what is seen."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from omni.api.permissions import actor_of
from orders.models import Return
from orders.selectors import return_list


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
