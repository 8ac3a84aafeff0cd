"""Forms of the till: scan a SKU into the basket, change a quantity, take the payment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.forms import ScannedSkuField

COUNTER_PAYMENT_CHOICES = [("cash", _("Cash")), ("card", _("Card"))]
SCAN_ATTRS = {
    "autocomplete": "off",
    "spellcheck": "false",
    "autocapitalize": "characters",
    "enterkeyhint": "done",
    "placeholder": _("SKU or scan a barcode"),
    "autofocus": True,
    "data-testid": "scan",
}


class BasketAddForm(forms.Form):
    """One scan (or a typed SKU) at the till: adds one unit unless a quantity is given."""

    sku = ScannedSkuField(widget=forms.TextInput(attrs=dict(SCAN_ATTRS)))
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


# --- Click-and-collect: the pickup queue, the pick list, the pickup desk ------------------------------------
