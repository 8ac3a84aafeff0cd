"""The feedback part of `make bench` (tools/bench/feedback.py) at a size a test can afford: the answers and
follow-ups it adds are rows the schema accepts, spread as described, a second run adds nothing, and every
case is measured and written up."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from feedback.models import FollowUp, Response
from tools.bench import feedback as bench

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_the_feedback_part_seeds_measures_and_writes_up():
    call_command(
        "seed_demo",
        "--force",
        "--scale",
        "--skus",
        "10",
        "--locations",
        "4",
        "--orders",
        "0",
        "--movements",
        "0",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    result = bench.run({"responses": 3_000, "feedback_repeats": 1})
    assert Response.objects.count() == 3_000
    unhappy = Response.objects.filter(nps__lte=6) | Response.objects.filter(csat__lte=2)
    assert FollowUp.objects.count() == unhappy.distinct().count() > 0
    # web shop, app and delivery answers name no store; the others one of the benchmark's
    assert not Response.objects.filter(
        touchpoint__in=["web", "app", "delivery"], location__isnull=False
    ).exists()
    assert not Response.objects.filter(touchpoint="pickup", pickup_late_minutes__isnull=True).exists()
    assert set(Response.objects.values_list("touchpoint", flat=True)) == {
        "web",
        "app",
        "kiosk",
        "store",
        "pickup",
        "delivery",
        "return",
        "appointment",
    }
    assert len(result.cases) == 2 * len(bench.CASES)
    assert all(c.ms and c.raw_ms and c.rows > 0 for c in result.cases), result.cases
    text = bench.section(result)
    assert "## Feedback reports at 3,000 responses" in text and "| feedback-by-fact | by fact | HQ |" in text
    assert bench.summary(result).startswith(("PASS", "FAIL"))
    assert bench.figures(result)["cases"][0]["slug"] == "customer-feedback"
    assert bench.ensure_data(3_000) == {}  # nothing more to add
