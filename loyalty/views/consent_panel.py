"""The customer page's preferences and consent panel, as staff read it: the preferred store, language and
sizes; the current consent on each purpose and channel with its full history (who, when, through which
touchpoint, where). The customer page (loyalty.views.customers) and the two forms that change them
(loyalty.views.consent) build it here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from loyalty import selectors
from loyalty.forms import ConsentForm, PreferencesForm
from loyalty.models import ConsentChannel, ConsentEvent, ConsentPurpose, Customer
from loyalty.selectors.consent import ConsentState

HISTORY_SHOWN = 50

# the touchpoints a consent usually comes through, as people read them (any other source shows as is)
SOURCE_LABELS = {
    "web": gettext_lazy("Web shop"),
    "app": gettext_lazy("App"),
    "kiosk": gettext_lazy("In-store kiosk"),
    "store": gettext_lazy("In store (staff)"),
    "till": gettext_lazy("Till"),
    "staff": gettext_lazy("Back-office"),
    "phone": gettext_lazy("Phone"),
    "import": gettext_lazy("Import (HQ)"),
    "migration": gettext_lazy("Earlier marketing flag"),
    "merge": gettext_lazy("Merged profile"),
    "system": gettext_lazy("Omni"),
}


def _consent_grid(current: dict[tuple[str, str], ConsentState]) -> list[dict[str, Any]]:
    """One row per purpose, one cell per channel: the latest statement (None: never stated)."""
    return [
        {"purpose": label, "cells": [current.get((purpose, channel)) for channel in ConsentChannel.values]}
        for purpose, label in ConsentPurpose.choices
    ]


def _current(customer: Customer, history: list[ConsentEvent]) -> dict[tuple[str, str], ConsentState]:
    """The latest statement per (purpose, channel): from the history already read when it is complete
    (newest first, of this profile), else one query."""
    if len(history) > HISTORY_SHOWN or any(e.customer_id != customer.pk for e in history):
        return {(s.purpose, s.channel): s for s in selectors.current_consents(customer)}
    current: dict[tuple[str, str], ConsentState] = {}
    for event in history:
        key = (event.purpose, event.channel)
        if key not in current:
            current[key] = ConsentState(event.purpose, event.channel, event.granted, event.created_at)
    return current


def _history_row(event: ConsentEvent) -> dict[str, Any]:
    return {
        "event": event,
        "source": SOURCE_LABELS.get(event.source, event.source),
    }


def consent_context(
    customer: Customer,
    *,
    consent_form: ConsentForm | None = None,
    preferences_form: PreferencesForm | None = None,
) -> dict[str, Any]:
    """The keys the customer page's preferences and consent section reads."""
    if customer.erased_at is not None:
        return {"consent_section": False}
    _location_id, language, sizes = selectors.preferences_of(customer)
    preferred = selectors.preferred_location_of(customer)
    history = list(selectors.consent_history(customer)[: HISTORY_SHOWN + 1])
    current = _current(customer, history)
    return {
        "consent_section": True,
        "preferred_location": preferred,
        "preferred_sizes": sizes,
        "consent_channels": ConsentChannel.choices,
        "consent_grid": _consent_grid(current),
        "marketing_email": current.get((ConsentPurpose.MARKETING.value, ConsentChannel.EMAIL.value)),
        "consent_history": [_history_row(e) for e in history[:HISTORY_SHOWN]],
        "consent_history_more": len(history) > HISTORY_SHOWN,
        "consent_form": consent_form or ConsentForm(),
        "preferences_form": preferences_form
        or PreferencesForm(
            stores=store_choices(customer),
            initial={
                "preferred_location": preferred.code if preferred else "",
                "language": language,
                "sizes": PreferencesForm.sizes_text(sizes),
            },
        ),
    }


def store_choices(customer: Customer) -> list[tuple[str, str]]:
    """The open stores, and the preferred one even if it has closed since (so it shows as chosen)."""
    choices = selectors.store_choices()
    preferred = selectors.preferred_location_of(customer)
    if preferred is not None and preferred.code not in {code for code, _label in choices}:
        choices.append((preferred.code, f"{preferred.name} ({preferred.code})"))
    return choices
