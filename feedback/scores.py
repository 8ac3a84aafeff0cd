"""The three scores and their margins of error, from counts: one copy of each formula, used by the summary
endpoint (feedback.selectors.scores) and every report (feedback.reports), which compute the counts in SQL.

- NPS = % promoters (9-10) - % detractors (0-6), from -100 to 100, rounded to one decimal (half up).
- CSAT = % of answers that are 4 or 5 (of 1-5), one decimal.
- CES = the mean of the answers (1-7), two decimals.
A figure with no responses is None (null), never 0.

Margins of error are the half-width of a 95% confidence interval (z = 1.96), in the figure's own unit:
- NPS: each answer is +1 (promoter), 0 (passive) or -1 (detractor); NPS/100 is their mean, whose variance
  is p + d - (p - d)^2 (p, d: the promoters' and detractors' shares), so the margin is
  100 * z * sqrt((p + d - (p - d)^2) / n).
- CSAT: a proportion: 100 * z * sqrt(s * (1 - s) / n).
- CES: a mean: z * sd / sqrt(n), with the sample standard deviation (n - 1), from the sum and the sum of
  squares. Fewer than two answers: no margin (None).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

Z95 = 1.96
ONE_PLACE = Decimal("0.1")
TWO_PLACES = Decimal("0.01")

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
CSAT_SATISFIED_MIN = 4
FOLLOW_UP_NPS_MAX = 6  # a detractor lands in the follow-up queue
FOLLOW_UP_CSAT_MAX = 2


def _round(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def nps(promoters: int, passives: int, detractors: int) -> Decimal | None:
    n = promoters + passives + detractors
    if n == 0:
        return None
    return _round(Decimal(100 * (promoters - detractors)) / Decimal(n), ONE_PLACE)


def nps_margin(promoters: int, passives: int, detractors: int) -> Decimal | None:
    n = promoters + passives + detractors
    if n < 2:
        return None
    p, d = promoters / n, detractors / n
    variance = max(p + d - (p - d) ** 2, 0.0)
    return _round(Decimal(str(100 * Z95 * math.sqrt(variance / n))), ONE_PLACE)


def csat(satisfied: int, responses: int) -> Decimal | None:
    if responses == 0:
        return None
    return _round(Decimal(100 * satisfied) / Decimal(responses), ONE_PLACE)


def csat_margin(satisfied: int, responses: int) -> Decimal | None:
    if responses < 2:
        return None
    share = satisfied / responses
    return _round(Decimal(str(100 * Z95 * math.sqrt(share * (1 - share) / responses))), ONE_PLACE)


def ces(total: int, responses: int) -> Decimal | None:
    if responses == 0:
        return None
    return _round(Decimal(total) / Decimal(responses), TWO_PLACES)


def ces_margin(total: int, sum_of_squares: int, responses: int) -> Decimal | None:
    if responses < 2:
        return None
    mean = total / responses
    variance = max((sum_of_squares - responses * mean * mean) / (responses - 1), 0.0)
    return _round(Decimal(str(Z95 * math.sqrt(variance) / math.sqrt(responses))), TWO_PLACES)


def needs_follow_up(nps_answer: int | None, csat_answer: int | None) -> str:
    """The follow-up reason for these answers ("detractor", "low_csat") or "" when none is needed."""
    if nps_answer is not None and nps_answer <= FOLLOW_UP_NPS_MAX:
        return "detractor"
    if csat_answer is not None and csat_answer <= FOLLOW_UP_CSAT_MAX:
        return "low_csat"
    return ""
