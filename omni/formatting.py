"""Numbers and money as a person reads them in the active language (Italian "€ 1.234,50", English
"€ 1,234.50"): one copy for the dashboard, the reports and their charts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import formats

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"}


def format_number(value: Any, decimals: int = 0) -> str:
    """`value` with thousands separators and `decimals` decimal places, localised."""
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def format_money(value: Any, currency: str = "EUR") -> str:
    """An amount with its currency's symbol, two decimals and thousands separators: "€ 1.234,50" (the
    symbol and the figure joined by a no-break space, so a line never splits them)."""
    amount = value if isinstance(value, Decimal) else Decimal(str(value or 0))
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), currency.upper())
    return f"{symbol}\u00a0{format_number(amount, 2)}"
