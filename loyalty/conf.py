"""The loyalty programme's settings, with their defaults (override any of them in omni/settings.py).

Read through these functions, never at import time, so tests and operators can change them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings


def points_per_euro() -> Decimal:
    """Base rate: points per euro actually paid (floored after the multipliers). Default 1."""
    return Decimal(str(getattr(settings, "LOYALTY_POINTS_PER_EURO", 1)))


def points_per_euro_redeemed() -> int:
    """How many points make 1.00 EUR off an order. Default 100."""
    return int(getattr(settings, "LOYALTY_POINTS_PER_EURO_REDEEMED", 100))


def expiry_months() -> int:
    """Every earned lot expires this many months after it is earned. Default 12."""
    return int(getattr(settings, "LOYALTY_POINTS_EXPIRY_MONTHS", 12))


def pending_period() -> bool:
    """Lock earned points until the return window closes. Default off."""
    return bool(getattr(settings, "LOYALTY_PENDING_PERIOD", False))


def return_window_days(channel: str = "") -> int:
    """How long earned points stay pending with LOYALTY_PENDING_PERIOD: LOYALTY_RETURN_WINDOW_DAYS if set,
    else the orders app's return window for the order's channel (OMNI_RETURN_WINDOW_DAYS), else 30."""
    explicit = getattr(settings, "LOYALTY_RETURN_WINDOW_DAYS", None)
    if explicit is not None:
        return int(explicit)
    windows = getattr(settings, "OMNI_RETURN_WINDOW_DAYS", None)
    if isinstance(windows, dict):
        days = windows.get(channel, windows.get("default"))
        return int(days) if days is not None else 30
    return int(windows) if windows is not None else 30


def expiry_warning_days() -> int:
    """Warn a member by email this many days before points expire. Default 30."""
    return int(getattr(settings, "LOYALTY_EXPIRY_WARNING_DAYS", 30))


def restore_grace_days() -> int:
    """Redeemed points given back after their lot has expired go to a new lot that lives this long."""
    return int(getattr(settings, "LOYALTY_RESTORE_GRACE_DAYS", 30))


def tier_window_months() -> int:
    """Tiers count the qualifying points earned in this many months. Default 12."""
    return int(getattr(settings, "LOYALTY_TIER_WINDOW_MONTHS", 12))


def card_prefix() -> str:
    """The first digits of every card number (GS1 restricted-circulation prefixes 20-29 suit store cards)."""
    prefix = str(getattr(settings, "LOYALTY_CARD_PREFIX", "29"))
    if not prefix.isdigit() or not 1 <= len(prefix) <= 6:
        raise ValueError("LOYALTY_CARD_PREFIX is 1 to 6 digits.")
    return prefix


def default_phone_prefix() -> str:
    """Prepended to a phone number given without an international prefix. Default +39."""
    return str(getattr(settings, "LOYALTY_DEFAULT_PHONE_PREFIX", "+39"))


def customer_language() -> str:
    """Emails go in the customer's language, else this one (the orders app's setting, default Italian)."""
    return str(getattr(settings, "OMNI_CUSTOMER_LANGUAGE", "it"))


MAX_POINTS = 10_000_000  # one adjustment or redemption
MAX_BALANCE = 1_000_000_000  # keeps every balance far inside an integer column
