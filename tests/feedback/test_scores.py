"""The three scores and their margins (feedback.scores) against hand-computed sets, and the summary
(feedback.selectors.scores) of a hand-made set of responses in one SQL query."""

from decimal import Decimal

import pytest

from feedback import scores
from feedback.models import Response
from feedback.selectors.scores import counts, margins, summary
from tests.feedback.factories import ResponseFactory


def test_nps_is_promoters_minus_detractors_in_percent():
    # 5 promoters, 3 passives, 2 detractors: 50% - 20%
    assert scores.nps(5, 3, 2) == Decimal("30.0")
    assert scores.nps(2, 1, 0) == Decimal("66.7")  # 66.666...
    assert scores.nps(0, 0, 4) == Decimal("-100.0")
    assert scores.nps(1, 1, 1) == Decimal("0.0")


def test_figures_round_half_up_to_one_decimal():
    # 1 of 16: 6.25, which half-even rounding would make 6.2
    assert scores.nps(1, 15, 0) == Decimal("6.3")
    assert scores.nps(0, 15, 1) == Decimal("-6.3")
    assert scores.csat(1, 16) == Decimal("6.3")
    assert scores.ces(25, 8) == Decimal("3.13")  # 3.125, two decimals


def test_csat_is_the_share_of_fours_and_fives_and_ces_the_mean():
    assert scores.csat(3, 4) == Decimal("75.0")
    assert scores.csat(0, 3) == Decimal("0.0")
    assert scores.ces(9, 2) == Decimal("4.50")
    assert scores.ces(7, 1) == Decimal("7.00")


def test_empty_sets_are_none_not_zero():
    assert scores.nps(0, 0, 0) is None
    assert scores.csat(0, 0) is None
    assert scores.ces(0, 0) is None
    assert scores.nps_margin(0, 0, 0) is None
    assert scores.csat_margin(0, 0) is None
    assert scores.ces_margin(0, 0, 0) is None


def test_margins_of_error_at_95_percent():
    # NPS: p = .5, d = .2, variance .7 - .09 = .61; 196 * sqrt(.61 / 10) = 48.408...
    assert scores.nps_margin(5, 3, 2) == Decimal("48.4")
    # CSAT: s = .75 of 4; 196 * sqrt(.75 * .25 / 4) = 42.435...
    assert scores.csat_margin(3, 4) == Decimal("42.4")
    # CES: answers 3 and 5: mean 4, sample sd sqrt(2), 1.96 * sqrt(2) / sqrt(2) = 1.96
    assert scores.ces_margin(8, 34, 2) == Decimal("1.96")
    # all alike: no spread, no margin beyond 0
    assert scores.nps_margin(4, 0, 0) == Decimal("0.0")


def test_one_answer_has_no_margin():
    assert scores.nps_margin(1, 0, 0) is None
    assert scores.csat_margin(1, 1) is None
    assert scores.ces_margin(5, 25, 1) is None


def test_follow_up_rules():
    assert scores.needs_follow_up(6, None) == "detractor"
    assert scores.needs_follow_up(0, 1) == "detractor"
    assert scores.needs_follow_up(7, 2) == "low_csat"
    assert scores.needs_follow_up(None, 1) == "low_csat"
    assert scores.needs_follow_up(9, 1) == "low_csat"
    assert scores.needs_follow_up(7, 3) == ""
    assert scores.needs_follow_up(None, None) == ""


# (nps, csat, ces) of the hand-made set
HAND_SET = [
    (10, 5, 7),
    (9, 4, 6),
    (8, 3, 4),
    (7, None, None),
    (6, 2, 2),
    (0, 1, None),
    (10, 5, None),
    (None, 4, 5),
]


def make_hand_set(**fields) -> None:  # type: ignore[no-untyped-def]
    for nps, csat, ces in HAND_SET:
        ResponseFactory(nps=nps, csat=csat, ces=ces, **fields)


# What the set gives, by hand: NPS 3 promoters (10, 9, 10), 2 passives (8, 7), 2 detractors (6, 0) of 7:
# 100 * 1 / 7 = 14.29 -> 14.3; CSAT 4 of 7 (5, 4, 5, 4) = 57.14 -> 57.1; CES (7 + 6 + 4 + 2 + 5) / 5 = 4.8.
HAND_SUMMARY = {
    "responses": 8,
    "nps": {"score": 14.3, "promoters": 3, "passives": 2, "detractors": 2, "responses": 7},
    "csat": {"score": 57.1, "responses": 7},
    "ces": {"score": 4.8, "responses": 5},
}


@pytest.mark.django_db
def test_summary_of_a_hand_made_set_in_one_query(django_assert_num_queries):
    make_hand_set()
    with django_assert_num_queries(1):
        result = summary(Response.objects.all())
    assert result == HAND_SUMMARY


@pytest.mark.django_db
def test_summary_margins_from_the_same_counts():
    make_hand_set()
    # NPS: p = 3/7, d = 2/7, variance 5/7 - 1/49 = .69388; 196 * sqrt(.69388 / 7) = 61.71
    # CSAT: s = 4/7; 196 * sqrt(4/7 * 3/7 / 7) = 36.66
    # CES: 7, 6, 4, 2, 5: mean 4.8, sample variance (130 - 5 * 23.04) / 4 = 3.7; 1.96 * sqrt(3.7 / 5) = 1.686
    assert margins(counts(Response.objects.all())) == {"nps": 61.7, "csat": 36.7, "ces": 1.69}


@pytest.mark.django_db
def test_summary_of_nothing_is_null_not_zero():
    ResponseFactory(nps=None, csat=4)  # a CSAT only: NPS and CES have no answers
    assert summary({}) == {
        "responses": 1,
        "nps": {"score": None, "promoters": 0, "passives": 0, "detractors": 0, "responses": 0},
        "csat": {"score": 100.0, "responses": 1},
        "ces": {"score": None, "responses": 0},
    }
    assert summary(Response.objects.none())["nps"]["score"] is None
    assert summary({"touchpoint": "pickup"}) == {
        "responses": 0,
        "nps": {"score": None, "promoters": 0, "passives": 0, "detractors": 0, "responses": 0},
        "csat": {"score": None, "responses": 0},
        "ces": {"score": None, "responses": 0},
    }
