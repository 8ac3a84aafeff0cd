"""Click and collect: orders, ready, collected, no-shows and the time to ready, per pickup store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from omni.reports.base import (
    SQL,
    Chart,
    Column,
    Figure,
    Kind,
    Report,
    ReportFilters,
)
from omni.reports.sql import Where

if TYPE_CHECKING:
    pass

from orders.reports.common import EXPIRED, one_row, ratio, window

HOURS_TO_READY = "EXTRACT(EPOCH FROM (o.ready_at - o.created_at)) / 3600.0"


class ClickAndCollect(Report):
    slug = "click-and-collect"
    title = _("Click and collect")
    group = "channels"
    description = _(
        "Click-and-collect orders placed in the period (local days), by pickup store: how many were made "
        "ready, how long that took (from the order to ready, in hours) and whether it was by the promised "
        "time; then collected, no-shows (the hold passed and the order was cancelled), otherwise cancelled, "
        "and still waiting. Pickup rate = collected / made ready; no-show rate = no-shows / made ready "
        "(as on the dashboard)."
    )
    columns = (
        Column("location", _("Location")),
        Column("location_name", _("Location name")),
        Column("orders", _("Orders"), Kind.INT, total=True),
        Column("ready", _("Made ready"), Kind.INT, total=True),
        Column("avg_hours_to_ready", _("Average hours to ready"), Kind.DECIMAL),
        Column("median_hours_to_ready", _("Median hours to ready"), Kind.DECIMAL),
        Column("on_time_share", _("Ready on time"), Kind.PERCENT),
        Column("collected", _("Collected"), Kind.INT, total=True),
        Column("no_shows", _("No-shows"), Kind.INT, total=True),
        Column("cancelled", _("Cancelled otherwise"), Kind.INT, total=True),
        Column("waiting", _("Still waiting"), Kind.INT, total=True),
        Column("pickup_rate", _("Pickup rate"), Kind.PERCENT),
        Column("no_show_rate", _("No-show rate"), Kind.PERCENT),
    )
    filters = frozenset({"dates", "location", "channel"})
    default_sort = "-orders"
    chart = Chart(
        kind="bar",
        label_key="location",
        series=("collected", "no_shows"),
        stacked=True,
        title=_("Collected and no-shows by store"),
    )

    def _where(self, filters: ReportFilters) -> Where:
        start, end = window(filters, self.default_days)
        where = Where()
        where.add("o.fulfilment_type = 'pickup' AND o.location_id IS NOT NULL")
        where.add("o.created_at >= %s AND o.created_at < %s", start, end)
        if filters.channel:
            where.add("o.channel = %s", filters.channel)
        if filters.location_ids is not None:
            where.add("o.location_id = ANY(%s)", list(filters.location_ids))
        return where

    def query(self, filters: ReportFilters) -> SQL:
        where = self._where(filters)
        sql = f"""
            SELECT loc.code AS location, loc.name AS location_name, g.orders, g.ready,
                   round(g.avg_hours::numeric, 1) AS avg_hours_to_ready,
                   round(g.median_hours::numeric, 1) AS median_hours_to_ready,
                   round(g.on_time::numeric / NULLIF(g.promised, 0), 4) AS on_time_share,
                   g.collected, g.no_shows, g.cancelled, g.waiting,
                   round(g.collected::numeric / NULLIF(g.ready, 0), 4) AS pickup_rate,
                   round(g.no_shows::numeric / NULLIF(g.ready, 0), 4) AS no_show_rate
            FROM (
                SELECT o.location_id,
                       count(*) AS orders,
                       count(*) FILTER (WHERE o.ready_at IS NOT NULL) AS ready,
                       avg({HOURS_TO_READY}) FILTER (WHERE o.ready_at IS NOT NULL) AS avg_hours,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY {HOURS_TO_READY})
                           FILTER (WHERE o.ready_at IS NOT NULL) AS median_hours,
                       count(*) FILTER (WHERE o.ready_at <= o.promised_ready_at) AS on_time,
                       count(*) FILTER (
                           WHERE o.ready_at IS NOT NULL AND o.promised_ready_at IS NOT NULL
                       ) AS promised,
                       count(*) FILTER (WHERE o.status = 'collected') AS collected,
                       count(*) FILTER (WHERE o.status = 'cancelled' AND o.cancel_reason = %s) AS no_shows,
                       count(*) FILTER (WHERE o.status = 'cancelled' AND o.cancel_reason <> %s) AS cancelled,
                       count(*) FILTER (WHERE o.status IN ('placed', 'ready_for_pickup')) AS waiting
                FROM orders_order o
                WHERE {where.sql}
                GROUP BY o.location_id
            ) AS g
            JOIN stores_location loc ON loc.id = g.location_id
        """
        return sql, [EXPIRED, EXPIRED, *where.params]

    def figures(self, filters: ReportFilters) -> list[Figure]:
        where = self._where(filters)
        got = one_row(
            f"""
            SELECT count(*) FILTER (WHERE o.ready_at IS NOT NULL) AS ready,
                   count(*) FILTER (WHERE o.status = 'collected') AS collected,
                   count(*) FILTER (WHERE o.status = 'cancelled' AND o.cancel_reason = %s) AS no_shows,
                   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY {HOURS_TO_READY})
                       FILTER (WHERE o.ready_at IS NOT NULL))::numeric, 1) AS median_hours
            FROM orders_order o
            WHERE {where.sql}
            """,
            [EXPIRED, *where.params],
        )
        return [
            Figure(_("Made ready"), int(got.get("ready") or 0), Kind.INT),
            Figure(_("Pickup rate"), ratio(got.get("collected"), got.get("ready")), Kind.PERCENT),
            Figure(_("No-show rate"), ratio(got.get("no_shows"), got.get("ready")), Kind.PERCENT),
            Figure(_("Median hours to ready"), got.get("median_hours"), Kind.DECIMAL),
        ]
