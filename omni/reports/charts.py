"""Server-rendered SVG charts of a report (no charting library, no script, no external asset) and the
localised formatting of report values shared by the pages and the charts.

Two shapes: horizontal bars (one bar per label, the series side by side, or stacked with `Chart.stacked`) and
lines (labels, usually days, along x; one polyline per series). Axes use round ticks (1, 2, 5 x 10^n). Colours
come from CSS classes (.rc-s0 ... in app.css), text is escaped, and the <svg> carries role="img", a <title>
and a <desc> so screen readers announce what it shows."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from omni.formatting import format_money, format_number
from omni.reports.base import Column, Kind
from omni.reports.runner import ChartData

WIDTH = 760
PALETTE_SIZE = 8
_ids = itertools.count(1)


# --- values ------------------------------------------------------------------------------------------------


def format_value(kind: str, value: Any) -> str:
    """A value as a manager reads it, in the active language: € 1.234,50 / 12,5 % / 31/01/2025."""
    if value is None or value == "":
        return ""
    if kind == Kind.MONEY:
        return format_money(value)
    if kind == Kind.PERCENT:
        return (
            formats.number_format(Decimal(str(value)) * 100, 1, use_l10n=True, force_grouping=True)
            + "\u00a0%"
        )
    if kind == Kind.INT:
        return format_number(value)
    if kind == Kind.DECIMAL:
        return formats.number_format(value, 1, use_l10n=True, force_grouping=True)
    if kind == Kind.DATETIME and isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return formats.date_format(local, "SHORT_DATETIME_FORMAT", use_l10n=True)
    if kind in (Kind.DATE, Kind.DATETIME) and isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT", use_l10n=True)
    return str(value)


def _tick_text(kind: str, value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step > 0 and step < 1 else 0
    if kind == Kind.PERCENT:
        pct_decimals = max(0, -math.floor(math.log10(step * 100))) if 0 < step * 100 < 1 else 0
        return (
            formats.number_format(round(value * 100, pct_decimals), pct_decimals, use_l10n=True) + "\u00a0%"
        )
    text = formats.number_format(round(value, decimals), decimals, use_l10n=True, force_grouping=True)
    return "€\u00a0" + text if kind == Kind.MONEY else text


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (both included), about `count` of them: steps of 1, 2 or 5
    times a power of ten. An empty range gets [0, 1]-like ticks around its value."""
    if not math.isfinite(low) or not math.isfinite(high):
        low, high = 0.0, 1.0
    if high < low:
        low, high = high, low
    if high == low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    n = round((last - first) / step)
    return [round(first + i * step, 12) for i in range(n + 1)]


# --- the SVG -----------------------------------------------------------------------------------------------


def _columns_by_key(columns: Iterable[Column] | Mapping[str, Column]) -> dict[str, Column]:
    if isinstance(columns, Mapping):
        return dict(columns)
    return {c.key: c for c in columns}


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _label_text(kind: str, value: Any) -> str:
    return "—" if value is None else format_value(kind, value)


def _short(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(uid: str, width: int, height: int, title: str, desc: str, body: list[str], kind: str) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart report-chart-{escape(kind)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" aria-label="{escape(title)}" '
        f'preserveAspectRatio="xMinYMin meet" data-testid="report-chart">'
        f'<title id="{uid}-title">{escape(title)}</title><desc id="{uid}-desc">{escape(desc)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308  every text above and in body is escaped


def _legend(series: Sequence[str], cols: Mapping[str, Column], y: float) -> list[str]:
    if len(series) < 2:
        return []
    parts, x = [], 8.0
    for i, key in enumerate(series):
        label = str(cols[key].label) if key in cols else key
        parts.append(
            f'<g class="rc-legend-item"><rect class="rc-s{i % PALETTE_SIZE}" '
            f'x="{_fmt(x)}" y="{_fmt(y - 10)}" width="12" height="12" rx="2"/>'
            f'<text class="rc-legend" x="{_fmt(x + 17)}" y="{_fmt(y)}">'
            f"{escape(label)}</text></g>"
        )
        x += 17 + 7.2 * len(label) + 18
    return parts


def render_svg(
    data: ChartData | None,
    columns: Iterable[Column] | Mapping[str, Column],
    *,
    title: str | None = None,
) -> SafeString:
    """The chart of a page (runner.Page.chart) as inline SVG; `columns` are the report's columns (labels and
    kinds of the label and the series)."""
    cols = _columns_by_key(columns)
    uid = f"rc{next(_ids)}"
    if data is None:
        return _empty(uid, title or _("Chart"))
    chart = data.chart
    series = list(chart.series)
    label_col = cols.get(chart.label_key)
    series_labels = [str(cols[s].label) if s in cols else s for s in series]
    heading = (
        title
        or str(chart.title)
        or (
            _("%(series)s by %(label)s")
            % {
                "series": ", ".join(series_labels),
                "label": str(label_col.label) if label_col else chart.label_key,
            }
        )
    )
    values = [[float(v) for v in data.series.get(s, [])] for s in series]
    if not data.labels or not any(v for row in values for v in row):
        return _empty(uid, heading)
    label_kind = label_col.kind if label_col else Kind.TEXT
    value_kind = cols[series[0]].kind if series and series[0] in cols else Kind.INT
    if chart.kind == "line":
        return _line(uid, heading, data.labels, series, series_labels, values, label_kind, value_kind, cols)
    return _bars(
        uid, heading, data.labels, series, series_labels, values, chart.stacked, label_kind, value_kind, cols
    )


def chart_note(data: ChartData | None) -> str | None:
    """What a capped bar chart leaves out, said under it: "The chart shows only the largest 15 of 42; the
    table below lists all 42." (None when it shows every label)."""
    if data is None or not data.capped:
        return None
    total = format_number(data.groups)
    return _(
        "The chart shows only the largest %(shown)s of %(total)s; the table below lists all %(total)s."
    ) % {
        "shown": len(data.labels),
        "total": total,
    }


def _empty(uid: str, heading: str) -> SafeString:
    message = _("No data for these filters.")
    body = [
        f'<rect class="rc-frame" x="0.5" y="0.5" width="{WIDTH - 1}" height="79" rx="6"/>',
        f'<text class="rc-empty" x="{WIDTH / 2}" y="45" text-anchor="middle">{escape(message)}</text>',
    ]
    return _svg(uid, WIDTH, 80, heading, message, body, "empty")


def _bar_extent(values: list[list[float]], n: int, stacked: bool) -> tuple[list[float], list[float]]:
    """Per group, the lowest and highest value the axis must show: stacked, positive parts add up right of
    zero and negative ones left of it; side by side, the extremes of the series (and zero)."""
    if stacked:
        highs = [sum(max(0.0, row[i]) for row in values) for i in range(n)]
        lows = [sum(min(0.0, row[i]) for row in values) for i in range(n)]
    else:
        highs = [max([0.0, *(row[i] for row in values)]) for i in range(n)]
        lows = [min([0.0, *(row[i] for row in values)]) for i in range(n)]
    return lows, highs


def _bar_segments(
    values: list[list[float]], i: int, *, stacked: bool, grouped: bool, y0: float, band: float
) -> Iterator[tuple[int, float, float, float, float]]:
    """The bars of group `i`: (series index, value, where it starts on the value axis, y, height)."""
    pos, neg = 0.0, 0.0
    for s, row in enumerate(values):
        v = row[i] if i < len(row) else 0.0
        if stacked:
            start = pos if v >= 0 else neg + v
            if v >= 0:
                pos += v
            else:
                neg += v
            yield s, v, start, y0 + 4, band - 8
        else:
            bar_y = y0 + 5 + s * 14 if grouped else y0 + 4
            yield s, v, min(0.0, v), bar_y, (12.0 if grouped else band - 8)


def _bars(
    uid: str,
    heading: str,
    labels: list[Any],
    series: list[str],
    series_labels: list[str],
    values: list[list[float]],
    stacked: bool,
    label_kind: str,
    value_kind: str,
    cols: Mapping[str, Column],
) -> SafeString:
    n = len(labels)
    grouped = len(series) > 1 and not stacked
    band = 14.0 * len(series) + 10 if grouped else 24.0
    top = 30.0 if len(series) > 1 else 8.0
    left, right = 190.0, 24.0
    plot_w = WIDTH - left - right
    lows, highs = _bar_extent(values, n, stacked)
    ticks = nice_ticks(min(lows), max(highs))
    lo, hi = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot_w

    plot_h = band * n
    height = int(top + plot_h + 30)
    body = _legend(series, cols, 18)
    for t in ticks:
        tx = x(t)
        body.append(
            f'<line class="rc-grid" x1="{_fmt(tx)}" y1="{_fmt(top)}" '
            f'x2="{_fmt(tx)}" y2="{_fmt(top + plot_h)}"/>'
            f'<text class="rc-tick" x="{_fmt(tx)}" y="{_fmt(top + plot_h + 18)}" text-anchor="middle">'
            f"{escape(_tick_text(value_kind, t, step))}</text>"
        )
    zero = x(0.0)
    for i, label in enumerate(labels):
        y0 = top + i * band
        text = _label_text(label_kind, label)
        body.append(
            f"<g><title>{escape(text)}</title>"
            f'<text class="rc-label" x="{_fmt(left - 8)}" y="{_fmt(y0 + band / 2 + 4)}" text-anchor="end">'
            f"{escape(_short(text))}</text></g>"
        )
        for s, v, start, bar_y, bar_h in _bar_segments(
            values, i, stacked=stacked, grouped=grouped, y0=y0, band=band
        ):
            x1, x2 = x(start), x(start + abs(v))
            kind = cols[series[s]].kind if series[s] in cols else value_kind
            tip = f"{text} · {series_labels[s]}: {format_value(kind, v)}"
            body.append(
                f'<rect class="rc-bar rc-s{s % PALETTE_SIZE}" x="{_fmt(x1)}" y="{_fmt(bar_y)}" '
                f'width="{_fmt(max(0.0, x2 - x1))}" height="{_fmt(bar_h)}">'
                f"<title>{escape(tip)}</title></rect>"
            )
    body.append(
        f'<line class="rc-axis" x1="{_fmt(zero)}" y1="{_fmt(top)}" '
        f'x2="{_fmt(zero)}" y2="{_fmt(top + plot_h)}"/>'
    )
    first = ", ".join(
        f"{_label_text(label_kind, labels[i])}: {format_value(value_kind, values[0][i])}"
        for i in range(min(n, 3))
    )
    desc = _("Horizontal bar chart, %(count)s groups, largest first. %(first)s") % {
        "count": n,
        "first": first,
    }
    return _svg(uid, WIDTH, height, heading, desc, body, "bar")


def _line(
    uid: str,
    heading: str,
    labels: list[Any],
    series: list[str],
    series_labels: list[str],
    values: list[list[float]],
    label_kind: str,
    value_kind: str,
    cols: Mapping[str, Column],
) -> SafeString:
    n = len(labels)
    top = 30.0 if len(series) > 1 else 12.0
    left, right, plot_h = 80.0, 24.0, 220.0
    plot_w = WIDTH - left - right
    everything = [v for row in values for v in row]
    ticks = nice_ticks(min(0.0, *everything), max(0.0, *everything))
    lo, hi = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    dated = all(isinstance(v, dt.date) for v in labels)
    if dated and n > 1:
        day0 = labels[0].toordinal()
        span = max(1, labels[-1].toordinal() - day0)
        positions = [(label.toordinal() - day0) / span for label in labels]
    else:
        positions = [i / max(1, n - 1) for i in range(n)] if n > 1 else [0.5]

    def x(p: float) -> float:
        return left + p * plot_w

    def y(v: float) -> float:
        return top + plot_h - (v - lo) / (hi - lo) * plot_h

    body = _legend(series, cols, 18)
    for t in ticks:
        ty = y(t)
        body.append(
            f'<line class="rc-grid" x1="{_fmt(left)}" y1="{_fmt(ty)}" '
            f'x2="{_fmt(left + plot_w)}" y2="{_fmt(ty)}"/>'
            f'<text class="rc-tick" x="{_fmt(left - 8)}" y="{_fmt(ty + 4)}" text-anchor="end">'
            f"{escape(_tick_text(value_kind, t, step))}</text>"
        )
    body.append(
        f'<line class="rc-axis" x1="{_fmt(left)}" y1="{_fmt(y(0.0))}" x2="{_fmt(left + plot_w)}" '
        f'y2="{_fmt(y(0.0))}"/>'
    )
    # about six x labels, evenly spread, always the first and the last
    every = max(1, math.ceil(n / 6))
    shown = sorted({*range(0, n, every), n - 1})
    for i in shown:
        body.append(
            f'<text class="rc-tick" x="{_fmt(x(positions[i]))}" y="{_fmt(top + plot_h + 18)}" '
            f'text-anchor="middle">{escape(_label_text(label_kind, labels[i]))}</text>'
        )
    for s, row in enumerate(values):
        points = " ".join(f"{_fmt(x(positions[i]))},{_fmt(y(row[i]))}" for i in range(min(n, len(row))))
        css = f"rc-s{s % PALETTE_SIZE}"
        body.append(
            f'<polyline class="rc-line {css}" points="{points}">'
            f"<title>{escape(series_labels[s])}</title></polyline>"
        )
        if n <= 62:
            kind = cols[series[s]].kind if series[s] in cols else value_kind
            for i in range(min(n, len(row))):
                tip = (
                    f"{_label_text(label_kind, labels[i])} · {series_labels[s]}: {format_value(kind, row[i])}"
                )
                body.append(
                    f'<circle class="rc-dot {css}" cx="{_fmt(x(positions[i]))}" cy="{_fmt(y(row[i]))}" r="3">'
                    f"<title>{escape(tip)}</title></circle>"
                )
    height = int(top + plot_h + 30)
    totals = ", ".join(
        f"{series_labels[s]}: {format_value(value_kind, sum(values[s]))}" for s in range(len(series))
    )
    desc = _("Line chart from %(first)s to %(last)s, %(count)s points. Totals: %(totals)s") % {
        "first": _label_text(label_kind, labels[0]),
        "last": _label_text(label_kind, labels[-1]),
        "count": n,
        "totals": totals,
    }
    return _svg(uid, WIDTH, height, heading, desc, body, "line")
