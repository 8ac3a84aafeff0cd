"""Forms of the returns desk: find the order (or, without a receipt, the product and the customer), the
return (lines, condition, reason, refund, override), the scans (a unit more to return, the exchange's new
item), settling a refund left due."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.forms import ScannedSkuField
from orders.forms.till import COUNTER_PAYMENT_CHOICES, SCAN_ATTRS

REFUND_METHOD_CHOICES = [
    ("original", _("Original payment method")),
    ("cash", _("Cash at the desk")),
]


class ReturnSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Order number, receipt barcode, email or loyalty card"),
        max_length=254,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autofocus": True,
                "enterkeyhint": "search",
                "placeholder": _("Scan the receipt, or type the order number, email or card"),
                "data-testid": "return-search",
                "data-scan-box": True,
            }
        ),
    )
    customer = forms.CharField(
        label=_("No receipt? The customer's email or loyalty card"),
        max_length=254,
        required=False,
        help_text=_("Then scan the product: the customer's orders with it are listed."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "enterkeyhint": "search",
                "data-testid": "return-customer",
                "aria-describedby": "id_customer-help",
            }
        ),
    )


class ReturnForm(forms.Form):
    """One row per line of the order that has units left to return (quantity, condition, reason), then how
    the money goes back, an optional warehouse to send the units to, and (past the window, for a manager)
    why it is accepted anyway."""

    refund_method = forms.ChoiceField(
        label=_("Refund"), choices=REFUND_METHOD_CHOICES, initial="original", widget=forms.RadioSelect
    )
    send_to = forms.ChoiceField(label=_("Send the resellable units to"), required=False)
    override_reason = forms.CharField(
        label=_("Why it is accepted after the return window"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "override-reason"}),
    )
    exchange_method = forms.ChoiceField(
        label=_("The difference is paid by"),
        choices=COUNTER_PAYMENT_CHOICES,
        initial="card",
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        data: Any = None,
        *,
        lines: list[Any],
        left: dict[int, int],
        warehouses: list[Any],
        window_closed: bool,
    ):
        from orders.models import ReturnCondition, ReturnReason

        super().__init__(data)
        self.lines = [line for line in lines if left.get(line.pk, 0) > 0]
        self.window_closed = window_closed
        self.fields["send_to"].choices = [("", _("Keep them here"))] + [  # type: ignore[attr-defined]
            (w.code, f"{w.code} · {w.name}") for w in warehouses
        ]
        for line in self.lines:
            self.fields[f"qty_{line.pk}"] = forms.IntegerField(
                label=line.sku,
                min_value=0,
                max_value=left[line.pk],
                initial=0,
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "data-testid": f"return-qty-{line.sku}", "min": 0}
                ),
            )
            self.fields[f"condition_{line.pk}"] = forms.ChoiceField(
                label=_("Condition"),
                choices=ReturnCondition.choices,
                initial=ReturnCondition.RESELLABLE,
                widget=forms.Select(attrs={"data-testid": f"return-condition-{line.sku}"}),
            )
            # no default: the associate asks the customer and chooses (required for a line returned)
            self.fields[f"reason_{line.pk}"] = forms.ChoiceField(
                label=_("Reason"),
                choices=[("", _("Choose the reason")), *ReturnReason.choices],
                required=False,
                widget=forms.Select(attrs={"data-testid": f"return-reason-{line.sku}"}),
            )

    def rows(self) -> list[tuple[Any, Any, Any, Any]]:
        return [
            (line, self[f"qty_{line.pk}"], self[f"condition_{line.pk}"], self[f"reason_{line.pk}"])
            for line in self.lines
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.lines and not any(data.get(f"qty_{line.pk}") for line in self.lines):
            raise forms.ValidationError(_("Give the quantity of at least one line to return."))
        for line in self.lines:
            if data.get(f"qty_{line.pk}") and not data.get(f"reason_{line.pk}"):
                self.add_error(f"reason_{line.pk}", _("Choose why %(sku)s comes back.") % {"sku": line.sku})
        if self.window_closed and not (data.get("override_reason") or "").strip():
            self.add_error(
                "override_reason", _("The return window has closed: a store manager says why it is accepted.")
            )
        return data

    def return_lines(self) -> list[Any]:
        from orders.services import ReturnLineInput

        data = self.cleaned_data
        return [
            ReturnLineInput(
                sku=line.sku,
                quantity=data[f"qty_{line.pk}"],
                condition=data[f"condition_{line.pk}"],
                reason=data[f"reason_{line.pk}"],
            )
            for line in self.lines
            if data.get(f"qty_{line.pk}")
        ]


class ExchangeScanForm(forms.Form):
    """A SKU scanned (or typed) for the exchange: one unit more of it in the new sale."""

    exchange_sku = ScannedSkuField(
        required=False,
        widget=forms.TextInput(
            attrs={
                **SCAN_ATTRS,
                "autofocus": False,
                "data-testid": "exchange-scan",
                "placeholder": _("Scan the new item"),
            }
        ),
    )


class ReturnScanForm(forms.Form):
    """A product scanned on the return page: one unit more of that SKU to return."""

    return_sku = ScannedSkuField(
        label=_("Scan an item to return"),
        required=False,
        widget=forms.TextInput(
            attrs={
                **SCAN_ATTRS,
                "data-testid": "return-scan",
                "data-scan-box": True,
                "placeholder": _("Scan the item the customer brings back"),
            }
        ),
    )


SETTLE_METHOD_CHOICES = [
    ("card", _("Card, on the terminal")),
    ("cash", _("Cash at the desk")),
    ("bank_transfer", _("Bank transfer")),
    ("paypal", _("PayPal")),
]


class SettleRefundForm(forms.Form):
    """How a refund left due was paid back, and its reference (the terminal's receipt, the transfer)."""

    method = forms.ChoiceField(
        label=_("Paid back by"), choices=SETTLE_METHOD_CHOICES, widget=forms.RadioSelect
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=120,
        required=False,
        help_text=_("The card terminal's receipt number or the transfer's id (not needed for cash)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": "settle-reference"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("method") and data["method"] != "cash" and not (data.get("reference") or "").strip():
            self.add_error("reference", _("Give the reference of the refund."))
        return data
