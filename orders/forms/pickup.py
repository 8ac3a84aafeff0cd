"""Forms of click and collect: the queue's filter, the pick list, a short pick, the desk's search, the
handover (code, payment, refused units), unlocking a pickup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.forms.till import COUNTER_PAYMENT_CHOICES
from orders.selectors import PICKUP_CODE_LENGTH

PICKUP_QUEUE_SHOW_CHOICES = [
    ("", _("All")),
    ("arrived", _("Arrived")),
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
        code_kept: str = "",
        lines: Sequence[Any] = (),
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        # the customer's code is already in hand: "scanned" (it opened the order at the desk) or "typed" (kept
        # from a submit a form error sent back); the view passes it on to collect, which checks it
        self.code_kept = "scanned" if code_checked else code_kept
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
                        "id": f"id_refused_{line.pk}",
                        "form": "handover-form",
                        "class": "qty-input",
                        "inputmode": "numeric",
                        "data-testid": f"refused-{line.sku}",
                    }
                ),
            )
        if not needs_payment:
            del self.fields["method"]
        if self.code_kept:
            code = self.fields["code"]
            code.required = False
            code.widget.attrs.update(
                {"autofocus": False, "placeholder": "✓ ••••••", "aria-describedby": "handover-code-help"}
            )
            code.help_text = (
                _("Already checked when the QR code was scanned.")
                if self.code_kept == "scanned"
                else _("The code you typed is kept: it is checked when you hand over.")
            )

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
