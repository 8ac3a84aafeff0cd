"""The feedback reports of the reports platform (omni.reports), registered in feedback/wiring.py:

- "Customer feedback": NPS, CSAT and CES by touchpoint, channel, store or week, with the answers behind each
  figure and its 95% margin of error;
- "Feedback by operational fact": the same figures for bands of what happened at the touchpoint (pickup
  ready late or on time, desk waiting time, return processing time, delivery lateness);
- "Follow-up times": the closed loop per store and week: follow-ups opened, closed, still open, the median
  and 90th percentile hours to follow up, and the outcomes.

Each report is one SELECT: the counts (and CES sum and sum of squares) by aggregates in one scan of
feedback_response, and the figures computed from those counts in the outer SELECT. The platform runs,
sorts, pages and exports a report's SQL as it is (it has no step that post-processes rows in Python), so
the outer SELECT spells out feedback/scores.py's formulas operation for operation (`figure_columns`):
exact decimal arithmetic rounded half away from zero for the scores, and for the margins the same IEEE
double operations in the same order, turned into a decimal through their shortest text as Python's
`Decimal(str(x))` does. tests/feedback/test_reports.py holds the two equal on hand-computed and random
sets; a figure with no answers is NULL, never 0."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from feedback import scores
from feedback.models import FollowUpOutcome, Touchpoint
from omni.reports.base import SQL, Chart, Column, Figure, Kind, Report, ReportFilters
from omni.reports.sql import Where, label_case
from orders.models import Channel
from orders.reports.common import one_row, window

if TYPE_CHECKING:
    from omni.actors import Actor

Z = f"{scores.Z95!r}::float8"

# --- counts and figures ------------------------------------------------------------------------------------

# the aggregates of one group of responses `r`, by their aliases (what scores.py takes)
COUNTS = f"""
    count(*) AS responses,
    count(r.nps) AS nps_responses,
    count(*) FILTER (WHERE r.nps >= {scores.PROMOTER_MIN}) AS promoters,
    count(*) FILTER (WHERE r.nps > {scores.DETRACTOR_MAX} AND r.nps < {scores.PROMOTER_MIN}) AS passives,
    count(*) FILTER (WHERE r.nps <= {scores.DETRACTOR_MAX}) AS detractors,
    count(r.csat) AS csat_responses,
    count(*) FILTER (WHERE r.csat >= {scores.CSAT_SATISFIED_MIN}) AS satisfied,
    count(r.ces) AS ces_responses,
    coalesce(sum(r.ces), 0) AS ces_sum,
    coalesce(sum(r.ces * r.ces), 0) AS ces_squares"""


COUNT_KEYS = (
    "responses",
    "nps_responses",
    "promoters",
    "passives",
    "detractors",
    "csat_responses",
    "satisfied",
    "ces_responses",
    "ces_sum",
    "ces_squares",
)
# COUNTS of groups `c` added up into bigger groups (they are all additive): a report that groups by an
# expression dear to compute per row (a local week) first counts by a cheap finer key, then adds up
SUMS = ", ".join(f"sum(c.{key})::bigint AS {key}" for key in COUNT_KEYS)
# a response's hour (UTC, no time zone arithmetic): local days and weeks are whole hours of it
HOUR = "date_bin('1 hour', r.created_at, TIMESTAMPTZ '2000-01-03 00:00:00+00')"


def figure_columns(g: str = "g") -> str:
    """The figures of the counts of `g` (COUNTS' aliases), as scores.py computes them (see the module's
    docstring): nps, nps_margin, csat, csat_margin, ces, ces_margin, and the counts themselves."""
    n = f"({g}.promoters + {g}.passives + {g}.detractors)"
    p = f"({g}.promoters::float8 / {n}::float8)"
    d = f"({g}.detractors::float8 / {n}::float8)"
    nps_var = f"greatest({p} + {d} - ({p} - {d}) * ({p} - {d}), 0::float8)"
    share = f"({g}.satisfied::float8 / {g}.csat_responses::float8)"
    mean = f"({g}.ces_sum::float8 / {g}.ces_responses::float8)"
    ces_var = (
        f"greatest(({g}.ces_squares::float8 - {g}.ces_responses::float8 * {mean} * {mean})"
        f" / ({g}.ces_responses - 1)::float8, 0::float8)"
    )
    return f"""
        {g}.responses, {g}.nps_responses, {g}.promoters, {g}.passives, {g}.detractors,
        round(100 * ({g}.promoters - {g}.detractors)::numeric / NULLIF({n}, 0), 1) AS nps,
        CASE WHEN {n} >= 2 THEN round(
            ((100::float8 * {Z}) * sqrt({nps_var} / {n}::float8))::text::numeric, 1) END AS nps_margin,
        {g}.csat_responses, {g}.satisfied,
        round(100 * {g}.satisfied::numeric / NULLIF({g}.csat_responses, 0), 1) AS csat,
        CASE WHEN {g}.csat_responses >= 2 THEN round(
            ((100::float8 * {Z}) * sqrt({share} * (1::float8 - {share}) / {g}.csat_responses::float8))
            ::text::numeric, 1) END AS csat_margin,
        {g}.ces_responses,
        round({g}.ces_sum::numeric / NULLIF({g}.ces_responses, 0), 2) AS ces,
        CASE WHEN {g}.ces_responses >= 2 THEN round(
            ({Z} * sqrt({ces_var}) / sqrt({g}.ces_responses::float8))::text::numeric, 2) END AS ces_margin"""


FIGURE_COLUMNS = (
    Column("responses", _("Responses"), Kind.INT, total=True),
    Column("nps_responses", _("NPS answers"), Kind.INT, total=True),
    Column("promoters", _("Promoters (9-10)"), Kind.INT, total=True),
    Column("passives", _("Passives (7-8)"), Kind.INT, total=True),
    Column("detractors", _("Detractors (0-6)"), Kind.INT, total=True),
    Column("nps", _("NPS"), Kind.DECIMAL),
    Column("nps_margin", _("NPS ± (95%)"), Kind.DECIMAL),
    Column("csat_responses", _("CSAT answers"), Kind.INT, total=True),
    Column("satisfied", _("Satisfied (4-5)"), Kind.INT, total=True),
    Column("csat", _("CSAT (% satisfied)"), Kind.DECIMAL),
    Column("csat_margin", _("CSAT ± (95%)"), Kind.DECIMAL),
    Column("ces_responses", _("CES answers"), Kind.INT, total=True),
    Column("ces", _("CES (mean, 1-7)"), Kind.DECIMAL),
    Column("ces_margin", _("CES ± (95%)"), Kind.DECIMAL),
)
FIGURE_KEYS = tuple(c.key for c in FIGURE_COLUMNS)


def _touchpoint_field() -> forms.Field:
    return forms.ChoiceField(
        label=_("Touchpoint"), required=False, choices=[("", _("All touchpoints")), *Touchpoint.choices]
    )


def _responses_where(filters: ReportFilters, days: int) -> Where:
    """The responses of the chosen days, locations, channel and touchpoint (`r`: feedback_response)."""
    start, end = window(filters, days)
    where = Where()
    where.add("r.created_at >= %s AND r.created_at < %s", start, end)
    if filters.location_ids is not None:
        where.add("r.location_id = ANY(%s)", list(filters.location_ids))
    if filters.channel:
        where.add("r.channel = %s", filters.channel)
    touchpoint = filters.extra.get("touchpoint")
    if touchpoint:
        where.add("r.touchpoint = %s", str(touchpoint))
    return where


def _headline(filters: ReportFilters, where: Where) -> list[Figure]:
    """NPS, CSAT and CES over every response the filters keep (one small query)."""
    got = one_row(
        f"SELECT {figure_columns('g')} FROM (SELECT {COUNTS} FROM feedback_response r WHERE "
        f"{where.sql}) AS g",
        where.params,
    )
    return [
        Figure(_("Responses"), int(got.get("responses") or 0), Kind.INT),
        Figure(_("NPS"), got.get("nps"), Kind.DECIMAL),
        Figure(_("CSAT (% satisfied)"), got.get("csat"), Kind.DECIMAL),
        Figure(_("CES (mean, 1-7)"), got.get("ces"), Kind.DECIMAL),
    ]


# --- "Customer feedback" -----------------------------------------------------------------------------------

GROUPINGS = (
    ("touchpoint", _("Touchpoint")),
    ("channel", _("Channel")),
    ("store", _("Store")),
    ("week", _("Week")),
)


class CustomerFeedback(Report):
    slug = "customer-feedback"
    title = _("Customer feedback")
    group = "channels"
    description = _(
        "Survey answers given in the period (local days), grouped by touchpoint, channel, store or week "
        "(ISO weeks, Monday to Sunday). NPS = % promoters (9-10) - % detractors (0-6), from -100 to 100; "
        "CSAT = % of answers that are 4 or 5; CES = the mean ease (1-7, higher is easier). Each figure "
        "counts only the answers to its own question, and its ± is the half-width of its 95% confidence "
        "interval: with few answers it is wide, read it before comparing two rows. A figure with no "
        "answers is empty, not 0. Answers about no store (web shop, app) are only in HQ's figures."
    )
    columns = (Column("grp", _("Group")), *FIGURE_COLUMNS)
    filters = frozenset({"dates", "location", "channel"})
    default_sort = "grp"
    default_days = 90
    chart = Chart(kind="bar", label_key="grp", series=("nps",), title=_("NPS by group"))

    def extra_fields(self, actor: Actor) -> dict[str, forms.Field]:
        return {
            "group_by": forms.ChoiceField(label=_("Group by"), required=False, choices=GROUPINGS),
            "touchpoint": _touchpoint_field(),
        }

    def grouping(self, filters: ReportFilters) -> str:
        chosen = str(filters.extra.get("group_by") or "touchpoint")
        return chosen if chosen in dict(GROUPINGS) else "touchpoint"

    def _key(self, filters: ReportFilters) -> tuple[str, str, Sequence[Any], list[Any]]:
        """(the grouping key over `r`, its label over `g.k`, the label's params, the key's params)."""
        grouping = self.grouping(filters)
        if grouping == "channel":
            label, params = label_case("g.k", Channel.choices, blank=str(_("No channel")))
            return "r.channel", label, params, []
        if grouping == "store":
            label = "coalesce(loc.code || ' · ' || loc.name, %s)"
            return "r.location_id", label, [str(_("No store (online)"))], []
        if grouping == "week":
            # the ISO week of the local day: "2026-W49" (of each hour's counts, see query)
            return HOUR, "to_char(g.k, 'IYYY-\"W\"IW')", [], []
        label, params = label_case("g.k", Touchpoint.choices)
        return "r.touchpoint", label, params, []

    def query(self, filters: ReportFilters) -> SQL:
        where = _responses_where(filters, self.default_days)
        key, label, label_params, key_params = self._key(filters)
        grouping = self.grouping(filters)
        join = " LEFT JOIN stores_location loc ON loc.id = g.k" if grouping == "store" else ""
        counts = f"SELECT {key} AS k, {COUNTS} FROM feedback_response r WHERE {where.sql} GROUP BY 1"
        params = [*label_params, *key_params, *where.params]
        if grouping == "week":
            # a year is ~8,760 hours: the local week of each hour, not of each of a million answers
            counts = (
                f"SELECT date_trunc('week', c.k AT TIME ZONE %s) AS k, {SUMS} FROM ({counts}) AS c GROUP BY 1"
            )
            params = [*label_params, filters.tz, *key_params, *where.params]
        sql = f"""
            SELECT {label} AS grp, {figure_columns("g")}
            FROM ({counts}) AS g{join}
        """
        return sql, params

    def figures(self, filters: ReportFilters) -> list[Figure]:
        return _headline(filters, _responses_where(filters, self.default_days))


# --- "Feedback by operational fact" ------------------------------------------------------------------------

# (fact, its label, the column, [(band's upper bound inclusive or None for the last, band label)])
FACTS: tuple[tuple[str, Any, str, tuple[tuple[int | None, Any], ...]], ...] = (
    (
        "pickup",
        _("Pickup ready"),
        "pickup_late_minutes",
        (
            (0, _("Ready by the promised time")),
            (15, _("Ready 1-15 min late")),
            (60, _("Ready 16-60 min late")),
            (None, _("Ready over 60 min late")),
        ),
    ),
    (
        "wait",
        _("Desk waiting"),
        "wait_minutes",
        (
            (5, _("Waited 0-5 min")),
            (10, _("Waited 6-10 min")),
            (20, _("Waited 11-20 min")),
            (None, _("Waited over 20 min")),
        ),
    ),
    (
        "return",
        _("Return processing"),
        "return_minutes",
        (
            (60, _("Refunded within an hour")),
            (24 * 60, _("Refunded in 1-24 hours")),
            (3 * 24 * 60, _("Refunded in 1-3 days")),
            (None, _("Refunded after over 3 days")),
        ),
    ),
    (
        "delivery",
        _("Delivery lateness"),
        "delivery_late_hours",
        (
            (0, _("Shipped on time")),
            (24, _("Shipped 1-24 h late")),
            (None, _("Shipped over 24 h late")),
        ),
    ),
)


def _band_case(column: str, bands: tuple[tuple[int | None, Any], ...]) -> str:
    """CASE giving the band number (1, 2, ...) of `r.column`; NULL when the response has no such fact."""
    whens = " ".join(
        f"WHEN r.{column} <= {upper} THEN {i}" for i, (upper, _l) in enumerate(bands, 1) if upper is not None
    )
    return f"CASE WHEN r.{column} IS NULL THEN NULL {whens} ELSE {len(bands)} END"


class FeedbackByFact(Report):
    slug = "feedback-by-fact"
    title = _("Feedback by operational fact")
    group = "channels"
    description = _(
        "The same figures as “Customer feedback” for what actually happened at the touchpoint, as recorded "
        "with each answer: was the pickup ready by the promised time (and how late), how long the customer "
        "waited at the pickup desk after saying they were there, how long a return took from receipt to "
        "refund, and how late a delivery was shipped against the dispatch promise. An answer counts only in "
        "the facts it has (a web shop answer has none); # orders the bands of each fact."
    )
    columns = (
        Column("fact", _("Fact")),
        Column("band_no", _("#"), Kind.INT),
        Column("band", _("Band")),
        *FIGURE_COLUMNS,
    )
    filters = frozenset({"dates", "location", "channel"})
    default_sort = "fact"
    default_days = 90
    chart = Chart(kind="bar", label_key="band", series=("nps",), title=_("NPS by band"))

    def extra_fields(self, actor: Actor) -> dict[str, forms.Field]:
        return {"touchpoint": _touchpoint_field()}

    def query(self, filters: ReportFilters) -> SQL:
        where = _responses_where(filters, self.default_days)
        fact_whens, band_whens, params = [], [], []
        for i, (_code, fact_label, _col, _bands) in enumerate(FACTS, 1):
            fact_whens.append(f"WHEN {i} THEN %s")
            params.append(str(fact_label))
        for i, (_code, _fl, _col, bands) in enumerate(FACTS, 1):
            for j, (_upper, band_label) in enumerate(bands, 1):
                band_whens.append(f"WHEN g.fact = {i} AND g.band = {j} THEN %s")
                params.append(str(band_label))
        # one scan: the counts by the four facts' bands at once (a few hundred groups), then each group's
        # counts added into the bands of each fact it has
        band_keys = ", ".join(
            f"{_band_case(col, fact_bands)} AS b{i}" for i, (_f, _l, col, fact_bands) in enumerate(FACTS, 1)
        )
        any_fact = " OR ".join(f"r.{col} IS NOT NULL" for _f, _l, col, _b in FACTS)
        values = ", ".join(f"({i}, c.b{i})" for i in range(1, len(FACTS) + 1))
        sql = f"""
            SELECT CASE g.fact {" ".join(fact_whens)} END AS fact, g.band AS band_no,
                   CASE {" ".join(band_whens)} END AS band, {figure_columns("g")}
            FROM (
                SELECT f.fact, f.band, {SUMS}
                FROM (
                    SELECT {band_keys}, {COUNTS}
                    FROM feedback_response r
                    WHERE {where.sql} AND ({any_fact})
                    GROUP BY {", ".join(f"b{i}" for i in range(1, len(FACTS) + 1))}
                ) AS c
                CROSS JOIN LATERAL (VALUES {values}) AS f(fact, band)
                WHERE f.band IS NOT NULL
                GROUP BY f.fact, f.band
            ) AS g
        """
        return sql, [*params, *where.params]


# --- "Follow-up times" -------------------------------------------------------------------------------------

HOURS_TO_FOLLOW_UP = "EXTRACT(EPOCH FROM (u.closed_at - u.created_at)) / 3600.0"
OUTCOME_KEYS = tuple(FollowUpOutcome.values)


class FollowUpTimes(Report):
    slug = "follow-up-times"
    title = _("Follow-up times")
    group = "channels"
    description = _(
        "The closed loop: detractors (NPS 0-6) and dissatisfied customers (CSAT 1-2) land in their store's "
        "follow-up queue (HQ's when the answer names no store). Per store and week the follow-ups were "
        "opened (ISO weeks, local days): how many, how many are closed and still open now, the median and "
        "90th percentile hours from the answer to the recorded outcome (closed ones only), and the outcomes."
    )
    columns = (
        Column("location", _("Store")),
        Column("week", _("Week from"), Kind.DATE),
        Column("opened", _("Opened"), Kind.INT, total=True),
        Column("closed", _("Closed"), Kind.INT, total=True),
        Column("open_now", _("Open now"), Kind.INT, total=True),
        Column("median_hours", _("Median hours to follow up"), Kind.DECIMAL),
        Column("p90_hours", _("90th percentile hours"), Kind.DECIMAL),
        Column("resolved", _("Contacted, resolved"), Kind.INT, total=True),
        Column("unresolved", _("Contacted, not resolved"), Kind.INT, total=True),
        Column("no_answer", _("Could not be reached"), Kind.INT, total=True),
        Column("not_needed", _("No action needed"), Kind.INT, total=True),
    )
    filters = frozenset({"dates", "location"})
    default_sort = "-week"
    default_days = 90
    chart = Chart(kind="line", label_key="week", series=("opened", "closed"), title=_("Follow-ups by week"))

    def _where(self, filters: ReportFilters) -> Where:
        start, end = window(filters, self.default_days)
        where = Where()
        where.add("u.created_at >= %s AND u.created_at < %s", start, end)
        if filters.location_ids is not None:
            where.add("u.location_id = ANY(%s)", list(filters.location_ids))
        return where

    def query(self, filters: ReportFilters) -> SQL:
        where = self._where(filters)
        outcomes = ",\n".join(f"count(*) FILTER (WHERE u.outcome = '{key}') AS {key}" for key in OUTCOME_KEYS)
        sql = f"""
            SELECT coalesce(loc.code || ' · ' || loc.name, %s) AS location, g.week, g.opened, g.closed,
                   g.open_now, round(g.median_hours::numeric, 1) AS median_hours,
                   round(g.p90_hours::numeric, 1) AS p90_hours, {", ".join(f"g.{k}" for k in OUTCOME_KEYS)}
            FROM (
                SELECT u.location_id, date_trunc('week', u.created_at AT TIME ZONE %s)::date AS week,
                       count(*) AS opened,
                       count(*) FILTER (WHERE u.closed_at IS NOT NULL) AS closed,
                       count(*) FILTER (WHERE u.closed_at IS NULL) AS open_now,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY {HOURS_TO_FOLLOW_UP})
                           FILTER (WHERE u.closed_at IS NOT NULL) AS median_hours,
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY {HOURS_TO_FOLLOW_UP})
                           FILTER (WHERE u.closed_at IS NOT NULL) AS p90_hours,
                       {outcomes}
                FROM feedback_followup u
                WHERE {where.sql}
                GROUP BY 1, 2
            ) AS g
            LEFT JOIN stores_location loc ON loc.id = g.location_id
        """
        return sql, [str(_("HQ (no store)")), filters.tz, *where.params]


customer_feedback = CustomerFeedback()
feedback_by_fact = FeedbackByFact()
follow_up_times = FollowUpTimes()


def register() -> None:
    from omni.reports.base import register_report

    for report in (customer_feedback, feedback_by_fact, follow_up_times):
        register_report(report)
