"""Forms of the order pages: they parse what staff type or scan; the services apply the rules and their
errors are shown on the form (or as messages) by the views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.forms import ScannedSkuField
from orders.models import Channel, OrderStatus

CANCEL_REASON_CHOICES = [
    ("customer_request", _("The customer asked")),
    ("out_of_stock", _("Out of stock")),
    ("payment_failed", _("Payment failed")),
    ("fraud", _("Suspected fraud")),
    ("pickup_expired", _("Not collected in time")),
    ("other", _("Other")),
]
COUNTER_PAYMENT_CHOICES = [("cash", _("Cash")), ("card", _("Card"))]
_SCAN = {
    "autocomplete": "off",
    "spellcheck": "false",
    "autocapitalize": "characters",
    "enterkeyhint": "done",
    "placeholder": _("SKU or scan a barcode"),
    "autofocus": True,
    "data-testid": "scan",
}


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


class BasketAddForm(forms.Form):
    """One scan (or a typed SKU) at the till: adds one unit unless a quantity is given."""

    sku = ScannedSkuField(widget=forms.TextInput(attrs=dict(_SCAN)))
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=999,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "data-testid": "scan-quantity"}),
    )


class BasketQuantityForm(forms.Form):
    sku = forms.CharField(max_length=64, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=0,
        max_value=999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("0 removes the line."),
    )


class CheckoutForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Payment"), choices=COUNTER_PAYMENT_CHOICES, initial="card", widget=forms.RadioSelect
    )
    email = forms.EmailField(
        label=_("Customer email (optional)"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "data-testid": "customer-email"}),
    )
