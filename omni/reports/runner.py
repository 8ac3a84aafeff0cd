"""Running a report's query: one page (with the row count, the totals row and the chart in the same
statement, so the report's aggregation runs once per page), every row for an export (a server-side cursor,
so memory stays flat), and the planner's estimate of the row count (to send big exports to the background).

The reports' queries read from the read replica when there is one (omni/db_router.py: `report_query`, which
falls back to the primary); `Report.refresh`, which may write, runs on the primary before them.

Sort keys come from the URL: only a report's own column keys are accepted, and they are quoted as
identifiers; values always travel as parameters."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from omni.db_router import report_connection, report_query
from omni.reports.base import Chart, Column, Kind, Report, ReportFilters

MAX_PER_PAGE = 200
EXPORT_CHUNK = 2_000
T = TypeVar("T")


def _planned_for_its_parameters(work: Callable[[], T]) -> T:
    """`report_query(work)`, its statements never run as prepared statements. With server-side binding
    psycopg prepares what a connection runs again (OMNI_DB_PREPARE_THRESHOLD), and after five runs PostgreSQL
    may switch a prepared statement to a generic plan, blind to the dates and locations chosen: for a report
    that can mean a full scan for one store's figures (measured at `seed_demo --scale`: click and collect over
    a year for one store, 31 ms planned each time, 500 ms generic). Planning costs a report nothing."""

    def unprepared() -> T:
        conn = report_connection()
        conn.ensure_connection()
        raw = conn.connection
        before = raw.prepare_threshold
        raw.prepare_threshold = None
        try:
            return work()
        finally:
            raw.prepare_threshold = before

    return report_query(unprepared)


@dataclass
class ChartData:
    chart: Chart
    labels: list[Any]
    series: dict[str, list[Decimal]]
    groups: int = 0  # how many labels the rows have (bars keep the `chart.limit` largest of them)

    @property
    def capped(self) -> bool:
        return self.groups > len(self.labels)


@dataclass
class Page:
    rows: list[dict[str, Any]]
    count: int
    totals: dict[str, Any]
    number: int
    per_page: int
    sort: str
    chart: ChartData | None = None
    figures: list[Any] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def _ident(key: str) -> str:
    if not key.replace("_", "").isalnum():
        raise ValueError(f"Not a column key: {key!r}")
    return '"' + key + '"'


def _columns(report: Report, filters: ReportFilters | None) -> list[Column]:
    return list(report.columns) if filters is None else report.visible_columns(filters)


def normalise_sort(report: Report, sort: str | None, filters: ReportFilters | None = None) -> str:
    """The sort asked for if it names a sortable (and, with filters, visible) column ("-key" for
    descending), else the default, else the first visible column."""
    columns = _columns(report, filters)
    for candidate in (sort, report.default_sort):
        if candidate:
            key = candidate.removeprefix("-")
            if any(c.key == key and c.sortable for c in columns):
                return candidate
    return columns[0].key


def order_by(report: Report, sort: str, filters: ReportFilters | None = None) -> str:
    key = sort.removeprefix("-")
    direction = "DESC NULLS LAST" if sort.startswith("-") else "ASC NULLS LAST"
    # every column breaks ties, so a page never repeats or loses a row between two requests
    rest = ", ".join(_ident(c.key) for c in report.columns if c.key != key)
    return f"ORDER BY {_ident(key)} {direction}" + (f", {rest}" if rest else "")


def convert(kind: str, value: Any) -> Any:
    """A value read back from JSON (page) into its Python type."""
    if value is None:
        return None
    if kind in (Kind.MONEY, Kind.DECIMAL, Kind.PERCENT):
        return Decimal(str(value))
    if kind == Kind.INT:
        return int(value)
    if kind == Kind.DATE and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if kind == Kind.DATETIME and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def run_page(
    report: Report,
    filters: ReportFilters,
    *,
    sort: str | None = None,
    page: int = 1,
    per_page: int = 50,
    with_chart: bool = True,
) -> Page:
    """One page of the report, its row count, its totals and its chart groups, in one SQL statement."""
    sort = normalise_sort(report, sort, filters)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    report.refresh(filters)
    chart = _visible_chart(report, filters) if with_chart else None
    total_cols = [c for c in report.visible_columns(filters) if c.total]
    statement, args = _page_statement(report, filters, sort, page, per_page, total_cols, chart)

    def read() -> Page:
        with report_connection().cursor() as cursor:
            cursor.execute(statement, args)
            got = dict(cursor.fetchall())
        return _page_from(got, report, filters, sort, page, per_page, total_cols, chart)

    return _planned_for_its_parameters(read)


def _visible_chart(report: Report, filters: ReportFilters) -> Chart | None:
    """The report's chart over the series the filters leave visible (its fallback series, else none)."""
    chart = report.chart
    if chart is None:
        return None
    series = tuple(k for k in chart.series if k not in filters.hidden) or tuple(
        k for k in chart.fallback if k not in filters.hidden
    )
    return dataclasses.replace(chart, series=series) if series else None


def _chart_sql(chart: Chart) -> tuple[str, list[Any]]:
    """The chart's groups over the report's rows `r`: every label for lines, the top `limit` for bars."""
    label = _ident(chart.label_key)
    sums = ", ".join(f"sum({_ident(s)}) AS {_ident(s)}" for s in chart.series)
    if chart.kind == "line":
        return f"SELECT {label}, {sums} FROM r GROUP BY {label} ORDER BY {label}", []
    first = _ident(chart.series[0])
    total = " + ".join(f"coalesce(sum({_ident(s)}), 0)" for s in chart.series)
    ranking = total if chart.stacked else f"sum({first})"
    sql = (
        f"SELECT {label}, {sums}, count(*) OVER () AS __groups FROM r GROUP BY {label}"
        f" ORDER BY {ranking} DESC NULLS LAST, {label} LIMIT %s"
    )
    return sql, [chart.limit]


def _page_statement(
    report: Report,
    filters: ReportFilters,
    sort: str,
    page: int,
    per_page: int,
    total_cols: list[Column],
    chart: Chart | None,
) -> tuple[str, list[Any]]:
    """WITH the report's rows materialised once: the page (0), the count and totals (1), the chart (2)."""
    sql, params = report.query(filters)
    sums_select = [f"sum({_ident(c.key)}) AS {_ident(c.key)}" for c in total_cols]
    stats_select = ", ".join(["count(*) AS __count", *sums_select])
    parts = [
        f"WITH r AS MATERIALIZED ({sql}),",
        f" pg AS (SELECT * FROM r {order_by(report, sort, filters)} LIMIT %s OFFSET %s),",
        f" st AS (SELECT {stats_select} FROM r)",
    ]
    args: list[Any] = [*params, per_page, (page - 1) * per_page]
    tail = ""
    if chart is not None:
        chart_sql, chart_args = _chart_sql(chart)
        parts[-1] += f", ch AS ({chart_sql})"
        args += chart_args
        tail = " UNION ALL SELECT 2, (SELECT json_agg(row_to_json(ch))::text FROM ch)"
    statement = (
        "".join(parts)
        + " SELECT 0, (SELECT json_agg(row_to_json(pg))::text FROM pg)"
        + " UNION ALL SELECT 1, (SELECT row_to_json(st)::text FROM st)"
        + tail
    )
    return statement, args


def _page_from(
    got: dict[int, str | None],
    report: Report,
    filters: ReportFilters,
    sort: str,
    page: int,
    per_page: int,
    total_cols: list[Column],
    chart: Chart | None,
) -> Page:
    """The Page of the statement's three answers (JSON texts), values converted to their kinds."""
    kinds = {c.key: c.kind for c in report.columns}
    raw_rows = json.loads(got.get(0) or "[]", parse_float=Decimal)
    rows = [
        {k: convert(kinds.get(k, Kind.TEXT), v) for k, v in row.items() if k not in filters.hidden}
        for row in raw_rows
    ]
    stats = json.loads(got.get(1) or "{}", parse_float=Decimal)
    result = Page(
        rows=rows,
        count=int(stats.get("__count") or 0),
        totals={c.key: convert(c.kind, stats.get(c.key)) for c in total_cols},
        number=page,
        per_page=per_page,
        sort=sort,
        figures=report.figures(filters),
    )
    if chart is not None:
        chart_rows = json.loads(got.get(2) or "[]", parse_float=Decimal)
        label_kind = kinds.get(chart.label_key, Kind.TEXT)
        result.chart = ChartData(
            chart=chart,
            labels=[convert(label_kind, r[chart.label_key]) for r in chart_rows],
            series={s: [Decimal(str(r[s] or 0)) for r in chart_rows] for s in chart.series},
            groups=int(chart_rows[0].get("__groups") or 0) if chart_rows else 0,
        )
    return result


def iter_rows(
    report: Report, filters: ReportFilters, *, sort: str | None = None
) -> Iterator[tuple[Any, ...]]:
    """Every row, in the columns' order, through a server-side cursor fetched EXPORT_CHUNK rows at a time.

    The cursor is opened and its first chunk read before the first row is yielded, inside `report_query` (so
    a replica that fails that far is replaced by the primary; later, the export fails), and the replica's
    block is left before yielding (it must not spill into the code consuming the rows)."""
    sort = normalise_sort(report, sort, filters)
    report.refresh(filters)
    sql, params = report.query(filters)
    cols = ", ".join(_ident(c.key) for c in report.visible_columns(filters))
    statement = f"SELECT {cols} FROM ({sql}) AS r {order_by(report, sort, filters)}"

    def open_cursor() -> tuple[Any, list[tuple[Any, ...]]]:
        conn = report_connection()
        conn.ensure_connection()
        cursor = conn.chunked_cursor()
        try:
            cursor.itersize = EXPORT_CHUNK  # type: ignore[attr-defined]
            cursor.execute(statement, params)
            return cursor, cursor.fetchmany(EXPORT_CHUNK)
        except BaseException:
            cursor.close()
            raise

    cursor, chunk = report_query(open_cursor)
    with cursor:
        while chunk:
            yield from chunk
            chunk = cursor.fetchmany(EXPORT_CHUNK)


def estimate_rows(report: Report, filters: ReportFilters) -> int:
    """The planner's estimate of the number of rows (EXPLAIN, nothing run)."""
    sql, params = report.query(filters)

    def explain() -> Any:
        with report_connection().cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            return cursor.fetchone()[0]

    plan = _planned_for_its_parameters(explain)
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def count_rows(report: Report, filters: ReportFilters) -> int:
    report.refresh(filters)
    sql, params = report.query(filters)

    def count() -> int:
        with report_connection().cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({sql}) AS r", params)
            return int(cursor.fetchone()[0])

    return _planned_for_its_parameters(count)
