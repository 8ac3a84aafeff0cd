"""CSV and XLSX exports of a report, streamed: rows come from runner.iter_rows (a server-side cursor) and
leave as bytes a batch at a time, so memory stays flat for millions of rows.

CSV: UTF-8 with a BOM (spreadsheets then read accents right), a header row of the column labels in the active
language, ISO dates, local date-times; percentages stay fractions (0.125), as in XLSX where the cell is
styled as a percentage. Separators follow the active language as its spreadsheets expect: in English
`,` between fields and `.` in decimals; where the decimal mark is a comma (Italian), `;` between fields
and `,` in decimals (Italian Excel splits a file on `;` and reads `3,50` as a number). Text that a
spreadsheet would run as a formula (=, +, -, @) gets a leading apostrophe (CSV injection).

Both functions read the labels (and the active language) when called, not when the first chunk is pulled,
so a streaming response sends the language of its request."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import formats, timezone

from omni.reports import runner
from omni.reports.base import Kind, Report, ReportFilters
from omni.reports.xlsx import XlsxWriter

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PROGRESS_EVERY = 5_000
BATCH = 1_000  # rows per chunk of bytes handed to the response
Progress = Callable[[int], Any]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CENT = Decimal("0.01")


def export_filename(report: Report, fmt: str) -> str:
    return f"{report.slug}-{timezone.localdate():%Y-%m-%d}.{fmt}"


def csv_separators() -> tuple[str, str]:
    """(field delimiter, decimal mark) for the active language."""
    decimal = str(formats.get_format("DECIMAL_SEPARATOR"))
    return (";" if decimal == "," else ","), decimal


def csv_value(kind: str, value: Any, tz: dt.tzinfo, decimal: str = ".") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        local = value.astimezone(tz) if value.tzinfo is not None else value
        return local.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        if kind == Kind.MONEY:
            value = value.quantize(_CENT)
        return format(value, "f").replace(".", decimal)
    if isinstance(value, float):
        return str(value).replace(".", decimal)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_chunks(
    report: Report,
    filters: ReportFilters,
    *,
    sort: str | None = None,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    columns = report.visible_columns(filters)
    headers = [str(c.label) for c in columns]
    kinds = [c.kind for c in columns]
    tz = ZoneInfo(filters.tz)
    delimiter, decimal = csv_separators()

    def generate() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(headers)
        yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        done = 0
        for row in runner.iter_rows(report, filters, sort=sort):
            writer.writerow([csv_value(k, v, tz, decimal) for k, v in zip(kinds, row, strict=False)])
            done += 1
            if done % BATCH == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done)
        tail = buffer.getvalue()
        if tail:
            yield tail.encode("utf-8")
        if progress is not None:
            progress(done)

    return generate()


def xlsx_chunks(
    report: Report,
    filters: ReportFilters,
    *,
    sort: str | None = None,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    columns = report.visible_columns(filters)
    headers = [str(c.label) for c in columns]
    kinds = [c.kind for c in columns]
    sheet_name = str(report.title)
    tz = ZoneInfo(filters.tz)

    def generate() -> Iterator[bytes]:
        writer = XlsxWriter(headers, kinds, sheet_name=sheet_name, datetime_tz=tz)
        done = 0
        finished = False
        try:
            for row in runner.iter_rows(report, filters, sort=sort):
                writer.add_row(row)
                done += 1
                if done % BATCH == 0:
                    data = writer.drain()
                    if data:
                        yield data
                if progress is not None and done % PROGRESS_EVERY == 0:
                    progress(done)
            last = writer.close()
            finished = True
        finally:
            if not finished:
                writer.abort()
        yield last
        if progress is not None:
            progress(done)

    return generate()


def chunks(
    fmt: str,
    report: Report,
    filters: ReportFilters,
    *,
    sort: str | None = None,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """csv_chunks or xlsx_chunks by name ("csv" | "xlsx")."""
    if fmt == "csv":
        return csv_chunks(report, filters, sort=sort, progress=progress)
    if fmt == "xlsx":
        return xlsx_chunks(report, filters, sort=sort, progress=progress)
    raise ValueError(f"Unknown export format {fmt!r}")
