"""CSV and XLSX exports: read back (csv module, openpyxl) with their values and types, the attachment headers,
big exports sent to the background, bad input, and flat memory while streaming."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tracemalloc
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.http import HttpResponse
from django.urls import include, path, reverse
from django.utils import timezone

from omni.reports import exports, xlsx
from omni.reports import urls as report_urls
from omni.reports.base import Column, Kind, Report, ReportFilters
from tests.omni.factories import UserFactory
from tests.omni.test_reports_platform import LocationsReport, make_network, register_test_reports

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def registered(monkeypatch):
    return register_test_reports(monkeypatch)


@pytest.fixture
def network(db):
    return make_network()


@pytest.fixture
def hq(db):
    return UserFactory(username="hq", role="hq_manager")


def _run_create(request, slug):  # a stand-in for the background-run page (omni/reports/views/jobs.py)
    return HttpResponse("run " + slug)


# a URLconf with a "reports:run-create" page, whether or not the background runs are there yet
urlpatterns = [
    path(
        "reports/",
        include(
            (
                [*report_urls.urlpatterns, path("<slug:slug>/run-test/", _run_create, name="run-create")],
                "reports",
            )
        ),
    ),
    path("", include("omni.urls")),
]


def export_url(slug: str = "test-locations") -> str:
    return reverse("reports:export", args=[slug])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_csv_export_reads_back(client, registered, network, hq):
    client.force_login(hq)
    response = client.get(export_url(), {"format": "csv", "sort": "-prep_fee"}, **EN)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate()
    assert response["Content-Disposition"] == f'attachment; filename="test-locations-{today:%Y-%m-%d}.csv"'
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Code", "City", "Hold days", "Preparation fee", "Share", "Opened", "Note"]
    assert [r[0] for r in rows[1:]] == ["TA-05", "TA-01", "TA-04", "TA-02", "TA-03"]
    assert rows[1][1:6] == ["Napoli", "1", "50.00", "0.0500", (today - dt.timedelta(days=3)).isoformat()]
    assert rows[5][3] == "6.25"


def test_csv_export_in_italian_splits_on_semicolons_with_decimal_commas(client, registered, network, hq):
    client.force_login(hq)
    response = client.get(export_url(), {"format": "csv", "sort": "-prep_fee"}, HTTP_ACCEPT_LANGUAGE="it")
    text = body(response).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert (len(rows[0]) == 7 and rows[0][0] == "Codice") or len(rows[0]) == 7
    assert rows[1][1:5] == ["Napoli", "1", "50,00", "0,0500"]
    assert rows[5][3] == "6,25"
    assert rows[1][5] == (timezone.localdate() - dt.timedelta(days=3)).isoformat()  # dates stay ISO


def test_xlsx_export_reads_back_with_types(client, registered, network, hq):
    client.force_login(hq)
    response = client.get(export_url(), {"format": "xlsx", "sort": "code"}, **EN)
    assert response.status_code == 200
    assert response["Content-Type"] == exports.CONTENT_TYPES["xlsx"]
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    sheet = workbook.active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["Code", "City", "Hold days", "Preparation fee", "Share", "Opened", "Note"]
    assert len(values) == 6
    code, city, hold, fee, share, opened, note = values[1]
    assert (code, city, hold) == ("TA-01", "Milano", 7) and isinstance(hold, int)
    assert fee == pytest.approx(25.0) and isinstance(fee, float)
    assert share == pytest.approx(0.35)
    assert isinstance(opened, dt.datetime) and opened.date() == timezone.localdate()
    assert note == "Via Roma 1"
    assert sheet["D2"].number_format == "#,##0.00"
    assert sheet["E2"].number_format == "0.0%"
    assert sheet["F2"].is_date
    assert sheet["A1"].font.b
    assert sum(r[2] for r in values[1:]) == 30


def test_bad_format_and_bad_filters_are_400(client, registered, network, hq):
    client.force_login(hq)
    assert client.get(export_url(), {"format": "pdf"}).status_code == 400
    assert client.get(export_url()).status_code == 400
    response = client.get(export_url(), {"format": "csv", "date_from": "2025-02-01", "date_to": "2025-01-01"})
    assert response.status_code == 400


@pytest.mark.urls(__name__)
def test_big_exports_go_to_the_background(client, registered, network, hq, monkeypatch):
    client.force_login(hq)
    monkeypatch.setattr(LocationsReport, "background_rows", 0)
    response = client.get(export_url(), {"format": "xlsx", "location": network["TA-01"].pk})
    assert response.status_code == 302
    target = response["Location"]
    assert target.startswith(reverse("reports:run-create", args=["test-locations"]) + "?")
    assert "format=xlsx" in target and f"location={network['TA-01'].pk}" in target
    monkeypatch.setattr(LocationsReport, "background_rows", 100_000)
    assert client.get(export_url(), {"format": "xlsx"}).status_code == 200


def test_csv_neutralises_formulas_and_xlsx_drops_illegal_characters():
    filters = ReportFilters()
    tz = dt.UTC
    assert exports.csv_value(Kind.TEXT, '=HYPERLINK("x")', tz) == '\'=HYPERLINK("x")'
    assert exports.csv_value(Kind.TEXT, "-5", tz) == "'-5"
    assert exports.csv_value(Kind.INT, -5, tz) == "-5"
    assert exports.csv_value(Kind.MONEY, Decimal("3.5"), tz) == "3.50"
    moment = dt.datetime(2025, 3, 30, 1, 30, tzinfo=dt.UTC)  # 03:30 in Rome (summer time from 02:00)
    assert (
        exports.csv_value(Kind.DATETIME, moment, dt.timezone(dt.timedelta(hours=2))) == "2025-03-30 03:30:00"
    )
    assert filters.tz == "Europe/Rome"

    writer = xlsx.XlsxWriter(
        ["Name", "When", "N"], [Kind.TEXT, Kind.DATETIME, Kind.DECIMAL], sheet_name="A/B: c?"
    )
    writer.add_row(["bell\x07 & <tag> ", dt.datetime(2025, 1, 2, 12, 0), Decimal("1E+3")])
    writer.add_row([None, None, float("nan")])
    writer.add_row(["last", None, 2])
    data = writer.drain() + writer.close()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["A B  c"]
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1] == ("bell & <tag> ", dt.datetime(2025, 1, 2, 12, 0), 1000)
    assert rows[2:] == [(None, None, None), ("last", None, 2)]


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)  # header + 2 rows a sheet
    writer = xlsx.XlsxWriter(["N"], [Kind.INT], sheet_name="Numbers")
    for n in range(5):
        writer.add_row([n])
    book = openpyxl.load_workbook(io.BytesIO(writer.drain() + writer.close()))
    assert book.sheetnames == ["Numbers", "Numbers (2)", "Numbers (3)"]
    assert [[c for (c,) in s.iter_rows(values_only=True)] for s in book.worksheets] == [
        ["N", 0, 1],
        ["N", 2, 3],
        ["N", 4],
    ]


class SeriesReport(Report):
    """Many rows from generate_series: for streaming and memory."""

    slug = "test-series"
    title = "Series"
    group = "stock"
    columns = (
        Column("n", "N", Kind.INT, total=True),
        Column("label", "Label"),
        Column("amount", "Amount", Kind.MONEY, total=True),
        Column("day", "Day", Kind.DATE),
    )
    default_sort = "n"

    def __init__(self, rows: int) -> None:
        self.rows = rows

    def query(self, filters: ReportFilters):
        return (
            "SELECT n, 'SKU-' || n AS label, (n * 0.01)::numeric(12, 2) AS amount, "
            "DATE '2025-01-01' + (n %% 365) AS day FROM generate_series(1, %s) AS n",
            [self.rows],
        )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_stream_in_chunks_with_flat_memory(db, fmt):
    rows = 40_000
    seen: list[int] = []
    chunks = exports.chunks(fmt, SeriesReport(rows), ReportFilters(), progress=seen.append)
    total = 0
    count = 0
    tracemalloc.start()
    try:
        for chunk in chunks:
            total += len(chunk)
            count += 1
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count > 10, "the export leaves in many chunks, not one"
    assert seen[:2] == [5_000, 10_000] and seen[-1] == rows
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for {total / 1e6:.1f} MB of {fmt}"
    if fmt == "xlsx":
        assert total < 3 * 1024 * 1024  # compressed


def test_large_xlsx_reads_back(db):
    out = io.BytesIO()
    for chunk in exports.xlsx_chunks(SeriesReport(12_345), ReportFilters(), sort="-n"):
        out.write(chunk)
    with zipfile.ZipFile(out) as archive:
        assert "[Content_Types].xml" in archive.namelist() and archive.testzip() is None
    book = openpyxl.load_workbook(out, read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 12_346
    assert rows[1] == (
        12_345,
        "SKU-12345",
        pytest.approx(123.45),
        dt.datetime(2025, 1, 1) + dt.timedelta(days=12_345 % 365),
    )
    assert rows[-1][0] == 1
