"""Forms of the till: scan a SKU into the basket, change a quantity, attach a loyalty card and redeem points,
take the payment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.forms import ScannedSkuField
from loyalty import conf as loyalty_conf
from loyalty.cards import is_valid_card_number
from loyalty.selectors.customers import card_candidate

COUNTER_PAYMENT_CHOICES = [("cash", _("Cash")), ("card", _("Card"))]
SCAN_ATTRS = {
    "autocomplete": "off",
    "spellcheck": "false",
    "autocapitalize": "characters",
    "enterkeyhint": "done",
    "placeholder": _("SKU or scan a barcode"),
    "autofocus": True,
    "data-scan-box": True,
    "data-testid": "scan",
}


class BasketAddForm(forms.Form):
    """One scan (or a typed SKU) at the till: adds one unit unless a quantity is given (empty = 1)."""

    sku = ScannedSkuField(widget=forms.TextInput(attrs=dict(SCAN_ATTRS)))
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=999,
        required=False,
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "placeholder": "1", "data-testid": "scan-quantity"}
        ),
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


class LoyaltyCardForm(forms.Form):
    """The member's card at the till: its 13 digits typed or scanned (the barcode, or the QR code of the
    digital card, which carries the card number only); spaces and dashes are dropped."""

    card = forms.CharField(
        label=_("Loyalty card"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "inputmode": "numeric",
                "enterkeyhint": "done",
                "placeholder": _("Scan or type the card number"),
                "data-testid": "loyalty-card",
            }
        ),
    )

    def clean_card(self) -> str:
        card = card_candidate(self.cleaned_data["card"])
        if not card:
            raise forms.ValidationError(_("A loyalty card number has 13 digits."))
        if not is_valid_card_number(card):
            raise forms.ValidationError(
                _("%(card)s is not a valid card number: check the digits or scan it again."),
                params={"card": card},
            )
        return card


class RedeemPointsForm(forms.Form):
    """How many of the member's points pay for part of this sale (0: none). The view checks them against the
    member's spendable points and the basket's total; placing the order checks again under the locks."""

    points = forms.IntegerField(
        label=_("Points to redeem"),
        min_value=0,
        max_value=loyalty_conf.MAX_POINTS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "data-testid": "redeem-points"}),
    )


# --- Click-and-collect: the pickup queue, the pick list, the pickup desk ------------------------------------
