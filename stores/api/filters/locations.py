from __future__ import annotations

import django_filters

from stores.models import Location, LocationKind


class LocationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=LocationKind.choices)
    click_and_collect = django_filters.BooleanFilter()
    ships = django_filters.BooleanFilter()
    accepts_returns = django_filters.BooleanFilter()
    city = django_filters.CharFilter(field_name="city", lookup_expr="iexact")
    country = django_filters.CharFilter(field_name="country", lookup_expr="iexact")

    class Meta:
        model = Location
        fields = ["kind", "click_and_collect", "ships", "accepts_returns", "city", "country"]
