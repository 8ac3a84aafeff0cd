"""Forms of the catalog pages and the admin: they parse input; the services apply the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory import selectors
from inventory.gtin import gtin_problem, to_gtin14
from inventory.models import Variant


class CatalogSearchForm(forms.Form):
    """One search box that a barcode scanner can type into (digits then Enter), and two filters."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=selectors.MAX_QUERY_LENGTH,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "type": "search",
                "autocomplete": "off",
                "spellcheck": "false",
                "enterkeyhint": "search",
                "placeholder": _("Name, brand, SKU or scan a barcode"),
                "data-testid": "catalog-search",
            }
        ),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    brand = forms.ChoiceField(label=_("Brand"), required=False)
    inactive = forms.BooleanField(label=_("Include items not on sale"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["category"].choices = everything + [  # type: ignore[attr-defined]
            (c.slug, c.name) for c in selectors.categories().only("slug", "name")
        ]
        self.fields["brand"].choices = everything + [  # type: ignore[attr-defined]
            (b.name, b.name) for b in selectors.brands().only("name")
        ]


class VariantPriceForm(forms.Form):
    """HQ changes a SKU's prices and whether it is on sale (through services.update_variant)."""

    price = forms.DecimalField(
        label=_("Retail price"),
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    cost_price = forms.DecimalField(
        label=_("Cost price"),
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        localize=True,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    active = forms.BooleanField(label=_("On sale"), required=False)


class VariantAdminForm(forms.ModelForm):
    """The admin's Variant form: a GTIN needs a correct check digit and must be new to the catalog
    (gtin14 is not a form field, so the admin would not check its uniqueness by itself)."""

    class Meta:
        model = Variant
        fields = ["product", "sku", "gtin", "size", "color", "price", "cost_price", "active"]

    def clean_gtin(self) -> str | None:
        gtin = (self.cleaned_data.get("gtin") or "").strip()
        if not gtin:
            return None
        if problem := gtin_problem(gtin):
            raise forms.ValidationError(problem)
        others = Variant.objects.filter(gtin14=to_gtin14(gtin))
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if owner := others.values_list("sku", flat=True).first():
            raise forms.ValidationError(_("This GTIN already belongs to SKU %(sku)s.") % {"sku": owner})
        return gtin


# --- Stock pages ------------------------------------------------------------------------------------
# These forms parse what staff type or scan; the services apply the rules and their errors are shown on
# the form by the views.

_NUMERIC = {"inputmode": "numeric", "autocomplete": "off"}
_SCAN = {
    "autocomplete": "off",
    "spellcheck": "false",
    "autocapitalize": "characters",
    "enterkeyhint": "next",
    "placeholder": _("SKU or scan a barcode"),
}
# The box a barcode scanner types into on the floor pages: focused on load (omni/static/omni/scanner.js
# keeps it so and selects what it holds, so the next scan replaces it); Enter posts only its own form.
_SCAN_BOX = {**_SCAN, "autofocus": True, "data-scan-box": True, "enterkeyhint": "enter"}


class ScannedSkuField(forms.CharField):
    """A SKU typed or a barcode scanned: cleans to the Variant it names."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", _("SKU or barcode"))
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("widget", forms.TextInput(attrs=dict(_SCAN)))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Variant | None:  # type: ignore[override]
        code = super().clean(value)
        if not code:
            return None
        variant = selectors.variant_by_code(code)
        if variant is None:
            raise forms.ValidationError(
                _("No SKU or barcode %(code)s in the catalog."), params={"code": code}
            )
        return variant


class LocationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name}"


class StockLookupForm(forms.Form):
    """Network stock lookup: a name, a SKU or a scanned barcode."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=selectors.MAX_QUERY_LENGTH,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "type": "search",
                "autocomplete": "off",
                "spellcheck": "false",
                "enterkeyhint": "search",
                "placeholder": _("Name, SKU or scan a barcode"),
                "data-scan-box": True,
                "data-testid": "stock-search",
            }
        ),
    )


class StockListForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    below_safety = forms.BooleanField(label=_("Below reorder point"), required=False)
    out_of_stock = forms.BooleanField(label=_("Out of stock"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All"))] + [  # type: ignore[attr-defined]
            (c.slug, c.name) for c in selectors.categories().only("slug", "name")
        ]


class MovementForm(forms.Form):
    """A receipt, an adjustment (signed, with a reason) or damage, at one location."""

    KINDS = [
        ("receipt", _("Receipt (goods in)")),
        ("adjustment", _("Adjustment (+ or −)")),
        ("damage", _("Damage (goods out)")),
    ]

    location = LocationField(label=_("Location"), queryset=None, empty_label=None)
    sku = ScannedSkuField(widget=forms.TextInput(attrs={**_SCAN, "autofocus": True, "data-testid": "sku"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS, widget=forms.RadioSelect)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=-100000,
        max_value=100000,
        help_text=_("Units: an adjustment is negative to take stock off."),
        widget=forms.NumberInput(attrs={**_NUMERIC, "data-testid": "quantity"}),
    )
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, locations: Any, **kwargs: Any):
        from inventory.models import AdjustmentReason

        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]
        self.fields["reason"].choices = [("", "—"), *AdjustmentReason.choices]  # type: ignore[attr-defined]


class AdjustmentDecisionForm(forms.Form):
    """A manager's approval or rejection of an adjustment request, with an optional note for the record."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("Optional: why")}),
    )


class CountStartForm(forms.Form):
    location = LocationField(label=_("Location"), queryset=None, empty_label=None)
    category: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Category"),
        queryset=None,
        required=False,
        empty_label=_("Whole location"),
    )
    blind = forms.BooleanField(
        label=_("Blind count (staff do not see the expected quantity)"), required=False, initial=True
    )

    def __init__(self, *args: Any, locations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]
        self.fields["category"].queryset = selectors.categories()  # type: ignore[attr-defined]


class CountScanForm(forms.Form):
    """A scan on the counting screen: one more unit of the SKU scanned (or typed) counted."""

    sku = ScannedSkuField(widget=forms.TextInput(attrs={**_SCAN_BOX, "data-testid": "count-scan"}))


class CountEntryForm(forms.Form):
    """The exact quantity counted of a SKU (a line's quantity corrected after scanning)."""

    sku = ScannedSkuField(widget=forms.HiddenInput)
    counted = forms.IntegerField(
        label=_("Counted quantity"),
        min_value=0,
        max_value=1000000,
        widget=forms.NumberInput(attrs={**_NUMERIC, "data-testid": "count-quantity"}),
    )


class CountPostForm(forms.Form):
    uncounted_as_zero = forms.BooleanField(
        label=_("SKUs not counted are out of stock (count them as 0)"), required=False
    )


class TransferForm(forms.Form):
    from_location = LocationField(label=_("From"), queryset=None)
    to_location = LocationField(label=_("To"), queryset=None)
    reference = forms.CharField(label=_("Reference"), required=False, max_length=80)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, locations: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["from_location"].queryset = locations  # type: ignore[attr-defined]
        self.fields["to_location"].queryset = locations  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from_location") and data.get("from_location") == data.get("to_location"):
            self.add_error("to_location", _("A transfer goes between two different locations."))
        return data


class TransferScanForm(forms.Form):
    """A scan on the new-transfer page: one more unit of the SKU scanned (or typed) on the draft. Blank is
    allowed: Enter in another field of the draft only keeps what was chosen there."""

    sku = ScannedSkuField(
        required=False, widget=forms.TextInput(attrs={**_SCAN_BOX, "data-testid": "transfer-scan"})
    )


class TransferDraftLineForm(forms.Form):
    """A draft line's quantity set exactly (0 takes the line off)."""

    sku = forms.CharField(max_length=64, widget=forms.HiddenInput)
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=0,
        max_value=100000,
        widget=forms.NumberInput(attrs=dict(_NUMERIC)),
    )


class ShipTransferForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), required=False, max_length=80)
    tracking = forms.CharField(label=_("Tracking number"), required=False, max_length=120)


class ReceiveTransferForm(forms.Form):
    """Per line of a shipped transfer: the units received (all of them unless changed) and, when short,
    why."""

    def __init__(self, *args: Any, lines: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"received_{line.pk}"] = forms.IntegerField(
                label=_("Received"),
                min_value=0,
                max_value=line.quantity,
                initial=line.quantity,
                widget=forms.NumberInput(attrs={**_NUMERIC, "data-testid": f"received-{line.variant.sku}"}),
            )
            self.fields[f"reason_{line.pk}"] = forms.CharField(
                label=_("Shortfall reason"),
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"data-testid": f"reason-{line.variant.sku}"}),
            )

    def rows(self) -> list[tuple[Any, Any, Any]]:
        return [(line, self[f"received_{line.pk}"], self[f"reason_{line.pk}"]) for line in self.lines]

    def received(self) -> list[tuple[Any, int, str]]:
        return [
            (
                line,
                self.cleaned_data[f"received_{line.pk}"],
                self.cleaned_data.get(f"reason_{line.pk}", "").strip(),
            )
            for line in self.lines
        ]
