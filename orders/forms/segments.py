"""The customer segment form: a code and a name, and one fixed group of optional fields per kind of
condition (orders.segment_rules), so a manager ticks boxes and types a few numbers on a tablet. The
conditions filled in are all required of a member (AND); a group left empty is no condition."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import Category
from loyalty.models import Tier
from orders.models import Channel, Segment
from orders.segment_rules import MAX_DAYS
from stores.models import Location, LocationKind

DAYS_ATTRS = {"inputmode": "numeric", "min": 1, "max": MAX_DAYS}
LAST_PURCHASE_CHOICES = [
    ("", _("Any time or never")),
    ("within", _("Within the last days")),
    ("not_within", _("Not within the last days (lapsed)")),
]


def _days_field(label: Any, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=MAX_DAYS,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs=dict(DAYS_ATTRS)),
    )


def _checkboxes(label: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, required=False, widget=forms.CheckboxSelectMultiple)


class SegmentForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lowercase letters, digits and dashes; shown in the API (e.g. gold-milano)."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive segment has no members: its promotions go to no one."),
    )
    tiers = _checkboxes(_("Loyalty tier is one of"))
    spend_min = forms.DecimalField(
        label=_("Spent at least (EUR)"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    spend_days = _days_field(_("in the last (days)"))
    last_purchase = forms.ChoiceField(label=_("Last purchase"), required=False, choices=LAST_PURCHASE_CHOICES)
    last_purchase_days = _days_field(_("Days"))
    preferred_stores = _checkboxes(_("Preferred store is one of"))
    cities = _checkboxes(_("Buys most at a store in"))
    categories = _checkboxes(_("Bought from a category"))
    categories_days = _days_field(_("in the last (days)"))
    channels = _checkboxes(_("Ordered through a channel"))
    channels_days = _days_field(_("in the last (days)"), _("Empty: ever."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stores = Location.objects.filter(kind=LocationKind.STORE).order_by("code")
        choice = self.fields
        choice["tiers"].choices = list(Tier.objects.order_by("threshold").values_list("code", "name"))  # type: ignore[attr-defined]
        choice["preferred_stores"].choices = [(str(s.pk), f"{s.code} · {s.name}") for s in stores]  # type: ignore[attr-defined]
        cities = sorted({s.city for s in stores if s.city})
        choice["cities"].choices = [(c, c) for c in cities]  # type: ignore[attr-defined]
        choice["categories"].choices = [  # type: ignore[attr-defined]
            (str(pk), name) for pk, name in Category.objects.order_by("name").values_list("pk", "name")
        ]
        choice["channels"].choices = Channel.choices  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, segment: Segment) -> dict[str, Any]:
        """The form's fields for a stored segment (its rules spread over the groups)."""
        initial: dict[str, Any] = {
            "code": segment.code,
            "name": segment.name,
            "description": segment.description,
            "active": segment.active,
        }
        for rule in segment.rules:
            kind = rule.get("kind")
            if kind == "tier":
                initial["tiers"] = rule["tiers"]
            elif kind == "spend":
                initial.update(spend_min=Decimal(rule["min_amount"]), spend_days=rule["days"])
            elif kind == "last_purchase":
                initial.update(
                    last_purchase="within" if rule["within"] else "not_within",
                    last_purchase_days=rule["days"],
                )
            elif kind == "preferred_store":
                initial["preferred_stores"] = [str(i) for i in rule["locations"]]
            elif kind == "city":
                initial["cities"] = rule["cities"]
            elif kind == "categories":
                initial.update(categories=[str(i) for i in rule["categories"]], categories_days=rule["days"])
            elif kind == "channels":
                initial.update(channels=rule["channels"], channels_days=rule.get("days"))
        return initial

    def _pair(self, data: dict[str, Any], value: str, days: str, message: Any) -> bool:
        """Whether a condition with a number of days is filled in; a half-filled one is an error."""
        if data.get(value) and not data.get(days):
            self.add_error(days, message)
        elif data.get(days) and not data.get(value):
            self.add_error(value, _("Fill this in too, or clear the days."))
        return bool(data.get(value) and data.get(days))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rules: list[dict[str, Any]] = []
        needs_days = _("Say over how many days.")
        if data.get("tiers"):
            rules.append({"kind": "tier", "tiers": list(data["tiers"])})
        if self._pair(data, "spend_min", "spend_days", needs_days):
            rules.append(
                {"kind": "spend", "min_amount": f"{data['spend_min']:.2f}", "days": data["spend_days"]}
            )
        if self._pair(data, "last_purchase", "last_purchase_days", needs_days):
            within = data["last_purchase"] == "within"
            rules.append({"kind": "last_purchase", "within": within, "days": data["last_purchase_days"]})
        if data.get("preferred_stores"):
            rules.append({"kind": "preferred_store", "locations": [int(i) for i in data["preferred_stores"]]})
        if data.get("cities"):
            rules.append({"kind": "city", "cities": list(data["cities"])})
        if self._pair(data, "categories", "categories_days", needs_days):
            ids = [int(i) for i in data["categories"]]
            rules.append({"kind": "categories", "categories": ids, "days": data["categories_days"]})
        if data.get("channels"):
            rules.append(
                {"kind": "channels", "channels": list(data["channels"]), "days": data.get("channels_days")}
            )
        elif data.get("channels_days"):
            self.add_error("channels", _("Fill this in too, or clear the days."))
        data["rules"] = rules
        return data
