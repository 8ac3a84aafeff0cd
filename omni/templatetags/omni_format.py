"""Template filters for figures as a person reads them: {{ order.total|money:order.currency }} gives
"€ 1.234,50" in Italian and "€ 1,234.50" in English, {{ level.on_hand|units }} gives "1.274" / "1,274"
(omni.formatting)."""

from __future__ import annotations

from typing import Any

from django import template

from omni.formatting import format_money, format_number

register = template.Library()


@register.filter
def money(value: Any, currency: str = "EUR") -> str:
    if value is None or value == "":
        return ""
    return format_money(value, currency or "EUR")


@register.filter
def units(value: Any) -> str:
    """A count of units or points as a whole number with thousands separators; blank for None."""
    if value is None or value == "":
        return ""
    return format_number(value)
