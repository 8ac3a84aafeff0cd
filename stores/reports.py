"""The "location" filter of the managers' reports, contributed by the stores (omni/reports imports no app).

Its choices are the active locations the actor may see, so a store manager who posts another location's id
gets "select a valid choice" on the form, never that location's figures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from omni.reports.base import FilterField
from stores.models import Location

if TYPE_CHECKING:
    from omni.actors import Actor


def build_location_field(actor: Actor) -> forms.Field:
    qs = Location.objects.filter(active=True).order_by("code")
    if actor.location_ids is not None:
        qs = qs.filter(pk__in=actor.location_ids)
    return forms.ModelChoiceField(
        queryset=qs,
        required=False,
        label=_("Location"),
        empty_label=_("Whole network") if actor.location_ids is None else _("All my locations"),
    )


def location_value(cleaned: Any) -> int | None:
    """The chosen location's id (the report form turns it into ReportFilters.location_ids)."""
    return cleaned.pk if cleaned is not None else None


location_filter = FilterField(name="location", build=build_location_field, value=location_value, order=10)
