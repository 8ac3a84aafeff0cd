"""A customer's preferences: the store they prefer (an active store, by its code), the language of their
messages (it, en or none) and their sizes ({"tops": "M", "shoes": "42"}). Changed partially (only what is
given), under the customer row's lock, audited (who changed which fields); the GDPR export shows them and
the erasure clears them."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import transaction

from loyalty import locks
from loyalty.exceptions import LoyaltyInvalid
from loyalty.models import Customer
from loyalty.selectors.merged import root_of
from omni.actors import Actor
from omni.services import record_audit
from stores.models import LocationKind
from stores.selectors import cached_location

MAX_SIZES = 20
SIZE_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,29}$")
SIZE_VALUE_MAX = 20
FIELDS = ("preferred_location", "language", "sizes")


def clean_sizes(sizes: Any) -> dict[str, str]:
    """{"tops": "M", "shoes": "42"}: at most 20 entries, keys one lowercase word (<= 30 characters),
    values non-empty text of at most 20 characters. Anything else: 400 on `sizes`."""
    if not isinstance(sizes, dict):
        raise LoyaltyInvalid.on("sizes", 'Sizes are an object such as {"tops": "M", "shoes": "42"}.')
    if len(sizes) > MAX_SIZES:
        raise LoyaltyInvalid.on("sizes", f"At most {MAX_SIZES} sizes.")
    cleaned: dict[str, str] = {}
    for key, value in sizes.items():
        if not isinstance(key, str) or not SIZE_KEY.match(key.strip().lower()):
            raise LoyaltyInvalid.on(
                "sizes",
                "Each size is named by one lowercase word (tops, trousers, shoes...), at most 30 characters.",
            )
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > SIZE_VALUE_MAX:
            raise LoyaltyInvalid.on(
                "sizes", f"Each size is a text of 1 to {SIZE_VALUE_MAX} characters (e.g. M, 42, 32/34)."
            )
        cleaned[key.strip().lower()] = value.strip()
    return cleaned


def _preferred_location_id(code: str | None) -> int | None:
    if not code:
        return None
    location = cached_location(str(code))
    if location is None or not location.active or location.kind != LocationKind.STORE:
        raise LoyaltyInvalid.on("preferred_location", f"{code} is not an open store's code.")
    return location.pk


def _clean(changes: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "preferred_location" in changes:
        values["preferred_location_id"] = _preferred_location_id(changes["preferred_location"])
    if "language" in changes:
        language = changes["language"] or ""
        if language not in {code for code, _ in settings.LANGUAGES} | {""}:
            raise LoyaltyInvalid.on("language", "Language is it, en or empty.")
        values["language"] = language
    if "sizes" in changes:
        values["sizes"] = clean_sizes(changes["sizes"] if changes["sizes"] is not None else {})
    return values


@transaction.atomic
def update_preferences(*, customer: Customer, changes: dict[str, Any], actor: Actor | None) -> Customer:
    """Set the preferences given in `changes` (`preferred_location`: a store's code or None; `language`;
    `sizes`: replaces the whole set), leaving the others as they are. An erased person: 400."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise LoyaltyInvalid.on(sorted(unknown)[0], "Not a preference.")
    values = _clean(changes)
    person = locks.customer(root_of(customer).pk)
    if person.erased_at is not None:
        raise LoyaltyInvalid.on("customer", "This person's data has been erased.")
    changed = [name for name, value in values.items() if getattr(person, name) != value]
    for name in changed:
        setattr(person, name, values[name])
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
        record_audit(  # who changed what (the names of the fields, not the values)
            action="loyalty.preferences_changed",
            actor=actor,
            object_type="loyalty_customer",
            object_id=person.pk,
            data={"fields": [name.removesuffix("_id") for name in changed]},
        )
    return person
