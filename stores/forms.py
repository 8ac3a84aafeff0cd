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
