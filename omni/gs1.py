"""The GS1 mod-10 check digit, shared by GTINs (inventory) and loyalty card numbers (EAN-13 shaped)."""

from __future__ import annotations


def check_digit(body: str) -> int:
    """The check digit for the digits before it: weights 3, 1, 3, ... from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10
