"""GTIN (EAN/UPC) validation: 8, 12, 13 or 14 digits with a GS1 mod-10 check digit."""

from __future__ import annotations

from omni.gs1 import check_digit

VALID_LENGTHS = (8, 12, 13, 14)


gs1_check_digit = check_digit  # the GS1 mod-10 digit for the digits before it


def is_valid_gtin(value: str) -> bool:
    return (
        value.isascii()
        and value.isdigit()
        and len(value) in VALID_LENGTHS
        and gs1_check_digit(value[:-1]) == int(value[-1])
    )


def gtin_problem(value: str) -> str | None:
    """None when valid, else a sentence saying what is wrong."""
    if not (value.isascii() and value.isdigit()):
        return "A GTIN has digits only."
    if len(value) not in VALID_LENGTHS:
        return f"A GTIN has 8, 12, 13 or 14 digits, not {len(value)}."
    expected = gs1_check_digit(value[:-1])
    if expected != int(value[-1]):
        return f"Wrong check digit: a GTIN starting {value[:-1]} ends in {expected}."
    return None


def to_gtin14(value: str) -> str:
    """The 14-digit form used for lookups, so that a UPC-A scanned as EAN-13 still matches."""
    return value.zfill(14)


def make_gtin(body: str) -> str:
    """Append the check digit: make_gtin('800123400001') -> a valid GTIN-13."""
    return body + str(gs1_check_digit(body))
