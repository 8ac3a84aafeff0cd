"""A segment's rules: a JSON list of conditions, all of which must hold (AND). Each condition is a dict with a
`kind` and that kind's parameters, checked here before a segment is saved (`clean_rules`), so the SQL that
evaluates them (orders.selectors.segments) only ever sees known kinds with valid parameters.

Kinds and parameters:
- `tier`: {"tiers": ["gold", ...]}: the member is in one of these loyalty tiers now.
- `spend`: {"min_amount": "150.00", "days": 90}: orders (not cancelled) worth at least this much, VAT
  included, placed in the last `days` days (returns are not deducted).
- `last_purchase`: {"within": true, "days": 30}: the last order (not cancelled) was placed in the last `days`
  days; with "within": false, the customer has ordered but not in the last `days` days (lapsed).
- `preferred_store`: {"locations": [id, ...]}: the preferred store of the customer's preferences is one of
  these locations.
- `city`: {"cities": ["Milano", ...]}: the city of the store the customer bought at most (pickups and till
  sales; ties go to the most recent). Customers keep no postal address, so the stores they use say where
  they are; case is ignored.
- `categories`: {"categories": [id, ...], "days": 180}: bought something of one of these inventory
  categories (or a category below them) in the last `days` days.
- `channels`: {"channels": ["web", "kiosk"], "days": 365 | null}: ordered through one of these channels
  (the order's channel or the one its cart was started in) in the last `days` days, or ever when null.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from inventory.models import Category
from loyalty.models import Tier
from orders.exceptions import SegmentInvalid
from orders.models import Channel
from stores.models import Location

KINDS = ("tier", "spend", "last_purchase", "preferred_store", "city", "categories", "channels")
KIND_LABELS = {
    "tier": _("Loyalty tier"),
    "spend": _("Spend over a period"),
    "last_purchase": _("Last purchase"),
    "preferred_store": _("Preferred store"),
    "city": _("City"),
    "categories": _("Categories bought"),
    "channels": _("Channels used"),
}
MAX_DAYS = 3650
MAX_CONDITIONS = 20
MAX_VALUES = 200
MAX_AMOUNT = Decimal("10000000")

Rule = dict[str, Any]


def _days(rule: Rule, path: str, *, optional: bool = False) -> int | None:
    value = rule.get("days")
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise SegmentInvalid(
            gettext("`days` must be a whole number of days from 1 to %(max)d.") % {"max": MAX_DAYS},
            errors={
                f"{path}.days": [gettext("A whole number of days from 1 to %(max)d.") % {"max": MAX_DAYS}]
            },
        )
    return value


def _values(rule: Rule, key: str, path: str, kind: type) -> list[Any]:
    values = rule.get(key)
    if (
        not isinstance(values, list)
        or not values
        or len(values) > MAX_VALUES
        or not all(isinstance(v, kind) and not isinstance(v, bool) for v in values)
    ):
        raise SegmentInvalid(
            gettext("`%(key)s` must be a non-empty list.") % {"key": key},
            errors={f"{path}.{key}": [gettext("Choose at least one.")]},
        )
    return list(dict.fromkeys(values))  # without repeats, in order


def _unknown(path: str, key: str, unknown: list[Any]) -> SegmentInvalid:
    listed = ", ".join(str(u) for u in unknown)
    return SegmentInvalid(
        gettext("Unknown %(key)s: %(values)s.") % {"key": key, "values": listed},
        errors={f"{path}.{key}": [gettext("Unknown: %(values)s.") % {"values": listed}]},
    )


def _tier(rule: Rule, path: str) -> Rule:
    codes = _values(rule, "tiers", path, str)
    known = set(Tier.objects.filter(code__in=codes).values_list("code", flat=True))
    if unknown := [c for c in codes if c not in known]:
        raise _unknown(path, "tiers", unknown)
    return {"kind": "tier", "tiers": codes}


def _spend(rule: Rule, path: str) -> Rule:
    raw = rule.get("min_amount")
    try:
        amount = Decimal(str(raw)) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or not 0 < amount < MAX_AMOUNT or amount != round(amount, 2):
        raise SegmentInvalid(
            gettext("`min_amount` must be an amount above zero, in euros and cents."),
            errors={f"{path}.min_amount": [gettext("An amount above zero, e.g. 150.00.")]},
        )
    return {"kind": "spend", "min_amount": f"{amount:.2f}", "days": _days(rule, path)}


def _last_purchase(rule: Rule, path: str) -> Rule:
    within = rule.get("within")
    if not isinstance(within, bool):
        raise SegmentInvalid(
            gettext("`within` must be true or false."),
            errors={f"{path}.within": [gettext("True (within) or false (not within).")]},
        )
    return {"kind": "last_purchase", "within": within, "days": _days(rule, path)}


def _preferred_store(rule: Rule, path: str) -> Rule:
    ids = _values(rule, "locations", path, int)
    known = set(Location.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if unknown := [i for i in ids if i not in known]:
        raise _unknown(path, "locations", unknown)
    return {"kind": "preferred_store", "locations": ids}


def _city(rule: Rule, path: str) -> Rule:
    cities = [c.strip() for c in _values(rule, "cities", path, str)]
    if not all(0 < len(c) <= 80 for c in cities):
        raise SegmentInvalid(
            gettext("A city is 1 to 80 characters."),
            errors={f"{path}.cities": [gettext("1 to 80 characters.")]},
        )
    return {"kind": "city", "cities": list(dict.fromkeys(cities))}


def _categories(rule: Rule, path: str) -> Rule:
    ids = _values(rule, "categories", path, int)
    known = set(Category.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if unknown := [i for i in ids if i not in known]:
        raise _unknown(path, "categories", unknown)
    return {"kind": "categories", "categories": ids, "days": _days(rule, path)}


def _channels(rule: Rule, path: str) -> Rule:
    channels = _values(rule, "channels", path, str)
    if unknown := [c for c in channels if c not in Channel.values]:
        raise _unknown(path, "channels", unknown)
    return {"kind": "channels", "channels": channels, "days": _days(rule, path, optional=True)}


_CLEANERS: dict[str, Callable[[Rule, str], Rule]] = {
    "tier": _tier,
    "spend": _spend,
    "last_purchase": _last_purchase,
    "preferred_store": _preferred_store,
    "city": _city,
    "categories": _categories,
    "channels": _channels,
}


def clean_rules(raw: Any) -> list[Rule]:
    """The rules in their stored form (known kinds, parameters checked and normalised), or SegmentInvalid
    naming the condition (`rules.<n>.<parameter>`). An empty list is valid: every customer."""
    if not isinstance(raw, list) or len(raw) > MAX_CONDITIONS:
        raise SegmentInvalid(
            gettext("The rules must be a list of at most %(max)d conditions.") % {"max": MAX_CONDITIONS},
            errors={"rules": [gettext("A list of conditions.")]},
        )
    cleaned = []
    for i, rule in enumerate(raw):
        path = f"rules.{i}"
        kind = rule.get("kind") if isinstance(rule, dict) else None
        if kind not in _CLEANERS:
            kinds = ", ".join(KINDS)
            raise SegmentInvalid(
                gettext("Condition %(number)d has no known kind (one of %(kinds)s).")
                % {"number": i + 1, "kinds": kinds},
                errors={f"{path}.kind": [gettext("One of %(kinds)s.") % {"kinds": kinds}]},
            )
        cleaned.append(_CLEANERS[kind](rule, path))
    return cleaned
