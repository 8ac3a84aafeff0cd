"""Managers' reports, the platform part: what a report is, the filters it takes, and the registry.

Each app defines its own reports (inventory/reports.py, orders/reports.py, loyalty/reports.py) and registers
them, with the filter fields it owns, in its AppConfig.ready, so omni renders, sorts, paginates, charts,
exports, runs in the background and emails any report without importing an app (as with the dashboard's
panels).

A report is one SQL query (a SELECT whose column aliases are the report's column keys) over the filters the
manager chose. The platform wraps it (omni/reports/runner.py): ORDER BY a whitelisted column, LIMIT/OFFSET for
the page, COUNT(*) for the pager, SUM() of the additive columns for the totals row, GROUP BY the chart's label
for the chart, and a server-side cursor for exports. Aggregation happens in PostgreSQL, never in Python
loops over rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.functional import Promise

if TYPE_CHECKING:
    from django import forms

    from omni.actors import Actor

Label = str | Promise
SQL = tuple[str, Sequence[Any]]


class Kind:
    """How a column's values are shown and exported."""

    TEXT = "text"
    INT = "int"  # units, counts
    MONEY = "money"  # EUR, 2 decimals
    DECIMAL = "decimal"  # e.g. days to ready, 1 decimal
    PERCENT = "percent"  # a fraction 0..1, shown as 12.5 %
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    key: str  # the SQL alias; also the sort key in the URL (?sort=-key)
    label: Label
    kind: str = Kind.TEXT
    total: bool = False  # additive: summed in the totals row (never for rates, averages or dates)
    sortable: bool = True


@dataclass(frozen=True)
class Chart:
    """A server-rendered SVG chart of the report's rows, grouped by `label_key`.

    The platform runs `SELECT label_key, SUM(s1), SUM(s2) ... FROM (<report query>) GROUP BY label_key`:
    "bar" orders by the first series (largest first) and keeps `limit` groups, "line" orders by the label
    (dates) and keeps them all. Series must be additive columns. With `stacked`, bars stack the series."""

    kind: str  # "bar" | "line"
    label_key: str
    series: tuple[str, ...]
    stacked: bool = False
    limit: int = 15
    title: Label = ""
    fallback: tuple[str, ...] = ()  # the series shown when the actor may not see any of `series`


@dataclass(frozen=True)
class Figure:
    """A headline figure above the table (e.g. outstanding liability in EUR)."""

    label: Label
    value: Any
    kind: str = Kind.INT


@dataclass(frozen=True)
class Freshness:
    """How current the figures of a report read from a summary are: exact as of `as_of` (the page brought the
    summary up to date before reading), the summary refreshed in the background every `every_minutes`."""

    as_of: dt.datetime
    every_minutes: int


@dataclass(frozen=True)
class ReportFilters:
    """What the manager chose, already checked against what they may see.

    location_ids: None means every location (HQ managers who picked none); for a store manager it is always
    their own locations (or the one they picked among them), never None and never empty.
    Dates are local calendar days (settings.TIME_ZONE), both inclusive; `start` and `end` are the aware
    datetimes that bound them ([start, end)), for SQL on timestamp columns."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    location_ids: tuple[int, ...] | None = None
    category_ids: tuple[int, ...] | None = None  # the chosen category and all its descendants
    brand_id: int | None = None
    channel: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # the report's own fields (Report.extra_fields)
    # column keys this actor may not see (Report.hidden_columns): left out of pages, charts and exports
    hidden: frozenset[str] = frozenset()
    tz: str = "Europe/Rome"

    @property
    def start(self) -> dt.datetime | None:
        if self.date_from is None:
            return None
        from zoneinfo import ZoneInfo

        return dt.datetime.combine(self.date_from, dt.time.min, tzinfo=ZoneInfo(self.tz))

    @property
    def end(self) -> dt.datetime | None:
        if self.date_to is None:
            return None
        from zoneinfo import ZoneInfo

        return dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=ZoneInfo(self.tz))


class Report:
    """Subclass, set the class attributes, implement `query`; register an instance with `register_report`."""

    slug: ClassVar[str]
    title: ClassVar[Label]
    group: ClassVar[str]  # "stock" | "channels"
    description: ClassVar[Label] = ""
    columns: ClassVar[Sequence[Column]]
    # which shared filters the form shows: any of "dates", "location", "category", "brand", "channel"
    filters: ClassVar[frozenset[str]] = frozenset()
    default_sort: ClassVar[str]  # a column key, "-" first for descending
    default_days: ClassVar[int] = 30  # with "dates": the window when none is chosen (ending today)
    chart: ClassVar[Chart | None] = None
    # exports of more rows than this (by the planner's estimate) run as a background job
    background_rows: ClassVar[int] = 100_000

    def extra_fields(self, actor: Actor) -> dict[str, forms.Field]:
        """The report's own filter fields (e.g. "group by category or brand"); cleaned into filters.extra."""
        return {}

    def refresh(self, filters: ReportFilters) -> None:
        """Bring what `query` reads up to date (e.g. a summary table kept incrementally). The runner calls it
        once before reading the rows of a page, an export or a count; `query` itself only builds SQL."""

    def freshness(self, filters: ReportFilters) -> Freshness | None:
        """For a report that reads a summary: how fresh its figures are (the page shows it); None when it
        reads the live rows."""
        return None

    def query(self, filters: ReportFilters) -> SQL:
        """The report's rows: one SELECT whose column aliases are exactly the keys of `columns`, with %s
        placeholders. No ORDER BY or LIMIT: the platform adds them."""
        raise NotImplementedError

    def figures(self, filters: ReportFilters) -> list[Figure]:
        """Optional headline figures (one small query at most)."""
        return []

    def hidden_columns(self, actor: Actor) -> frozenset[str]:
        """Columns this actor may not see (e.g. cost prices, which are HQ's business)."""
        return frozenset()

    def visible_columns(self, filters: ReportFilters) -> list[Column]:
        return [c for c in self.columns if c.key not in filters.hidden]

    def page_refusal(self, filters: ReportFilters) -> Label | None:
        """Why the page will not list rows for these filters (e.g. a SKU-level list over the whole network:
        millions of rows no one reads on a screen), or None. Exports are still offered (in the background
        when large)."""
        return None

    def visible_to(self, actor: Actor) -> bool:
        """Managers: store managers (their locations) and HQ; never store associates or API clients."""
        return actor.is_staff_user and actor.is_manager

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)


@dataclass(frozen=True)
class FilterField:
    """A shared filter field, contributed by the app that owns the data (stores: location; inventory:
    category, brand; orders: channel). `build(actor)` makes the form field (its choices limited to what the
    actor may see); `value(cleaned)` turns the cleaned value into what ReportFilters holds."""

    name: str  # "location" | "category" | "brand" | "channel"
    build: Callable[[Actor], forms.Field]
    value: Callable[[Any], Any]
    order: int = 100


_reports: dict[str, Report] = {}
_filter_fields: dict[str, FilterField] = {}


def register_report(report: Report) -> Report:
    existing = _reports.get(report.slug)
    if existing is not None and type(existing) is not type(report):
        raise ValueError(f"Two reports are called {report.slug!r}.")
    _reports[report.slug] = report
    return report


def register_filter(spec: FilterField) -> FilterField:
    _filter_fields[spec.name] = spec
    return spec


def all_reports() -> list[Report]:
    return list(_reports.values())


def get_report(slug: str) -> Report | None:
    return _reports.get(slug)


def reports_for(actor: Actor) -> list[Report]:
    return [r for r in _reports.values() if r.visible_to(actor)]


def filter_field(name: str) -> FilterField | None:
    return _filter_fields.get(name)
