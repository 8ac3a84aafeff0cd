"""Forms of the order pages: the list's filters, cancel, ship."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import Channel, OrderStatus

CANCEL_REASON_CHOICES = [
    ("customer_request", _("The customer asked")),
    ("out_of_stock", _("Out of stock")),
    ("payment_failed", _("Payment failed")),
    ("fraud", _("Suspected fraud")),
    ("pickup_expired", _("Not collected in time")),
    ("other", _("Other")),
]


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Order number or customer email"),
        required=False,
        max_length=254,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "data-testid": "order-search"}
        ),
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    location = forms.ChoiceField(label=_("Location"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, locations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["channel"].choices = everything + list(Channel.choices)  # type: ignore[attr-defined]
        self.fields["status"].choices = everything + list(OrderStatus.choices)  # type: ignore[attr-defined]
        self.fields["location"].choices = everything + [  # type: ignore[attr-defined]
            (loc.code, f"{loc.code} · {loc.name}") for loc in locations
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=CANCEL_REASON_CHOICES,
        widget=forms.Select(attrs={"data-testid": "cancel-reason"}),
    )


class ShipForm(forms.Form):
    carrier = forms.CharField(
        label=_("Carrier"), max_length=80, widget=forms.TextInput(attrs={"data-testid": "ship-carrier"})
    )
    tracking = forms.CharField(
        label=_("Tracking number"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": "ship-tracking"}),
    )
