"""The staff pages' forms: the agenda's day, booking for a customer (service and day, then a free time and
the customer's details), and a store's services (managers)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from stores.models import Service

# far enough either way; keeps the day arithmetic (previous and next day) in range
DAY_RANGE = [MinValueValidator(date(2000, 1, 1)), MaxValueValidator(date(2999, 12, 31))]


class DayForm(forms.Form):
    date = forms.DateField(
        label=_("Day"), required=False, validators=DAY_RANGE, widget=forms.DateInput(attrs={"type": "date"})
    )


class SlotSearchForm(forms.Form):
    """Step one of booking: which service, which day (GET)."""

    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.none(), to_field_name="code"
    )
    date = forms.DateField(
        label=_("Day"), validators=DAY_RANGE, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, services: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        field.queryset = services  # type: ignore[attr-defined]
        field.label_from_instance = lambda service: service.name  # type: ignore[attr-defined]


class BookingForm(SlotSearchForm):
    """Step two (POST): the free time and the customer."""

    start = forms.ChoiceField(label=_("Time"), widget=forms.RadioSelect)
    email = forms.EmailField(label=_("Customer email"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=80)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    language = forms.ChoiceField(
        label=_("Language of the emails"),
        choices=[("it", _("Italian")), ("en", _("English"))],
        initial="it",
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    cart = forms.CharField(
        label=_("Cart"),
        max_length=64,
        required=False,
        help_text=_("Optional: the customer's cart (scan its QR code) the consultation is about."),
    )

    def __init__(self, *args: Any, slots: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["start"].choices = slots  # type: ignore[attr-defined]


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=480)
    capacity = forms.IntegerField(
        label=_("Appointments at once"),
        min_value=1,
        max_value=100,
        help_text=_("How many associates can take this appointment at the same time."),
    )


class NewServiceForm(ServiceForm):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Short, unique at this store, never changes (letters, digits, hyphens)."),
    )

    field_order = ["code", "name", "duration_minutes", "capacity"]
