"""The feedback reports (feedback/reports.py) on hand-computed sets: the figures and their margins exactly,
null for a figure with no answers, the fact bands, the follow-up times, and a store manager's rows.

The reports compute the figures in SQL from the counts; `test_the_sql_figures_equal_scores_py` holds that SQL
equal to feedback/scores.py (the one copy of the formulas) over many count sets."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import translation

from feedback import scores
from feedback.reports import COUNTS, customer_feedback, feedback_by_fact, figure_columns, follow_up_times
from omni.actors import Actor
from omni.reports import exports, runner
from omni.reports.base import ReportFilters, get_report
from omni.reports.forms import filters_from
from tests.feedback.factories import FollowUpFactory, ResponseFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
DAY = dt.date(2026, 11, 4)  # a Wednesday of ISO week 45 (Monday 2 November)
AT = dt.datetime(2026, 11, 4, 10, 0, tzinfo=ROME)
WINDOW = {"date_from": "2026-11-01", "date_to": "2026-11-30"}

# Ten answers at the pickup desk, by hand:
# NPS 10,10,9,9,9 promoters (5), 8,7 passives (2), 6,3,0 detractors (3): NPS = 50 - 30 = 20.0;
#   margin = 196 * sqrt((0.5 + 0.3 - 0.2^2) / 10) = 196 * sqrt(0.076) = 54.03... -> 54.0
# CSAT 5,5,4,4,4,5 satisfied of 10 (3,3,2,1 not): 60.0; margin = 196 * sqrt(0.6 * 0.4 / 10) = 30.36 -> 30.4
# CES 7,6,6,5,5,5,4,3,2,7: sum 50, mean 5.00; squares 274, variance (274 - 250) / 9 = 2.667,
#   margin = 1.96 * 1.633 / sqrt(10) = 1.012 -> 1.01
PICKUP = [
    (10, 5, 7),
    (10, 5, 6),
    (9, 4, 6),
    (9, 4, 5),
    (9, 4, 5),
    (8, 3, 5),
    (7, 3, 4),
    (6, 2, 3),
    (3, 1, 2),
    (0, 5, 7),
]


@pytest.fixture
def stores():
    return LocationFactory(code="MI-FB"), LocationFactory(code="RM-FB")


@pytest.fixture
def answers(stores):
    milano, roma = stores
    for nps, csat, ces in PICKUP:
        ResponseFactory(
            touchpoint="pickup", channel="web", location=milano, nps=nps, csat=csat, ces=ces, created_at=AT
        )
    # the web shop: NPS 9 and 2 (n = 2: 0.0, margin 196 * sqrt(1 / 2) = 138.59 -> 138.6), one CES 4 (no
    # margin with one answer), no CSAT at all (null, not 0)
    ResponseFactory(touchpoint="web", nps=9, created_at=AT)
    ResponseFactory(touchpoint="web", nps=2, created_at=AT)
    ResponseFactory(touchpoint="web", nps=None, ces=4, created_at=AT)
    # Roma's one answer, and one outside the window
    ResponseFactory(touchpoint="store", location=roma, nps=1, csat=1, created_at=AT)
    ResponseFactory(touchpoint="pickup", location=milano, nps=0, created_at=AT - dt.timedelta(days=40))
    return milano, roma


def hq_filters(**extra):
    return ReportFilters(
        date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30), extra=extra, tz="Europe/Rome"
    )


def rows_by(report, filters, key="grp"):
    page = runner.run_page(report, filters, per_page=200)
    return {row[key]: row for row in page.rows}, page


def test_figures_by_touchpoint_are_the_hand_computed_ones(answers):
    with translation.override("en"):
        rows, page = rows_by(customer_feedback, hq_filters(group_by="touchpoint"))
    assert set(rows) == {"Pickup", "Website", "Store (till)"}
    pickup = rows["Pickup"]
    assert (pickup["responses"], pickup["nps_responses"]) == (10, 10)
    assert (pickup["promoters"], pickup["passives"], pickup["detractors"]) == (5, 2, 3)
    assert pickup["nps"] == Decimal("20.0") and pickup["nps_margin"] == Decimal("54.0")
    assert (pickup["csat_responses"], pickup["satisfied"]) == (10, 6)
    assert pickup["csat"] == Decimal("60.0") and pickup["csat_margin"] == Decimal("30.4")
    assert pickup["ces_responses"] == 10
    assert pickup["ces"] == Decimal("5.00") and pickup["ces_margin"] == Decimal("1.01")

    web = rows["Website"]
    assert (web["responses"], web["nps_responses"], web["promoters"], web["detractors"]) == (3, 2, 1, 1)
    assert web["nps"] == Decimal("0.0") and web["nps_margin"] == Decimal("138.6")
    assert web["csat_responses"] == 0 and web["csat"] is None and web["csat_margin"] is None
    assert web["ces"] == Decimal("4.00") and web["ces_margin"] is None  # one answer: no margin

    store = rows["Store (till)"]
    assert store["nps"] == Decimal("-100.0") and store["nps_margin"] is None
    assert store["csat"] == Decimal("0.0")  # answered, all dissatisfied: 0, not null
    assert page.totals["responses"] == 14 and page.totals["detractors"] == 5
    assert page.chart is not None and page.chart.series["nps"]  # NPS by group, the chart's series


def test_the_headline_figures_are_over_every_answer_kept(answers):
    figures = customer_feedback.figures(hq_filters())
    # NPS over 13 NPS answers: promoters 5 + 1 = 6, detractors 3 + 1 + 1 = 5: 100 * 1 / 13 = 7.69 -> 7.7
    assert [f.value for f in figures] == [14, Decimal("7.7"), Decimal("54.5"), Decimal("4.91")]
    assert scores.nps(6, 2, 5) == Decimal("7.7")
    assert scores.csat(6, 11) == Decimal("54.5") and scores.ces(54, 11) == Decimal("4.91")


def test_figures_by_store_week_and_channel(answers):
    milano, roma = answers
    rows, _ = rows_by(customer_feedback, hq_filters(group_by="store"))
    assert rows[f"{milano.code} · {milano.name}"]["nps"] == Decimal("20.0")
    assert rows[f"{roma.code} · {roma.name}"]["responses"] == 1
    with translation.override("en"):
        rows, _ = rows_by(customer_feedback, hq_filters(group_by="store"))
    assert rows["No store (online)"]["responses"] == 3

    rows, _ = rows_by(customer_feedback, hq_filters(group_by="week"))
    assert list(rows) == ["2026-W45"] and rows["2026-W45"]["responses"] == 14

    with translation.override("en"):
        rows, _ = rows_by(customer_feedback, hq_filters(group_by="channel"))
    assert rows["Web shop"]["responses"] == 13  # the pickups' channel (web) and the web shop's own
    assert rows["Store till"]["responses"] == 1 and set(rows) == {"Web shop", "Store till"}
    ResponseFactory(touchpoint="appointment", nps=5, created_at=AT)  # no channel
    with translation.override("en"):
        rows, _ = rows_by(customer_feedback, hq_filters(group_by="channel"))
    assert rows["No channel"]["responses"] == 1


def test_the_touchpoint_and_channel_filters(answers):
    rows, _ = rows_by(customer_feedback, hq_filters(group_by="week", touchpoint="web"))
    assert rows["2026-W45"]["responses"] == 3
    filters = ReportFilters(
        date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30), channel="store", extra={}
    )
    rows, _ = rows_by(customer_feedback, filters)
    assert [r["responses"] for r in rows.values()] == [1]


def test_no_answer_in_the_window_is_no_row_and_null_headlines(stores):
    rows, page = rows_by(customer_feedback, hq_filters())
    assert rows == {} and page.count == 0
    figures = customer_feedback.figures(hq_filters())
    assert [f.value for f in figures] == [0, None, None, None]


def test_the_sql_figures_equal_scores_py():
    """Every count set of a grid of small ones and 3,000 random ones, through figure_columns, against
    scores.py: the same Decimal for every figure and margin, null where scores.py says None."""
    rng = random.Random(19)
    sets = [(p, s, d, 0, 0, 0, 0, 0) for p in range(4) for s in range(3) for d in range(4)]
    sets += [(0, 0, 0, n, sat, 0, 0, 0) for n in range(4) for sat in range(n + 1)]
    sets += [(0, 0, 0, 0, 0, 1, a, a * a) for a in range(1, 8)]
    for _ in range(3000):
        n = rng.choice([1, 2, 3, 7, 10, 33, 100, 997, 10_000, 1_000_000])
        p = rng.randint(0, n)
        d = rng.randint(0, n - p)
        csat_n = rng.randint(0, n)
        # CES answers as how many of each value 1-7: their count, sum and sum of squares
        cuts = sorted(rng.randint(0, n) for _ in range(6))
        per_value = [b - a for a, b in zip([0, *cuts], [*cuts, n], strict=True)]
        total = sum(v * k for v, k in enumerate(per_value, 1))
        squares = sum(v * v * k for v, k in enumerate(per_value, 1))
        sets.append((p, n - p - d, d, csat_n, rng.randint(0, csat_n), n, total, squares))
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s::bigint, %s::bigint)"] * len(sets))
    sql = (
        f"SELECT {figure_columns('g')} FROM (VALUES {values}) AS g(promoters, passives, detractors, "
        "csat_responses, satisfied, ces_responses, ces_sum, ces_squares)"
    )
    # figure_columns reads g.responses and g.nps_responses too: give them
    sql = (
        sql.replace("AS g(", "AS g0(").replace(
            "FROM (VALUES",
            "FROM (SELECT g0.*, 0 AS responses, 0 AS nps_responses FROM (VALUES",
        )
        + ") AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for row in sets for v in row])
        names = [c.name for c in cursor.description]
        got = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert len(got) == len(sets)
    for (p, s, d, csat_n, sat, ces_n, total, squares), row in zip(sets, got, strict=True):
        assert row["nps"] == scores.nps(p, s, d), (p, s, d)
        assert row["nps_margin"] == scores.nps_margin(p, s, d), (p, s, d)
        assert row["csat"] == scores.csat(sat, csat_n), (sat, csat_n)
        assert row["csat_margin"] == scores.csat_margin(sat, csat_n), (sat, csat_n)
        assert row["ces"] == scores.ces(total, ces_n), (total, ces_n)
        assert row["ces_margin"] == scores.ces_margin(total, squares, ces_n), (total, squares, ces_n)


def test_counts_alias_what_scores_take():
    for alias in ("promoters", "passives", "detractors", "satisfied", "ces_sum", "ces_squares"):
        assert f"AS {alias}" in COUNTS


# --- by fact -----------------------------------------------------------------------------------------------


def test_fact_bands_count_each_answer_in_the_facts_it_has(stores):
    milano, _ = stores
    # pickup lateness: on time -5 and 0; 1-15: 1 and 15; 16-60: 16 and 60; over 60: 61
    for late, nps in ((-5, 10), (0, 9), (1, 8), (15, 6), (16, 5), (60, 2), (61, 0)):
        ResponseFactory(
            touchpoint="pickup", location=milano, nps=nps, pickup_late_minutes=late, wait_minutes=late + 5
        )
    # returns: within an hour 60; 1-24 h: 61 and 1440; 1-3 days 4320; over 3 days 4321
    for minutes in (60, 61, 1440, 4320, 4321):
        ResponseFactory(touchpoint="return", location=milano, nps=None, csat=4, return_minutes=minutes)
    # deliveries: on time 0 and -3; 1-24 h late: 24; over: 25
    for hours in (0, -3, 24, 25):
        ResponseFactory(touchpoint="delivery", nps=7, delivery_late_hours=hours)
    ResponseFactory(touchpoint="web", nps=10)  # no fact: in no row
    filters = ReportFilters(extra={})
    with translation.override("en"):
        page = runner.run_page(feedback_by_fact, filters, per_page=200)
    got = {(r["fact"], r["band_no"], r["band"]): (r["responses"], r["nps"]) for r in page.rows}
    assert got == {
        ("Pickup ready", 1, "Ready by the promised time"): (2, Decimal("100.0")),
        ("Pickup ready", 2, "Ready 1-15 min late"): (2, Decimal("-50.0")),
        ("Pickup ready", 3, "Ready 16-60 min late"): (2, Decimal("-100.0")),
        ("Pickup ready", 4, "Ready over 60 min late"): (1, Decimal("-100.0")),
        # waiting = late + 5: 0, 5 | 6, 20 -> 0-5: 0 and 5; 6-10: 6; 11-20: 20; over 20: 21, 65, 66
        ("Desk waiting", 1, "Waited 0-5 min"): (2, Decimal("100.0")),
        ("Desk waiting", 2, "Waited 6-10 min"): (1, Decimal("0.0")),
        ("Desk waiting", 3, "Waited 11-20 min"): (1, Decimal("-100.0")),
        ("Desk waiting", 4, "Waited over 20 min"): (3, Decimal("-100.0")),
        ("Return processing", 1, "Refunded within an hour"): (1, None),
        ("Return processing", 2, "Refunded in 1-24 hours"): (2, None),
        ("Return processing", 3, "Refunded in 1-3 days"): (1, None),
        ("Return processing", 4, "Refunded after over 3 days"): (1, None),
        ("Delivery lateness", 1, "Shipped on time"): (2, Decimal("0.0")),
        ("Delivery lateness", 2, "Shipped 1-24 h late"): (1, Decimal("0.0")),
        ("Delivery lateness", 3, "Shipped over 24 h late"): (1, Decimal("0.0")),
    }
    # the default order: by fact, then the band's number
    assert [r["fact"] for r in page.rows][:5] == ["Delivery lateness"] * 3 + ["Desk waiting"] * 2
    assert [r["band_no"] for r in page.rows][:4] == [1, 2, 3, 1]


def test_fact_labels_are_translated(stores):
    ResponseFactory(touchpoint="pickup", location=stores[0], nps=9, pickup_late_minutes=25)
    with translation.override("it"):
        page = runner.run_page(feedback_by_fact, ReportFilters(extra={}))
        assert [(r["fact"], r["band"]) for r in page.rows] == [
            ("Ritiro pronto", "Pronto 16-60 min in ritardo")
        ]


# --- follow-up times ---------------------------------------------------------------------------------------


def test_follow_up_times_per_store_and_week(stores):
    milano, _ = stores
    opened = dt.datetime(2026, 11, 3, 9, 0, tzinfo=ROME)  # ISO week 45 (Monday 2 November)
    for hours, outcome in ((2, "resolved"), (4, "resolved"), (10, "no_answer")):
        FollowUpFactory(
            response__location=milano,
            response__created_at=opened,
            outcome=outcome,
            closed_at=opened + dt.timedelta(hours=hours),
        )
    FollowUpFactory(response__location=milano, response__created_at=opened)  # still open
    FollowUpFactory(response__location=None, response__created_at=opened)  # HQ's queue
    with translation.override("en"):
        page = runner.run_page(follow_up_times, hq_filters(), per_page=200)
    rows = {r["location"]: r for r in page.rows}
    row = rows[f"{milano.code} · {milano.name}"]
    assert row["week"] == dt.date(2026, 11, 2)
    assert (row["opened"], row["closed"], row["open_now"]) == (4, 3, 1)
    # hours 2, 4, 10: median 4; 90th percentile (continuous) = 4 + 0.8 * (10 - 4) = 8.8
    assert row["median_hours"] == Decimal("4.0") and row["p90_hours"] == Decimal("8.8")
    assert (row["resolved"], row["unresolved"], row["no_answer"], row["not_needed"]) == (2, 0, 1, 0)
    hq = rows["HQ (no store)"]
    assert (hq["opened"], hq["open_now"], hq["median_hours"]) == (1, 1, None)


# --- who sees what -----------------------------------------------------------------------------------------


def test_a_store_manager_sees_their_stores_rows_only(answers):
    milano, roma = answers
    manager = UserFactory(role="store_manager", locations=[milano])
    actor = Actor.for_user(manager)
    form, filters = filters_from(customer_feedback, actor, {**WINDOW, "group_by": "store"})
    assert filters is not None, form.errors
    rows, page = rows_by(customer_feedback, filters)
    assert list(rows) == [f"{milano.code} · {milano.name}"]  # not Roma's, not the web shop's
    assert page.totals["responses"] == 10
    # another store's id is refused by the form, never reported
    form, filters = filters_from(customer_feedback, actor, {**WINDOW, "location": str(roma.pk)})
    assert filters is None and "location" in form.errors
    # the export holds the same rows
    with translation.override("en"):
        _form, filters = filters_from(customer_feedback, actor, {**WINDOW, "group_by": "store"})
        text = b"".join(exports.csv_chunks(customer_feedback, filters)).decode("utf-8-sig")
    assert milano.code in text and roma.code not in text and "No store" not in text


def test_the_reports_are_registered_for_managers_only(stores):
    for slug in ("customer-feedback", "feedback-by-fact", "follow-up-times"):
        report = get_report(slug)
        assert report is not None
        assert report.visible_to(Actor.for_user(UserFactory(role="store_manager", locations=[stores[0]])))
        assert not report.visible_to(Actor.for_user(UserFactory(role="associate", locations=[stores[0]])))


def test_the_report_pages_and_exports_answer(client, answers):
    milano, _ = answers
    client.force_login(UserFactory(role="store_manager", locations=[milano]))
    for slug, extra in (
        ("customer-feedback", "&group_by=week"),
        ("feedback-by-fact", ""),
        ("follow-up-times", ""),
    ):
        response = client.get(f"/reports/{slug}/?date_from=2026-11-01&date_to=2026-11-30{extra}")
        assert response.status_code == 200, slug
        for fmt in ("csv", "xlsx"):
            response = client.get(
                f"/reports/{slug}/export?date_from=2026-11-01&date_to=2026-11-30&format={fmt}"
            )
            assert response.status_code == 200, (slug, fmt)
            body = b"".join(response.streaming_content)
            assert body


def test_weeks_are_local_iso_weeks_in_winter_and_summer(stores):
    # Monday 00:30 in Rome is still Sunday in UTC (23:30 in winter, 22:30 in summer): the local week counts
    for when in (
        dt.datetime(2026, 11, 9, 0, 30, tzinfo=ROME),  # Monday, W46
        dt.datetime(2026, 11, 8, 23, 30, tzinfo=ROME),  # Sunday, W45
        dt.datetime(2026, 6, 29, 0, 30, tzinfo=ROME),  # Monday, W27 (summer time)
        dt.datetime(2026, 6, 28, 23, 59, tzinfo=ROME),  # Sunday, W26
    ):
        ResponseFactory(touchpoint="web", nps=9, created_at=when)
    filters = ReportFilters(
        date_from=dt.date(2026, 6, 1), date_to=dt.date(2026, 11, 30), extra={"group_by": "week"}
    )
    rows, _ = rows_by(customer_feedback, filters)
    assert {k: r["responses"] for k, r in rows.items()} == {
        "2026-W26": 1,
        "2026-W27": 1,
        "2026-W45": 1,
        "2026-W46": 1,
    }
