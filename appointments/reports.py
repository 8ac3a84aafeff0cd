"""The appointments report of the reports platform (omni.reports), registered in appointments.wiring: per
store, service and week, the appointments booked, completed, cancelled, no-shows and the no-show rate."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omni.reports.base import SQL, Chart, Column, Figure, Kind, Report, ReportFilters
from omni.reports.sql import Where
from orders.reports.common import one_row, ratio, window

COUNTS = """
    count(*) AS booked,
    count(*) FILTER (WHERE a.status = 'completed') AS completed,
    count(*) FILTER (WHERE a.status = 'cancelled') AS cancelled,
    count(*) FILTER (WHERE a.status = 'no_show') AS no_shows,
    count(*) FILTER (WHERE a.status = 'booked') AS open
"""


class AppointmentsReport(Report):
    slug = "appointments"
    title = _("Appointments")
    group = "channels"
    description = _(
        "Appointments starting in the period (local days), by store, service and week (the Monday it starts "
        "on): how many were booked, completed, cancelled, no-shows (the customer did not come) and still "
        "booked (not marked yet). No-show rate = no-shows / (completed + no-shows)."
    )
    columns = (
        Column("week", _("Week"), Kind.DATE),
        Column("location", _("Location")),
        Column("location_name", _("Location name")),
        Column("service", _("Service")),
        Column("booked", _("Booked"), Kind.INT, total=True),
        Column("completed", _("Completed"), Kind.INT, total=True),
        Column("cancelled", _("Cancelled"), Kind.INT, total=True),
        Column("no_shows", pgettext_lazy("appointments", "No-shows"), Kind.INT, total=True),
        Column("open", _("Not marked yet"), Kind.INT, total=True),
        Column("no_show_rate", pgettext_lazy("appointments", "No-show rate"), Kind.PERCENT),
    )
    filters = frozenset({"dates", "location"})
    default_sort = "week"
    chart = Chart(
        kind="bar",
        label_key="location",
        series=("completed", "no_shows", "cancelled"),
        stacked=True,
        title=_("Appointments by store"),
    )

    def _where(self, filters: ReportFilters) -> Where:
        start, end = window(filters, self.default_days)
        where = Where()
        where.add("a.start >= %s AND a.start < %s", start, end)
        if filters.location_ids is not None:
            where.add("a.location_id = ANY(%s)", list(filters.location_ids))
        return where

    def query(self, filters: ReportFilters) -> SQL:
        where = self._where(filters)
        sql = f"""
            SELECT g.week, loc.code AS location, loc.name AS location_name, s.name AS service,
                   g.booked, g.completed, g.cancelled, g.no_shows, g.open,
                   round(g.no_shows::numeric / NULLIF(g.completed + g.no_shows, 0), 4) AS no_show_rate
            FROM (
                SELECT a.location_id, a.service_id,
                       date_trunc('week', a.start AT TIME ZONE %s)::date AS week,
                       {COUNTS}
                FROM appointments_appointment a
                WHERE {where.sql}
                GROUP BY 1, 2, 3
            ) AS g
            JOIN stores_location loc ON loc.id = g.location_id
            JOIN stores_service s ON s.id = g.service_id
        """
        return sql, [filters.tz, *where.params]

    def figures(self, filters: ReportFilters) -> list[Figure]:
        where = self._where(filters)
        got = one_row(f"SELECT {COUNTS} FROM appointments_appointment a WHERE {where.sql}", where.params)
        closed = int(got.get("completed") or 0) + int(got.get("no_shows") or 0)
        return [
            Figure(_("Booked"), int(got.get("booked") or 0), Kind.INT),
            Figure(pgettext_lazy("appointments", "No-shows"), int(got.get("no_shows") or 0), Kind.INT),
            Figure(
                pgettext_lazy("appointments", "No-show rate"),
                ratio(got.get("no_shows"), closed),
                Kind.PERCENT,
            ),
        ]
