"""Which scores each touchpoint asks, and how the survey page words them.

Every touchpoint asks the NPS ("would you recommend us"): it is the one figure comparable across all of them.
CSAT ("how satisfied") is asked where a person served the customer or a delivery reached them (pickup,
delivery, return, store, appointment, kiosk); CES ("how easy") where the customer did the work themselves
(pickup, return, web, app, kiosk). The wording names the touchpoint, so an answer is about that visit.

Scales (feedback.scores): NPS 0-10, CSAT 1-5 (4 and 5 count as satisfied), CES 1-7 (7: very easy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from feedback.models import Touchpoint

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise as Promise
else:
    from django.utils.functional import Promise

QUESTIONS: dict[str, tuple[str, ...]] = {
    Touchpoint.WEB: ("nps", "ces"),
    Touchpoint.APP: ("nps", "ces"),
    Touchpoint.KIOSK: ("nps", "csat", "ces"),
    Touchpoint.STORE: ("nps", "csat"),
    Touchpoint.PICKUP: ("nps", "csat", "ces"),
    Touchpoint.DELIVERY: ("nps", "csat"),
    Touchpoint.RETURN: ("nps", "csat", "ces"),
    Touchpoint.APPOINTMENT: ("nps", "csat"),
}

SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}

NPS_QUESTION = _("How likely are you to recommend us to a friend or colleague?")

CSAT_QUESTIONS: dict[str, Promise] = {
    Touchpoint.PICKUP: _("How satisfied were you with collecting your order?"),
    Touchpoint.DELIVERY: _("How satisfied were you with the delivery of your order?"),
    Touchpoint.RETURN: _("How satisfied were you with your return?"),
    Touchpoint.STORE: _("How satisfied were you with your visit to our store?"),
    Touchpoint.APPOINTMENT: _("How satisfied were you with your appointment?"),
    Touchpoint.KIOSK: _("How satisfied were you with the in-store kiosk?"),
}

CES_QUESTIONS: dict[str, Promise] = {
    Touchpoint.PICKUP: _("How easy was it to collect your order?"),
    Touchpoint.RETURN: _("How easy was it to return your items?"),
    Touchpoint.WEB: _("How easy was it to shop on our website?"),
    Touchpoint.APP: _("How easy was it to shop in our app?"),
    Touchpoint.KIOSK: _("How easy was it to use the in-store kiosk?"),
}

# the words at the two ends of each scale (the numbers in between speak for themselves)
END_LABELS: dict[str, tuple[Promise, Promise]] = {
    "nps": (_("Not at all likely"), _("Extremely likely")),
    "csat": (_("Very dissatisfied"), _("Very satisfied")),
    "ces": (_("Very difficult"), _("Very easy")),
}


@dataclass(frozen=True)
class Question:
    field: str  # "nps", "csat" or "ces": the name of the answer in the form and in record_response
    text: Promise
    low: int
    high: int
    low_label: Promise
    high_label: Promise

    @property
    def values(self) -> range:
        return range(self.low, self.high + 1)


def _text(field: str, touchpoint: str) -> Promise:
    if field == "nps":
        return NPS_QUESTION
    return (CSAT_QUESTIONS if field == "csat" else CES_QUESTIONS)[touchpoint]


def questions_for(touchpoint: str) -> list[Question]:
    """The questions of this touchpoint, in the order the page asks them."""
    asked = []
    for field in QUESTIONS[touchpoint]:
        low, high = SCALES[field]
        low_label, high_label = END_LABELS[field]
        asked.append(Question(field, _text(field, touchpoint), low, high, low_label, high_label))
    return asked
