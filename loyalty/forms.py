"""Forms of the loyalty pages: they parse what staff type or scan; the services apply the rules (who may
adjust, merge or erase, the balance that may not go below zero) and their errors are shown on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from loyalty import conf
from loyalty.models import ConsentChannel, ConsentPurpose

MAX_QUERY_LENGTH = 254
REASON_MAX_LENGTH = 500


class LookupForm(forms.Form):
    """One box: a scanned card (a scanner types the 13 digits, then Enter), an email, a phone or a name."""

    q = forms.CharField(
        label=_("Card, email or phone"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "enterkeyhint": "search",
                "placeholder": _("Scan the card, or type an email or a phone number"),
                "data-testid": "member-lookup",
            }
        ),
    )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())


def _reason_field(label: Any = None, help_text: Any = "", testid: str = "reason") -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason"),
        max_length=REASON_MAX_LENGTH,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": testid}),
    )


class AdjustmentForm(forms.Form):
    """A manual change of a member's points: signed (a goodwill credit or a correction), with a reason."""

    points = forms.IntegerField(
        label=_("Points"),
        min_value=-conf.MAX_POINTS,
        max_value=conf.MAX_POINTS,
        help_text=_("Positive to credit, negative to debit."),
        widget=forms.NumberInput(
            attrs={"inputmode": "numeric", "step": "1", "autocomplete": "off", "data-testid": "adjust-points"}
        ),
    )
    reason = _reason_field(
        help_text=_("Shown in the ledger and kept in the audit log."), testid="adjust-reason"
    )

    def clean_points(self) -> int:
        points = self.cleaned_data["points"]
        if points == 0:
            raise forms.ValidationError(_("An adjustment of 0 points changes nothing."))
        return int(points)

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Say why the points change."))
        return reason


class DuplicateSearchForm(forms.Form):
    """Find the duplicate profile to merge: its email, card number or phone."""

    duplicate = forms.CharField(
        label=_("Duplicate's email, card or phone"),
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autofocus": True,
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "data-testid": "duplicate-search",
            }
        ),
    )

    def clean_duplicate(self) -> str:
        return " ".join(self.cleaned_data["duplicate"].split())


class MergeForm(forms.Form):
    """Confirm a merge: the duplicate chosen on the preview, and why."""

    merge = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = _reason_field(
        help_text=_("E.g. the same person enrolled twice with two emails."), testid="merge-reason"
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Say why these customers are merged."))
        return reason


class EraseForm(forms.Form):
    """Confirm an erasure (GDPR Art. 17): irreversible, so a reason and a tick are both required."""

    reason = _reason_field(
        help_text=_("E.g. the reference of the customer's request."), testid="erase-reason"
    )
    confirm = forms.BooleanField(
        label=_("I understand that the personal data is erased for good."),
        widget=forms.CheckboxInput(attrs={"data-testid": "erase-confirm"}),
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if not reason:
            raise forms.ValidationError(_("Say why this customer is erased."))
        return reason


class ConsentForm(forms.Form):
    """A consent the customer states in store (recorded with source "store", by the staff member, at the
    current location)."""

    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=ConsentPurpose.choices,
        widget=forms.Select(attrs={"data-testid": "consent-purpose"}),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=ConsentChannel.choices,
        widget=forms.Select(attrs={"data-testid": "consent-channel"}),
    )
    granted = forms.TypedChoiceField(
        label=_("The customer"),
        choices=[("yes", _("gives consent")), ("no", _("withdraws or refuses consent"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect(attrs={"data-testid": "consent-granted"}),
    )


class PreferencesForm(forms.Form):
    """Preferences as staff edit them; sizes one per line ("tops: M")."""

    preferred_location = forms.ChoiceField(
        label=_("Preferred store"),
        required=False,
        widget=forms.Select(attrs={"data-testid": "pref-location"}),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Shop default")), *settings.LANGUAGES],
        widget=forms.Select(attrs={"data-testid": "pref-language"}),
    )
    sizes = forms.CharField(
        label=_("Sizes"),
        required=False,
        max_length=1000,
        help_text=_("One per line, e.g. “tops: M” or “shoes: 42”."),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "data-testid": "pref-sizes"}),
    )

    def __init__(self, *args: Any, stores: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_location"].choices = [("", _("None")), *stores]  # type: ignore[attr-defined]

    @staticmethod
    def sizes_text(sizes: dict[str, str]) -> str:
        return "\n".join(f"{name}: {size}" for name, size in sizes.items())

    def clean_sizes(self) -> dict[str, str]:
        sizes: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["sizes"].splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, size = line.partition(":")
            if not sep:
                name, sep, size = line.partition("=")
            if not sep or not name.strip() or not size.strip():
                raise forms.ValidationError(
                    _("Line %(number)d: write the name, a colon and the size, e.g. “tops: M”."),
                    params={"number": number},
                )
            sizes[name.strip().lower()] = size.strip()
        return sizes
