"""Rendering an email, the same way for every app: `<base>_subject.txt`, `<base>.txt` and `<base>.html`
rendered in the reader's language (and, when given, time zone), the subject folded onto one line.

Consent: every message sent to a customer, order emails excepted (they are the service itself), first
checks the person's consent for its purpose and channel (`has_consent(customer, purpose, channel)` of the
loyalty app); messages to staff (digests, scheduled reports) need none."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation


def render_email(
    base: str, context: dict[str, Any], *, language: str, zone: ZoneInfo | None = None
) -> tuple[str, str, str]:
    """(subject, text, html) of the templates `base`_subject.txt, `base`.txt and `base`.html."""
    with translation.override(language), timezone.override(zone or timezone.get_current_timezone()):
        context = {**context, "LANGUAGE_CODE": translation.get_language()}
        subject = render_to_string(f"{base}_subject.txt", context)
        text = render_to_string(f"{base}.txt", context)
        html = render_to_string(f"{base}.html", context)
    return " ".join(subject.split()), text, html
