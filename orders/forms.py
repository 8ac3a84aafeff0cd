"""Forms of the order pages: they parse what staff type or scan; the services apply the rules and their
errors are shown on the form (or as messages) by the views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.forms import ScannedSkuField
from orders.models import Channel, OrderStatus
from orders.selectors import PICKUP_CODE_LENGTH

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


# --- Click-and-collect: the pickup queue, the pick list, the pickup desk ------------------------------------

PICKUP_QUEUE_SHOW_CHOICES = [
    ("", _("All")),
    ("prepare", _("To prepare")),
    ("ready", _("Ready")),
    ("late", _("Late")),
]
SHORT_PICK_RESOLUTION_CHOICES = [
    ("resource", _("Re-source the missing units")),
    ("cancel_line", _("Cancel the missing units")),
]


class PickupQueueFilterForm(forms.Form):
    show = forms.ChoiceField(label=_("Show"), choices=PICKUP_QUEUE_SHOW_CHOICES, required=False)


class PickForm(forms.Form):
    """The picked quantity of each line that can be picked on the shelves: one number field per line, named
    `line_<id>`, from 0 to what can be picked (`limits`, by line id; else the line's quantity)."""

    def __init__(self, *args: Any, lines: Any, limits: dict[int, int] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.line_ids: list[int] = []
        for line in lines:
            self.line_ids.append(line.pk)
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=line.sku,
                min_value=0,
                max_value=(limits or {}).get(line.pk, line.quantity),
                initial=line.picked_quantity,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "data-testid": "picked"}),
            )

    def picked(self) -> dict[int, int]:
        return {line_id: self.cleaned_data[f"line_{line_id}"] for line_id in self.line_ids}


class ShortPickForm(forms.Form):
    """Units of one line that are not on the shelf, and what to do about them."""

    line = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    missing = forms.IntegerField(
        label=_("Missing units"),
        min_value=1,
        max_value=999,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "data-testid": "short-missing"}),
    )
    resolution = forms.ChoiceField(
        label=_("Then"),
        choices=SHORT_PICK_RESOLUTION_CHOICES,
        initial="resource",
        widget=forms.RadioSelect,
    )


class PickupSearchForm(forms.Form):
    """The pickup desk's one box: an order number, a customer's name or email, or the pickup code typed or
    scanned from the customer's QR code (a scanner types the six digits, then Enter)."""

    q = forms.CharField(
        label=_("Order number, customer name, email or pickup code"),
        required=False,
        max_length=254,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autofocus": True,
                "autocomplete": "off",
                "spellcheck": "false",
                "enterkeyhint": "search",
                "placeholder": _("Scan the customer's QR code or type"),
                "data-testid": "desk-search",
            }
        ),
    )


class CodeInput(forms.TextInput):
    """A text box that never writes its value back into the page: staff pages never display a pickup
    code, not even the one just typed."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return super().get_context(name, None, attrs)


class HandoverForm(forms.Form):
    """The code the customer shows, and how an order paid at pickup is paid now."""

    code = forms.CharField(
        label=_("Pickup code"),
        max_length=20,
        widget=CodeInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "spellcheck": "false",
                "inputmode": "numeric",
                "enterkeyhint": "done",
                "data-testid": "handover-code",
            }
        ),
    )
    method = forms.ChoiceField(
        label=_("Payment taken now"), choices=COUNTER_PAYMENT_CHOICES, widget=forms.RadioSelect
    )

    def __init__(
        self,
        *args: Any,
        needs_payment: bool,
        code_checked: bool = False,
        lines: Sequence[Any] = (),
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            # units the customer refuses at the desk: returned on the spot
            self.fields[f"refused_{line.pk}"] = forms.IntegerField(
                label=_("Refused"),
                min_value=0,
                max_value=line.quantity,
                required=False,
                initial=0,
                widget=forms.NumberInput(
                    attrs={
                        "form": "handover-form",
                        "class": "qty-input",
                        "inputmode": "numeric",
                        "data-testid": f"refused-{line.sku}",
                    }
                ),
            )
        if not needs_payment:
            del self.fields["method"]
        if code_checked:
            # found at the desk by its scanned code: the view passes that code on to collect
            self.fields["code"].required = False
            self.fields["code"].help_text = _("Already checked when the QR code was scanned.")

    def refused_fields(self) -> list[tuple[Any, Any]]:
        """(order line, its bound "refused" field), for the lines table."""
        return [(line, self[f"refused_{line.pk}"]) for line in self.lines]

    def refused(self) -> dict[str, int]:
        """SKU -> units refused, for services.collect."""
        out: dict[str, int] = {}
        for line in self.lines:
            units = self.cleaned_data.get(f"refused_{line.pk}") or 0
            if units:
                out[line.sku] = out.get(line.sku, 0) + units
        return out

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data.get("code") or "").split())
        if code and not (code.isascii() and code.isdigit() and len(code) == PICKUP_CODE_LENGTH):
            raise forms.ValidationError(_("The pickup code is the 6 digits in the customer's email."))
        return code


class UnlockPickupForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Why you unlock it, e.g. the customer showed an ID."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": "unlock-reason"}),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why you unlock the pickup."))
        return reason


# --- Returns desk ---------------------------------------------------------------------------------------

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
            self.fields[f"reason_{line.pk}"] = forms.ChoiceField(
                label=_("Reason"),
                choices=ReturnReason.choices,
                initial=ReturnReason.CHANGED_MIND,
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
                **_SCAN,
                "autofocus": False,
                "data-testid": "exchange-scan",
                "placeholder": _("Scan the new item"),
            }
        ),
    )
