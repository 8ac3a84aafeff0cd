"""Time in store (docs/TIME-IN-STORE.md): how full the pickup windows are, per store and hour of the day, and
how long customers who said "I'm here" waited for their order, per store and week.

Windows offered are laid out in SQL as the capacity engine lays them out (stores.selectors.slots): from each
day's closure or special hours when there is one, else from the weekly opening hours, back to back from the
opening, of the store's current `pickup_slot_minutes` and `pickup_slot_capacity` (a change of either is not
dated, so past days are counted with today's values). Places booked are the engine's live counters
(stores_slotusage, resource "pickup"): an order cancelled or expired gave its place back."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from omni.reports.base import SQL, Chart, Column, Figure, Kind, Report, ReportFilters
from orders.reports.common import one_row, ratio, window

WAIT_MINUTES = "EXTRACT(EPOCH FROM (o.completed_at - o.arrived_at)) / 60.0"


def _days(filters: ReportFilters, default_days: int) -> tuple[dt.date, dt.date]:
    """The first and last local day of the chosen window (both inclusive)."""
    start, end = window(filters, default_days)
    zone = ZoneInfo(filters.tz)
    return start.astimezone(zone).date(), (end - dt.timedelta(microseconds=1)).astimezone(zone).date()


class SlotUtilisation(Report):
    slug = "pickup-slot-utilisation"
    title = _("Pickup slot utilisation")
    group = "channels"
    description = _(
        "Pickup windows offered and places booked in them, per click-and-collect store and hour of the day "
        "(the window's start on the store's clock), over the chosen days. Windows come from the opening "
        "hours, closures and special hours; places = windows x orders per window (today's settings). Booked "
        "places are those still held: a cancelled or expired order gave its place back."
    )
    columns = (
        Column("location", _("Location")),
        Column("location_name", _("Location name")),
        Column("hour", _("Hour"), Kind.INT),
        Column("windows", _("Windows offered"), Kind.INT, total=True),
        Column("places", _("Places offered"), Kind.INT, total=True),
        Column("booked", _("Orders booked"), Kind.INT, total=True),
        Column("used_share", _("Used"), Kind.PERCENT),
    )
    filters = frozenset({"dates", "location"})
    default_sort = "location"
    default_days = 7
    chart = Chart(
        kind="bar", label_key="hour", series=("places", "booked"), title=_("Places and bookings by hour")
    )

    def _location_sql(self, filters: ReportFilters, alias: str) -> tuple[str, list[object]]:
        if filters.location_ids is None:
            return "TRUE", []
        return f"{alias}.id = ANY(%s)", [list(filters.location_ids)]

    def _sql(self, filters: ReportFilters) -> SQL:
        first, last = _days(filters, self.default_days)
        loc_sql, loc_params = self._location_sql(filters, "loc")
        sql = f"""
            WITH days AS (
                SELECT d::date AS day FROM generate_series(%s::date, %s::date, interval '1 day') AS d
            ),
            stores AS (
                SELECT loc.* FROM stores_location loc WHERE loc.click_and_collect AND {loc_sql}
            ),
            spans AS (
                SELECT s.id AS location_id, days.day, c.opens, c.closes
                FROM stores s CROSS JOIN days
                JOIN stores_closure c ON c.location_id = s.id AND c.date = days.day
                WHERE c.opens IS NOT NULL
                UNION ALL
                SELECT s.id, days.day, h.opens, h.closes
                FROM stores s CROSS JOIN days
                JOIN stores_openinghours h
                  ON h.location_id = s.id AND h.weekday = extract(isodow FROM days.day)::int - 1
                WHERE NOT EXISTS (
                    SELECT 1 FROM stores_closure c WHERE c.location_id = s.id AND c.date = days.day
                )
            ),
            offered AS (
                SELECT sp.location_id, extract(hour FROM t)::int AS hour,
                       count(*) AS windows, sum(s.pickup_slot_capacity) AS places
                FROM spans sp JOIN stores s ON s.id = sp.location_id
                CROSS JOIN LATERAL generate_series(
                    sp.day + sp.opens,
                    sp.day + sp.closes - make_interval(mins => s.pickup_slot_minutes),
                    make_interval(mins => s.pickup_slot_minutes)
                ) AS t
                GROUP BY sp.location_id, hour
            ),
            booked AS (
                SELECT u.location_id, extract(hour FROM (u.start AT TIME ZONE s.timezone))::int AS hour,
                       sum(u.taken) AS booked
                FROM stores_slotusage u JOIN stores s ON s.id = u.location_id
                WHERE u.resource = 'pickup'
                  AND (u.start AT TIME ZONE s.timezone)::date BETWEEN %s::date AND %s::date
                GROUP BY u.location_id, hour
            )
            SELECT s.code AS location, s.name AS location_name, o.hour, o.windows, o.places,
                   coalesce(b.booked, 0) AS booked,
                   round(coalesce(b.booked, 0)::numeric / NULLIF(o.places, 0), 4) AS used_share
            FROM offered o
            JOIN stores s ON s.id = o.location_id
            LEFT JOIN booked b ON b.location_id = o.location_id AND b.hour = o.hour
        """
        return sql, [first, last, *loc_params, first, last]

    def query(self, filters: ReportFilters) -> SQL:
        return self._sql(filters)

    def figures(self, filters: ReportFilters) -> list[Figure]:
        sql, params = self._sql(filters)
        got = one_row(f"SELECT sum(r.places) AS places, sum(r.booked) AS booked FROM ({sql}) AS r", params)
        return [
            Figure(_("Places offered"), int(got.get("places") or 0), Kind.INT),
            Figure(_("Orders booked"), int(got.get("booked") or 0), Kind.INT),
            Figure(_("Used"), ratio(got.get("booked"), got.get("places")), Kind.PERCENT),
        ]


class ArrivalToHandover(Report):
    slug = "arrival-to-handover"
    title = _("Arrival to handover")
    group = "channels"
    description = _(
        "Pickups collected in the period whose customer said they had arrived (the e-shop's call or the "
        '"I\'m here" link), per store and week (starting Monday): how many, and the minutes from the '
        "arrival to the handover (median and 90th percentile)."
    )
    columns = (
        Column("location", _("Location")),
        Column("location_name", _("Location name")),
        Column("week", _("Week"), Kind.DATE),
        Column("handovers", _("Handovers after an arrival"), Kind.INT, total=True),
        Column("median_minutes", _("Median minutes"), Kind.DECIMAL),
        Column("p90_minutes", _("90th percentile minutes"), Kind.DECIMAL),
    )
    filters = frozenset({"dates", "location"})
    default_sort = "-week"
    default_days = 28
    chart = Chart(
        kind="bar", label_key="location", series=("handovers",), title=_("Handovers after an arrival")
    )

    def _where(self, filters: ReportFilters) -> tuple[str, list[object]]:
        start, end = window(filters, self.default_days)
        sql = (
            "o.fulfilment_type = 'pickup' AND o.status = 'collected' AND o.arrived_at IS NOT NULL "
            "AND o.location_id IS NOT NULL AND o.completed_at >= %s AND o.completed_at < %s"
        )
        params: list[object] = [start, end]
        if filters.location_ids is not None:
            sql += " AND o.location_id = ANY(%s)"
            params.append(list(filters.location_ids))
        return sql, params

    def query(self, filters: ReportFilters) -> SQL:
        where, params = self._where(filters)
        sql = f"""
            SELECT loc.code AS location, loc.name AS location_name, g.week, g.handovers,
                   round(g.median::numeric, 1) AS median_minutes, round(g.p90::numeric, 1) AS p90_minutes
            FROM (
                SELECT o.location_id, date_trunc('week', o.completed_at AT TIME ZONE %s)::date AS week,
                       count(*) AS handovers,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY {WAIT_MINUTES}) AS median,
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY {WAIT_MINUTES}) AS p90
                FROM orders_order o
                WHERE {where}
                GROUP BY o.location_id, week
            ) AS g
            JOIN stores_location loc ON loc.id = g.location_id
        """
        return sql, [filters.tz, *params]

    def figures(self, filters: ReportFilters) -> list[Figure]:
        where, params = self._where(filters)
        got = one_row(
            f"""
            SELECT count(*) AS handovers,
                   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY {WAIT_MINUTES}))::numeric, 1) AS median,
                   round((percentile_cont(0.9) WITHIN GROUP (ORDER BY {WAIT_MINUTES}))::numeric, 1) AS p90
            FROM orders_order o
            WHERE {where}
            """,
            params,
        )
        return [
            Figure(_("Handovers after an arrival"), int(got.get("handovers") or 0), Kind.INT),
            Figure(_("Median minutes"), got.get("median"), Kind.DECIMAL),
            Figure(_("90th percentile minutes"), got.get("p90"), Kind.DECIMAL),
        ]
