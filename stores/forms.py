from django import forms
from django.utils.translation import gettext_lazy as _

from stores.models import LocationKind


class LocationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, city or code")}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *LocationKind.choices])
    capability = forms.ChoiceField(
        label=_("Service"),
        required=False,
        choices=[
            ("", _("Any")),
            ("click_and_collect", _("Click and collect")),
            ("ships", _("Ships orders")),
            ("accepts_returns", _("Accepts returns")),
        ],
    )


class ClosureForm(forms.Form):
    """A day closed (no times) or with special hours (both times)."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    opens = forms.TimeField(
        label=_("Opens"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    closes = forms.TimeField(
        label=_("Closes"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=120)

    def clean(self) -> dict:  # type: ignore[type-arg]
        data = super().clean() or {}
        opens, closes = data.get("opens"), data.get("closes")
        if (opens is None) != (closes is None):
            self.add_error("closes", _("Give both times for special hours, or neither for a day closed."))
        elif opens is not None and closes is not None and opens >= closes:
            self.add_error("closes", _("It closes after it opens."))
        return data


class PickupWindowsForm(forms.Form):
    pickup_slot_minutes = forms.IntegerField(label=_("Pickup window (minutes)"), min_value=10, max_value=240)
    pickup_slot_capacity = forms.IntegerField(
        label=_("Orders per pickup window"), min_value=1, max_value=1000
    )
