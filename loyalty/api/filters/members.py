"""Query parameters of the member list: exact lookups. The FilterSet parses them (so they show in the
OpenAPI schema); loyalty.services.lookup_members decides what the caller may look up and see."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from loyalty import services
from loyalty.models import Member
from omni.api.permissions import actor_of


class MemberFilter(filters.FilterSet):
    email = filters.CharFilter(method="ignore", max_length=254, help_text="Exact email (any case).")
    card_number = filters.CharFilter(
        method="ignore", max_length=13, help_text="Exact card number: 13 digits with a valid check digit."
    )
    phone = filters.CharFilter(method="ignore", max_length=30, help_text="Exact phone number.")

    class Meta:
        model = Member
        fields: list[str] = []

    def ignore(self, queryset: QuerySet, name: str, value) -> QuerySet:  # type: ignore[no-untyped-def]
        # No hint on `value`: the OpenAPI type then comes from the filter's class.
        return queryset

    def filter_queryset(self, queryset: QuerySet[Member]) -> QuerySet[Member]:
        data = self.form.cleaned_data
        return services.lookup_members(
            actor=actor_of(self.request),
            email=(data.get("email") or "").strip(),
            card_number=(data.get("card_number") or "").strip(),
            phone=(data.get("phone") or "").strip(),
        )
