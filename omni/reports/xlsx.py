"""A small streaming XLSX (Office Open XML) writer: rows in, zip bytes out, memory flat whatever the size.

zipfile writes to a sink that cannot seek (so every member is written once, with a data descriptor), and
the caller drains the sink after each batch of rows. Cells are inline strings (no shared-string table to
hold in memory), numbers as numbers, dates as serial numbers with a date style. A sheet holds at most
1,048,576 rows (Excel's limit): longer exports continue on the next sheet, header repeated.

    writer = XlsxWriter(["SKU", "On hand"], ["text", "int"], sheet_name="Stock")
    for row in rows:
        writer.add_row(row)
        yield writer.drain()
    yield writer.close()
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from omni.reports.base import Kind

MAX_ROWS = 1_048_576  # per sheet, header included
MAX_SHEET_BYTES = 1_900_000_000  # under zipfile's ZIP64_LIMIT (2 GiB - 1) with room for the last batch
MAX_CELL_CHARS = 32_767
EPOCH = dt.date(1899, 12, 30)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

# cellXfs indexes (see STYLES)
STYLE_HEADER, STYLE_MONEY, STYLE_PERCENT, STYLE_DATE, STYLE_DATETIME, STYLE_INT, STYLE_DECIMAL = (
    1,
    2,
    3,
    4,
    5,
    6,
    7,
)
KIND_STYLE = {
    Kind.MONEY: STYLE_MONEY,
    Kind.PERCENT: STYLE_PERCENT,
    Kind.DATE: STYLE_DATE,
    Kind.DATETIME: STYLE_DATETIME,
    Kind.INT: STYLE_INT,
    Kind.DECIMAL: STYLE_DECIMAL,
}
KIND_WIDTH = {Kind.TEXT: 28, Kind.DATE: 12, Kind.DATETIME: 18, Kind.MONEY: 14, Kind.PERCENT: 10}

STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{_MAIN_NS}">
<numFmts count="3"><numFmt numFmtId="164" formatCode="0.0%"/>
<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd"/>
<numFmt numFmtId="166" formatCode="yyyy\\-mm\\-dd\\ hh:mm"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>
<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill>
<fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="8">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


def clean_text(value: str) -> str:
    """Text as XML may carry it: characters illegal in XML 1.0 dropped, at most Excel's 32,767 per cell."""
    return _ILLEGAL.sub("", value)[:MAX_CELL_CHARS]


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def excel_serial(value: dt.date | dt.datetime) -> float:
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - dt.datetime.combine(EPOCH, dt.time.min)
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    return float((value - EPOCH).days)


def _number(value: Any) -> str | None:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return None


class _Sink:
    """Where zipfile writes: a list of byte strings, handed over (and forgotten) by drain()."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts = []
        return data


class XlsxWriter:
    def __init__(
        self,
        headers: Sequence[str],
        kinds: Sequence[str],
        *,
        sheet_name: str = "Report",
        datetime_tz: dt.tzinfo | None = None,
    ) -> None:
        self.headers = [str(h) for h in headers]
        self.kinds = list(kinds)
        self.sheet_name = _sheet_name(sheet_name)
        self.datetime_tz = datetime_tz
        self.letters = [column_letter(i) for i in range(len(self.headers))]
        self.sink = _Sink()
        self.zip = zipfile.ZipFile(
            self.sink,  # type: ignore[call-overload]  # write() is all zipfile needs from an unseekable sink
            "w",
            compression=zipfile.ZIP_DEFLATED,
            compresslevel=6,
        )
        self.sheets = 0
        self.row_in_sheet = 0
        self.stream: Any = None
        self.pending: list[str] = []
        self._open_sheet()

    # -- rows -----------------------------------------------------------------------------------------------

    def _open_sheet(self) -> None:
        self.sheets += 1
        # no Zip64 (Office is wary of it): a sheet ends before 2 GiB uncompressed (see MAX_SHEET_BYTES)
        self.stream = self.zip.open(f"xl/worksheets/sheet{self.sheets}.xml", "w")
        self.sheet_bytes = 0
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{KIND_WIDTH.get(kind, 12)}" customWidth="1"/>'
            for i, kind in enumerate(self.kinds)
        )
        self.stream.write(
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
                '<sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                "</sheetView></sheetViews>" + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>"
            ).encode()
        )
        self.row_in_sheet = 0
        self._write_row(self.headers, header=True)

    def _close_sheet(self) -> None:
        self._flush_pending()
        self.stream.write(b"</sheetData></worksheet>")
        self.stream.close()

    def _write_row(self, values: Sequence[Any], *, header: bool = False) -> None:
        self.row_in_sheet += 1
        r = self.row_in_sheet
        cells = []
        for letter, kind, value in zip(self.letters, self.kinds, values, strict=False):
            ref = f"{letter}{r}"
            if value is None or value == "":
                continue
            if header:
                cells.append(_inline(ref, str(value), STYLE_HEADER))
                continue
            style = KIND_STYLE.get(kind, 0)
            if isinstance(value, dt.datetime):
                if self.datetime_tz is not None and value.tzinfo is not None:
                    value = value.astimezone(self.datetime_tz)
                serial = excel_serial(value)
                date_style = STYLE_DATETIME if kind != Kind.DATE else STYLE_DATE
                cells.append(f'<c r="{ref}" s="{date_style}"><v>{serial!r}</v></c>')
            elif isinstance(value, dt.date):
                cells.append(f'<c r="{ref}" s="{STYLE_DATE}"><v>{int(excel_serial(value))}</v></c>')
            elif isinstance(value, float | Decimal) and not math.isfinite(value):
                continue  # NaN / infinity: an empty cell
            elif (number := _number(value)) is not None:
                cells.append(
                    f'<c r="{ref}" s="{style}"><v>{number}</v></c>'
                    if style
                    else f'<c r="{ref}"><v>{number}</v></c>'
                )
            else:
                cells.append(_inline(ref, str(value), 0))
        self.pending.append(f'<row r="{r}">{"".join(cells)}</row>')
        if len(self.pending) >= 500:
            self._flush_pending()

    def _flush_pending(self) -> None:
        if self.pending:
            data = "".join(self.pending).encode("utf-8")
            self.stream.write(data)
            self.sheet_bytes += len(data)
            self.pending = []

    def add_row(self, values: Sequence[Any]) -> None:
        if self.row_in_sheet >= MAX_ROWS or self.sheet_bytes >= MAX_SHEET_BYTES:
            self._close_sheet()
            self._open_sheet()
        self._write_row(values)

    def abort(self) -> None:
        """Give up half-way (the client went away): release the archive without finishing it."""
        try:
            self.stream.close()
            self.zip.close()
        except (ValueError, OSError, RuntimeError):
            pass
        self.sink.take()

    def drain(self) -> bytes:
        """The bytes of the archive produced so far (and not yet handed over)."""
        self._flush_pending()
        return self.sink.take()

    # -- the end --------------------------------------------------------------------------------------------

    def close(self) -> bytes:
        """Finish the workbook: the last sheet, the package parts, the zip directory. The remaining bytes."""
        self._close_sheet()
        sheets = range(1, self.sheets + 1)
        names = [self.sheet_name if i == 1 else _sheet_name(f"{self.sheet_name} ({i})") for i in sheets]
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in sheets
        )
        parts = {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                f"{overrides}</Types>"
            ),
            "_rels/.rels": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{_PKG_REL_NS}">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                'officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>'
                + "".join(
                    f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                    for i, name in zip(sheets, names, strict=True)
                )
                + "</sheets></workbook>"
            ),
            "xl/_rels/workbook.xml.rels": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{_PKG_REL_NS}">'
                + "".join(
                    f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                    for i in sheets
                )
                + f'<Relationship Id="rId{self.sheets + 1}" Type="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>'
            ),
            "xl/styles.xml": STYLES,
        }
        for name, text in parts.items():
            self.zip.writestr(name, text.encode("utf-8"))
        self.zip.close()
        return self.sink.take()


def _inline(ref: str, text: str, style: int) -> str:
    text = clean_text(text)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{s}><is><t{space}>{escape(text)}</t></is></c>'


def _sheet_name(name: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\ ."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", clean_text(name)).strip().strip("'") or "Report"
    return cleaned[:31]
