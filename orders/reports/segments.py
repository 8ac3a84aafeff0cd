"""The "segment sizes" report: each customer segment's member count day by day, from the daily snapshot
(orders.services.segments.snapshot_segment_sizes, beat at 04:10). Segments are the whole network's
customers, so a store manager sees the same figures as HQ."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omni.reports.base import SQL, Chart, Column, Kind, Report, ReportFilters
from orders.models import Segment, SegmentSize

if TYPE_CHECKING:
    from omni.actors import Actor


class SegmentSizes(Report):
    slug = "segment-sizes"
    title = _("Segment sizes")
    group = "channels"
    description = _(
        "Each customer segment's members day by day, as counted every night (04:10) from the segment's "
        "rules: how a segment grows or shrinks as customers buy, lapse or change tier. Today's live count "
        "is on the segment's page. The chart adds up the segments listed: choose one to follow it alone."
    )
    columns = (
        Column("day", _("Day"), Kind.DATE),
        Column("segment", _("Segment"), Kind.TEXT),
        Column("code", _("Code"), Kind.TEXT),
        Column("members", _("Members"), Kind.INT),
    )
    filters = frozenset({"dates"})
    default_sort = "-day"
    default_days = 90
    chart = Chart(kind="line", label_key="day", series=("members",), title=_("Members by day"))

    def extra_fields(self, actor: Actor) -> dict[str, forms.Field]:
        choices = [("", _("All segments")), *Segment.objects.order_by("name").values_list("code", "name")]
        return {"segment": forms.ChoiceField(label=_("Segment"), choices=choices, required=False)}

    def query(self, filters: ReportFilters) -> SQL:
        date_to = filters.date_to or timezone.localdate()
        date_from = filters.date_from or date_to - dt.timedelta(days=self.default_days - 1)
        sql = f"""
            SELECT z.day, s.name AS segment, s.code, z.members
            FROM {SegmentSize._meta.db_table} z
            JOIN {Segment._meta.db_table} s ON s.id = z.segment_id
            WHERE z.day >= %s AND z.day <= %s AND (%s = '' OR s.code = %s)
        """
        code = str(filters.extra.get("segment") or "")
        return sql, [date_from, date_to, code, code]
