"""Card numbers: 13 digits, EAN-13 shaped (so any till scanner reads the barcode), a configurable prefix,
random digits (not a sequence: a number seen on one card says nothing about the next) and a check digit."""

from __future__ import annotations

import secrets

from loyalty import conf
from omni import gs1

CARD_LENGTH = 13


def check_digit(body: str) -> str:
    """The EAN-13 (GS1 mod-10) check digit of 12 digits: weights 1, 3, 1, 3... from the left."""
    if len(body) != CARD_LENGTH - 1 or not body.isdigit():
        raise ValueError("A card body is 12 digits.")
    return str(gs1.check_digit(body))


def is_valid_card_number(value: str) -> bool:
    return len(value) == CARD_LENGTH and value.isdigit() and check_digit(value[:-1]) == value[-1]


def new_card_number(prefix: str | None = None) -> str:
    prefix = conf.card_prefix() if prefix is None else prefix
    digits = CARD_LENGTH - 1 - len(prefix)
    body = prefix + str(secrets.randbelow(10**digits)).zfill(digits)
    return body + check_digit(body)
