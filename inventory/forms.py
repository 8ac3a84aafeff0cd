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
