"""The reports platform against a small test-only report over stores_location with hand-set figures:
run_page's sorting, paging, totals and chart grouping; the sort whitelist; the filter form (date window,
location visibility); the SVG charts."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from omni.actors import Actor
from omni.reports import base, runner
from omni.reports.base import Chart, Column, Kind, Report, ReportFilters
from omni.reports.charts import format_value, nice_ticks, render_svg
from omni.reports.forms import filters_from, querystring
from stores.models import Location
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


class LocationsReport(Report):
    """One row per test location (code TA-*): hold days (int, total), a preparation fee (money, total), a
    share (percent) and the local day it was opened (date)."""

    slug = "test-locations"
    title = "Test locations"
    group = "stock"
    description = "Locations of the platform tests."
    columns = (
        Column("code", "Code"),
        Column("city", "City"),
        Column("hold_days", "Hold days", Kind.INT, total=True),
        Column("prep_fee", "Preparation fee", Kind.MONEY, total=True),
        Column("share", "Share", Kind.PERCENT),
        Column("opened", "Opened", Kind.DATE),
        Column("note", "Note", sortable=False),
    )
    filters = frozenset({"dates", "location"})
    default_sort = "code"
    default_days = 30
    chart = Chart(kind="bar", label_key="city", series=("hold_days",), limit=2, title="Hold days by city")

    def query(self, filters: ReportFilters) -> base.SQL:
        where = ["code LIKE 'TA-%%'"]
        params: list = [filters.tz]
        if filters.start is not None:
            where.append("created_at >= %s")
            params.append(filters.start)
        if filters.end is not None:
            where.append("created_at < %s")
            params.append(filters.end)
        if filters.location_ids is not None:
            where.append("id = ANY(%s)")
            params.append(list(filters.location_ids))
        sql = (
            "SELECT code, city, pickup_hold_days AS hold_days, "
            "(preparation_minutes / 60.0 * 12.5)::numeric(12, 2) AS prep_fee, "
            "(pickup_hold_days / 20.0)::numeric(6, 4) AS share, "
            "(created_at AT TIME ZONE %s)::date AS opened, "
            "address AS note "
            f"FROM stores_location WHERE {' AND '.join(where)}"
        )
        return sql, params


class HoldByDayReport(LocationsReport):
    """The same rows, charted as lines by day (two series)."""

    slug = "test-hold-by-day"
    title = "Hold days by day"
    chart = Chart(kind="line", label_key="opened", series=("hold_days", "prep_fee"))


class HqOnlyReport(LocationsReport):
    slug = "test-hq-only"
    title = "HQ only"
    group = "channels"

    def visible_to(self, actor: Actor) -> bool:
        return super().visible_to(actor) and actor.sees_all_locations


# code, city, hold days, preparation minutes (fee = minutes / 60 * 12.50), days ago opened
ROWS = [
    ("TA-01", "Milano", 7, 120, 0),
    ("TA-02", "Milano", 3, 60, 1),
    ("TA-03", "Torino", 5, 30, 1),
    ("TA-04", "Roma", 14, 90, 3),
    ("TA-05", "Napoli", 1, 240, 3),
]


def register_test_reports(monkeypatch) -> dict[str, Report]:
    """Register the test reports for one test (the registry is put back afterwards)."""
    reports = {r.slug: r for r in (LocationsReport(), HoldByDayReport(), HqOnlyReport())}
    for slug, report in reports.items():
        monkeypatch.setitem(base._reports, slug, report)
    return reports


def make_network() -> dict[str, Location]:
    now = timezone.now()
    made = {}
    for code, city, hold, minutes, days_ago in ROWS:
        loc = LocationFactory(code=code, city=city, pickup_hold_days=hold, preparation_minutes=minutes)
        Location.objects.filter(pk=loc.pk).update(created_at=now - dt.timedelta(days=days_ago))
        made[code] = loc
    # a location the reports never show (not TA-*), so the test figures are ours alone
    LocationFactory(code="XX-99", city="Bari", pickup_hold_days=60)
    return made


@pytest.fixture
def registered(monkeypatch):
    return register_test_reports(monkeypatch)


@pytest.fixture
def network(db) -> dict[str, Location]:
    return make_network()


@pytest.fixture
def hq(db):
    return UserFactory(username="hq", role="hq_manager")


def everything(**kw) -> ReportFilters:
    today = timezone.localdate()
    return ReportFilters(date_from=today - dt.timedelta(days=29), date_to=today, tz="Europe/Rome", **kw)


# --- run_page -----------------------------------------------------------------------------------------------


def test_run_page_sorts_pages_and_totals(network):
    report = LocationsReport()
    page = runner.run_page(report, everything(), sort="-hold_days", page=2, per_page=2)
    assert [r["code"] for r in page.rows] == ["TA-03", "TA-02"]  # 14, 7 | 5, 3 | 1
    assert (page.count, page.pages, page.number, page.sort) == (5, 3, 2, "-hold_days")
    assert page.has_previous and page.has_next
    # 7 + 3 + 5 + 14 + 1 = 30 days; fees 25.00 + 12.50 + 6.25 + 18.75 + 50.00 = 112.50
    assert page.totals == {"hold_days": 30, "prep_fee": Decimal("112.50")}
    row = page.rows[0]
    assert row["prep_fee"] == Decimal("6.25") and row["share"] == Decimal("0.25")
    assert row["opened"] == timezone.localdate() - dt.timedelta(days=1)
    assert isinstance(row["hold_days"], int)

    ascending = runner.run_page(report, everything(), sort="prep_fee", per_page=10)
    assert [r["code"] for r in ascending.rows] == ["TA-03", "TA-02", "TA-04", "TA-01", "TA-05"]


def test_chart_groups_by_label_keeps_the_largest(network):
    page = runner.run_page(LocationsReport(), everything(), per_page=1)
    # by city: Roma 14, Milano 7 + 3 = 10, Torino 5, Napoli 1; limit 2
    assert page.chart is not None
    assert page.chart.labels == ["Roma", "Milano"]
    assert page.chart.series == {"hold_days": [Decimal(14), Decimal(10)]}


def test_line_chart_orders_by_day(network):
    page = runner.run_page(HoldByDayReport(), everything())
    today = timezone.localdate()
    days = [today - dt.timedelta(days=n) for n in (3, 1, 0)]
    assert page.chart.labels == days
    assert page.chart.series["hold_days"] == [Decimal(15), Decimal(8), Decimal(7)]
    assert page.chart.series["prep_fee"] == [Decimal("68.75"), Decimal("18.75"), Decimal("25.00")]


def test_filters_restrict_rows_by_location_and_dates(network):
    report = LocationsReport()
    only = everything(location_ids=(network["TA-01"].pk, network["TA-04"].pk))
    page = runner.run_page(report, only)
    assert [r["code"] for r in page.rows] == ["TA-01", "TA-04"]
    assert page.totals["hold_days"] == 21
    today = timezone.localdate()
    recent = ReportFilters(date_from=today - dt.timedelta(days=1), date_to=today)
    assert runner.run_page(report, recent).count == 3


@pytest.mark.parametrize(
    "asked",
    [
        None,
        "",
        "nope",
        "-nope",
        "note",
        "code; DROP TABLE stores_location",
        '"code"',
        "hold_days--",
        "--code",
    ],
)
def test_sort_whitelist_falls_back_to_the_default(network, asked):
    report = LocationsReport()
    assert runner.normalise_sort(report, asked) == "code"
    page = runner.run_page(report, everything(), sort=asked)
    assert page.sort == "code" and [r["code"] for r in page.rows] == [r[0] for r in ROWS]
    assert Location.objects.filter(code__startswith="TA-").count() == 5


def test_iter_rows_streams_every_row_in_order(network):
    rows = list(runner.iter_rows(LocationsReport(), everything(), sort="-prep_fee"))
    assert [r[0] for r in rows] == ["TA-05", "TA-01", "TA-04", "TA-02", "TA-03"]
    assert rows[0][3] == Decimal("50.00")
    assert runner.count_rows(LocationsReport(), everything()) == 5
    assert runner.estimate_rows(LocationsReport(), everything()) >= 1


# --- the filter form ---------------------------------------------------------------------------------------


def test_dates_default_to_the_report_window_ending_today(network, hq):
    form, filters = filters_from(LocationsReport(), Actor.for_user(hq), {})
    today = timezone.localdate()
    assert filters is not None, form.errors
    assert (filters.date_from, filters.date_to) == (today - dt.timedelta(days=29), today)
    assert filters.location_ids is None and filters.tz == "Europe/Rome"
    assert filters.start == dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=filters.start.tzinfo)
    # one date given: the other follows from the window
    _form, filters = filters_from(LocationsReport(), Actor.for_user(hq), {"date_to": "2025-03-31"})
    assert (filters.date_from, filters.date_to) == (dt.date(2025, 3, 2), dt.date(2025, 3, 31))
    assert "date_from=2025-03-02" in querystring(_form) and "date_to=2025-03-31" in querystring(_form)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date_from": "2025-03-10", "date_to": "2025-03-01"}, "date_to"),
        ({"date_from": "2019-01-01", "date_to": "2025-03-01"}, "date_from"),
        ({"date_from": "yesterday", "date_to": "2025-03-01"}, "date_from"),
        ({"date_from": "2025-02-30", "date_to": "2025-03-01"}, "date_from"),
        ({"date_from": "9999-12-31", "date_to": "9999-12-31"}, "date_from"),
        ({"date_from": "0001-01-01"}, "date_from"),
        ({"location": "not-a-number"}, "location"),
    ],
)
def test_bad_filters_are_form_errors(network, hq, data, field):
    form, filters = filters_from(LocationsReport(), Actor.for_user(hq), data)
    assert filters is None
    assert field in form.errors


def test_a_store_manager_sees_only_his_locations(network):
    mine = [network["TA-01"], network["TA-02"]]
    manager = UserFactory(username="gm", role="store_manager", locations=mine)
    actor = Actor.for_user(manager)
    form, filters = filters_from(LocationsReport(), actor, {})
    assert filters.location_ids == tuple(sorted(loc.pk for loc in mine))
    assert {c.pk for c in form.fields["location"].queryset} == {loc.pk for loc in mine}

    _form, filters = filters_from(LocationsReport(), actor, {"location": str(network["TA-02"].pk)})
    assert filters.location_ids == (network["TA-02"].pk,)

    form, filters = filters_from(LocationsReport(), actor, {"location": str(network["TA-04"].pk)})
    assert filters is None and "location" in form.errors
    page = runner.run_page(LocationsReport(), filters_from(LocationsReport(), actor, {})[1])
    assert {r["code"] for r in page.rows} == {"TA-01", "TA-02"}


def test_hq_sees_all_or_the_location_it_picks(network, hq):
    actor = Actor.for_user(hq)
    _form, filters = filters_from(LocationsReport(), actor, {"location": ""})
    assert filters.location_ids is None
    _form, filters = filters_from(LocationsReport(), actor, {"location": str(network["TA-04"].pk)})
    assert filters.location_ids == (network["TA-04"].pk,)


def test_a_store_manager_without_locations_gets_an_error(db, network):
    lonely = UserFactory(username="lonely", role="store_manager")
    form, filters = filters_from(LocationsReport(), Actor.for_user(lonely), {})
    assert filters is None and form.non_field_errors()


def test_report_without_dates_has_no_date_fields(network, hq):
    class NoDates(LocationsReport):
        filters = frozenset({"location"})

    form, filters = filters_from(NoDates(), Actor.for_user(hq), {})
    assert "date_from" not in form.fields and filters.date_from is None and filters.start is None


# --- charts -------------------------------------------------------------------------------------------------


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def test_bar_chart_svg_is_well_formed_and_accessible(network):
    page = runner.run_page(LocationsReport(), everything())
    root = parse(render_svg(page.chart, LocationsReport.columns))
    assert (
        root.tag == SVG + "svg"
        and root.get("role") == "img"
        and root.get("aria-label") == "Hold days by city"
    )
    assert root.find(SVG + "title").text == "Hold days by city"
    assert "Roma" in root.find(SVG + "desc").text
    bars = root.findall(f".//{SVG}rect[@class='rc-bar rc-s0']")
    assert len(bars) == 2
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] > widths[1] > 0 and widths[1] / widths[0] == pytest.approx(10 / 14, rel=0.02)
    labels = [t.text for t in root.iter(SVG + "text") if t.get("class") == "rc-label"]
    assert labels == ["Roma", "Milano"]
    ticks = [t.text for t in root.iter(SVG + "text") if t.get("class") == "rc-tick"]
    assert ticks[0] == "0" and ticks[-1] in ("14", "15", "16")
    assert "<script" not in str(render_svg(page.chart, LocationsReport.columns))


def test_line_chart_has_one_polyline_per_series_and_a_legend(network):
    page = runner.run_page(HoldByDayReport(), everything())
    root = parse(render_svg(page.chart, HoldByDayReport.columns))
    lines = root.findall(f".//{SVG}polyline")
    assert [line.get("class") for line in lines] == ["rc-line rc-s0", "rc-line rc-s1"]
    assert all(len(line.get("points").split()) == 3 for line in lines)
    xs = [float(p.split(",")[0]) for p in lines[0].get("points").split()]
    assert xs[0] < xs[1] < xs[2] and (xs[1] - xs[0]) / (xs[2] - xs[0]) == pytest.approx(2 / 3, rel=0.01)
    legend = [t.text for t in root.iter(SVG + "text") if t.get("class") == "rc-legend"]
    assert legend == ["Hold days", "Preparation fee"]


def test_chart_escapes_labels_and_stacks_negative_values():
    chart = Chart(kind="bar", label_key="who", series=("a", "b"), stacked=True)
    cols = [
        Column("who", "Who"),
        Column("a", "A & co", Kind.INT, total=True),
        Column("b", "<B>", Kind.INT, total=True),
    ]
    data = runner.ChartData(
        chart=chart,
        labels=['<script>alert("x")</script>', "Ok"],
        series={"a": [Decimal(5), Decimal(-2)], "b": [Decimal(3), Decimal(4)]},
    )
    svg = str(render_svg(data, cols))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    root = parse(svg)
    bars = root.findall(f".//{SVG}rect")
    bars = [b for b in bars if "rc-bar" in (b.get("class") or "")]
    assert len(bars) == 4
    # axis from -2 to 8: the -2 bar ends at zero where the +4 bar of the same label starts
    neg = next(b for b in bars if "-2" in b.find(SVG + "title").text)
    pos = next(b for b in bars if b.find(SVG + "title").text.startswith("Ok") and "rc-s1" in b.get("class"))
    assert float(neg.get("x")) + float(neg.get("width")) == pytest.approx(float(pos.get("x")), abs=0.2)


def test_empty_chart_says_so():
    chart = Chart(kind="bar", label_key="who", series=("a",))
    with translation.override("en"):  # the message is translated (the site's default is Italian)
        svg = render_svg(runner.ChartData(chart=chart, labels=[], series={"a": []}), [Column("who", "Who")])
    root = parse(svg)
    assert root.get("role") == "img"
    assert any("No data" in (t.text or "") for t in root.iter(SVG + "text"))


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 14, [0, 5, 10, 15]),
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (-2, 8, [-2, 0, 2, 4, 6, 8]),
        (0, 0, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0, 987_654, [0, 200_000, 400_000, 600_000, 800_000, 1_000_000]),
    ],
)
def test_nice_ticks(low, high, expected):
    assert nice_ticks(low, high) == pytest.approx(expected)


def test_format_value_by_kind_and_language():
    from django.utils import translation

    with translation.override("it"):
        assert format_value(Kind.MONEY, Decimal("1234.5")) == "€\u00a01.234,50"
        assert format_value(Kind.PERCENT, Decimal("0.125")) == "12,5\u00a0%"
        assert format_value(Kind.DATE, dt.date(2025, 1, 31)) == "31/01/2025"
    with translation.override("en"):
        assert format_value(Kind.MONEY, Decimal("1234.5")) == "€\u00a01,234.50"
        assert format_value(Kind.INT, 12345) == "12,345"
        assert format_value(Kind.TEXT, None) == ""
