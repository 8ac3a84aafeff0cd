"""A person's email and phone number in the one form profiles are stored and looked up by."""

from __future__ import annotations

import re

from loyalty import conf
from loyalty.exceptions import LoyaltyInvalid

_PHONE_JUNK = re.compile(r"[\s().\-/]")


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def normalize_phone(phone: str | None) -> str:
    """ "+39 02 1234-5678" and "0039 02 12345678" -> "+390212345678"; no prefix -> the default one."""
    raw = _PHONE_JUNK.sub("", (phone or "").strip())
    if not raw:
        return ""
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if not raw.startswith("+"):
        raw = conf.default_phone_prefix() + raw
    if not re.fullmatch(r"\+[0-9]{6,17}", raw):
        raise LoyaltyInvalid.on("phone", "A phone number is digits, optionally with a + prefix.")
    return raw
