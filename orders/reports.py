"""The channel reports of the orders app (sales by channel, click-and-collect, returns) and the shared
"channel" filter field. Registered in OrdersConfig.ready; omni/reports runs, sorts, pages, charts and exports
them. Each report is one SELECT with %s parameters whose aliases are its column keys.

Definitions shared with the dashboard (orders.selectors.pickup_figures and returns_figures): a pickup is a
no-show when the order was cancelled by the expiry job (cancel_reason "pickup_expired"); the pickup and
no-show rates are over the orders made ready; returns count on the day they were received, at the location
that received them, under the original order's channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omni.reports.base import (
    SQL,
    Chart,
    Column,
    Figure,
    FilterField,
    Kind,
    Report,
    ReportFilters,
    register_filter,
    register_report,
)
from omni.reports.sql import Where, label_case
from orders.models import Channel, ReturnCondition, ReturnReason
from orders.services.sales_summary import ORDER_LOCATION, refresh_sales_summary, summary_tz

if TYPE_CHECKING:
    from omni.actors import Actor

EXPIRED = "pickup_expired"  # orders.services.pickup.expire_pickups cancels with this reason: a no-show


# --- The "channel" filter -------------------------------------------------------------------------------


def _channel_field(actor: Actor) -> forms.Field:
    return forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *Channel.choices],
    )


channel_filter = FilterField(name="channel", build=_channel_field, value=lambda v: v or None, order=40)


# --- SQL helpers ------------------------------------------------------------------------------------------


def window(filters: ReportFilters, days: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the chosen days, or the last `days` days ending today when none were chosen."""
    from zoneinfo import ZoneInfo

    start, end = filters.start, filters.end
    if start is None or end is None:
        today = timezone.localdate()
        tz = ZoneInfo(filters.tz)
        start = start or dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time.min, tzinfo=tz)
        end = end or dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def product_filter(filters: ReportFilters, variant_expr: str, where: Where) -> str:
    """The joins (and conditions added to `where`) that keep lines whose variant's product is in the chosen
    categories / of the chosen brand; "" when neither is chosen."""
    if filters.category_ids is None and filters.brand_id is None:
        return ""
    if filters.category_ids is not None:
        where.add("p.category_id = ANY(%s)", list(filters.category_ids))
    if filters.brand_id is not None:
        where.add("p.brand_id = %s", filters.brand_id)
    return (
        f" JOIN inventory_variant v ON v.id = {variant_expr} JOIN inventory_product p ON p.id = v.product_id"
    )


def one_row(sql: str, params: Sequence[Any]) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        names = [c.name for c in cursor.description]
    return dict(zip(names, row, strict=True)) if row else {}


def ratio(part: Any, whole: Any) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) / Decimal(whole)).quantize(Decimal("0.0001"))


# --- Sales by channel -------------------------------------------------------------------------------------


class SalesByChannel(Report):
    slug = "sales-by-channel"
    title = _("Sales by channel")
    group = "channels"
    description = _(
        "Orders placed each day (local time), by channel and by the location that sold them: the store "
        "where a click-and-collect order is collected or a till sale is made; for a delivery, the store "
        "that took it, else the location that shipped it, or “Online” when it ships from several "
        "locations. Cancelled orders and units cancelled off an order are left out. Revenue is what "
        "customers pay, VAT included, after discounts and points. Returns count on the day and at the "
        "location they were received, under the original order's channel. With a category or brand "
        "chosen, only those products' lines count, and an order counts once for each category and brand "
        "of its lines (an order with lines in two chosen categories counts in each), so the orders column "
        "may add up to more than the orders placed."
    )
    columns = (
        Column("day", _("Day"), Kind.DATE),
        Column("channel", _("Channel")),
        Column("location", _("Location")),
        Column("location_name", _("Location name")),
        Column("orders", _("Orders"), Kind.INT, total=True),
        Column("units", _("Units"), Kind.INT, total=True),
        Column("revenue", _("Revenue (EUR)"), Kind.MONEY, total=True),
        Column("vat", _("of which VAT (EUR)"), Kind.MONEY, total=True),
        Column("returned_units", _("Units returned"), Kind.INT, total=True),
        Column("refunds", _("Refunds (EUR)"), Kind.MONEY, total=True),
    )
    filters = frozenset({"dates", "location", "channel", "category", "brand"})
    default_sort = "-day"
    chart = Chart(
        kind="line", label_key="day", series=("revenue", "refunds"), title=_("Revenue and refunds by day")
    )

    def _days(self, filters: ReportFilters) -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        date_to = filters.date_to or today
        date_from = filters.date_from or today - dt.timedelta(days=self.default_days - 1)
        return date_from, date_to

    def _summary_where(self, filters: ReportFilters) -> Where:
        """The summary rows of the chosen days, channel, locations and products: the all-products rows
        (category and brand NULL) without a product filter, else the category x brand rows that match."""
        date_from, date_to = self._days(filters)
        where = Where()
        where.add("s.day >= %s AND s.day <= %s", date_from, date_to)
        if filters.category_ids is None and filters.brand_id is None:
            where.add("s.category_id IS NULL")
        else:
            where.add("s.category_id IS NOT NULL")
            if filters.category_ids is not None:
                where.add("s.category_id = ANY(%s)", list(filters.category_ids))
            if filters.brand_id is not None:
                where.add("s.brand_id = %s", filters.brand_id)
        if filters.channel:
            where.add("s.channel = %s", filters.channel)
        if filters.location_ids is not None:
            where.add("s.location_id = ANY(%s)", list(filters.location_ids))
        return where

    def _uses_summary(self, filters: ReportFilters) -> bool:
        return filters.tz == summary_tz()

    def refresh(self, filters: ReportFilters) -> None:
        """The daily summary brought up to date (the days changed since its last refresh), so the figures
        are live."""
        if self._uses_summary(filters):
            refresh_sales_summary()

    def query(self, filters: ReportFilters) -> SQL:
        """From the daily summary (see `refresh`); for days in another time zone than the summary's, from
        the orders."""
        if not self._uses_summary(filters):
            return self.live_query(filters)
        where = self._summary_where(filters)
        channel_sql, channel_params = label_case("s.channel", Channel.choices)
        if filters.category_ids is None and filters.brand_id is None:
            # the all-products rows: one per day, channel and location already
            sql = f"""
                SELECT s.day AS day, {channel_sql} AS channel,
                       COALESCE(loc.code, %s) AS location, COALESCE(loc.name, %s) AS location_name,
                       s.orders, s.units, s.revenue, s.vat, s.returned_units, s.refunds
                FROM orders_salesday s
                LEFT JOIN stores_location loc ON loc.id = s.location_id
                WHERE {where.sql}
            """
        else:
            sql = f"""
                SELECT s.day AS day, {channel_sql} AS channel,
                       COALESCE(loc.code, %s) AS location, COALESCE(loc.name, %s) AS location_name,
                       sum(s.orders)::int AS orders, sum(s.units)::int AS units,
                       sum(s.revenue)::numeric(14, 2) AS revenue, sum(s.vat)::numeric(14, 2) AS vat,
                       sum(s.returned_units)::int AS returned_units,
                       sum(s.refunds)::numeric(14, 2) AS refunds
                FROM orders_salesday s
                LEFT JOIN stores_location loc ON loc.id = s.location_id
                WHERE {where.sql}
                GROUP BY s.day, s.channel, s.location_id, loc.code, loc.name
            """
        params = [
            *channel_params,
            gettext("Online"),
            gettext("Shipped from several locations"),
            *where.params,
        ]
        return sql, params

    def live_query(self, filters: ReportFilters) -> SQL:
        """The same rows computed from the orders (what the summary holds, for any time zone)."""
        start, end = window(filters, self.default_days)
        tz = filters.tz

        orders = Where()
        orders.add("o.status <> 'cancelled'")
        orders.add("o.created_at >= %s AND o.created_at < %s", start, end)
        if filters.channel:
            orders.add("o.channel = %s", filters.channel)
        sold = Where()
        if filters.location_ids is not None:
            sold.add("o.location_id = ANY(%s)", list(filters.location_ids))
        grouped = filters.category_ids is not None or filters.brand_id is not None
        sold_join = product_filter(filters, "l.variant_id", sold)

        back = Where()
        back.add("r.created_at >= %s AND r.created_at < %s", start, end)
        if filters.channel:
            back.add("ro.channel = %s", filters.channel)
        if filters.location_ids is not None:
            back.add("r.location_id = ANY(%s)", list(filters.location_ids))
        back_join = product_filter(filters, "rl.variant_id", back)

        # with a product filter, an order counts once per category x brand of its lines (as in the summary)
        orders_expr = "count(DISTINCT o.id)"
        if grouped:
            orders_expr = "count(DISTINCT (o.id, p.category_id, p.brand_id))"
        channel_sql, channel_params = label_case("x.channel", Channel.choices)
        sql = f"""
            WITH o AS (
                SELECT o.id, o.channel, (o.created_at AT TIME ZONE %s)::date AS day,
                       {ORDER_LOCATION} AS location_id
                FROM orders_order o
                WHERE {orders.sql}
            ),
            x AS (
                SELECT o.day, o.channel, o.location_id,
                       {orders_expr} AS orders, sum(l.quantity) AS units,
                       sum(l.line_total) AS revenue, sum(l.vat_amount) AS vat,
                       0 AS returned_units, 0::numeric AS refunds
                FROM o JOIN orders_orderline l ON l.order_id = o.id{sold_join}
                WHERE {sold.sql}
                GROUP BY o.day, o.channel, o.location_id
                UNION ALL
                SELECT (r.created_at AT TIME ZONE %s)::date, ro.channel, r.location_id,
                       0, 0, 0, 0, sum(rl.quantity), sum(rl.refund_amount)
                FROM orders_return r
                JOIN orders_returnline rl ON rl.return_doc_id = r.id
                JOIN orders_order ro ON ro.id = r.order_id{back_join}
                WHERE {back.sql}
                GROUP BY 1, 2, 3
            )
            SELECT x.day AS day, {channel_sql} AS channel,
                   COALESCE(loc.code, %s) AS location, COALESCE(loc.name, %s) AS location_name,
                   sum(x.orders)::int AS orders, sum(x.units)::int AS units,
                   sum(x.revenue)::numeric(14, 2) AS revenue, sum(x.vat)::numeric(14, 2) AS vat,
                   sum(x.returned_units)::int AS returned_units, sum(x.refunds)::numeric(14, 2) AS refunds
            FROM x LEFT JOIN stores_location loc ON loc.id = x.location_id
            GROUP BY x.day, x.channel, x.location_id, loc.code, loc.name
        """
        params = [
            tz,
            *orders.params,
            *sold.params,
            tz,
            *back.params,
            *channel_params,
            gettext("Online"),
            gettext("Shipped from several locations"),
        ]
        return sql, params

    def figures(self, filters: ReportFilters) -> list[Figure]:
        """From the summary rows the page's query has just brought up to date (one small aggregate)."""
        if self._uses_summary(filters):
            where = self._summary_where(filters)
            sql = f"""
                SELECT sum(s.revenue) AS revenue, sum(s.orders) AS orders, sum(s.units) AS units,
                       sum(s.returned_units) AS returned
                FROM orders_salesday s
                WHERE {where.sql}
            """
            got = one_row(sql, where.params)
        else:
            live_sql, live_params = self.live_query(filters)
            got = one_row(
                "SELECT sum(revenue) AS revenue, sum(orders) AS orders, sum(units) AS units, "
                f"sum(returned_units) AS returned FROM ({live_sql}) AS r",
                live_params,
            )
        revenue = got.get("revenue") or Decimal("0.00")
        orders = int(got.get("orders") or 0)
        basket = (revenue / orders).quantize(Decimal("0.01")) if orders else None
        return [
            Figure(_("Revenue (EUR)"), revenue, Kind.MONEY),
            Figure(_("Orders"), orders, Kind.INT),
            Figure(_("Average basket (EUR)"), basket, Kind.MONEY),
            Figure(
                _("Units returned / units sold"), ratio(got.get("returned"), got.get("units")), Kind.PERCENT
            ),
        ]


# --- Click and collect ------------------------------------------------------------------------------------

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


# --- Returns ----------------------------------------------------------------------------------------------


class Returns(Report):
    slug = "returns"
    title = _("Returns")
    group = "channels"
    description = _(
        "Returns received in the period (local days), by the location that received them, the reason given "
        "and the channel of the original order: units, refunds (EUR, VAT included) and their condition "
        "(resellable units go back on hand; damaged ones do not). A return whose lines give several reasons "
        "counts once under each, so the returns column has no total."
    )
    columns = (
        Column("location", _("Received at")),
        Column("location_name", _("Location name")),
        Column("reason", _("Reason")),
        Column("channel", _("Original channel")),
        Column("returns", _("Returns"), Kind.INT),
        Column("units", _("Units"), Kind.INT, total=True),
        Column("resellable", _("Resellable (restocked)"), Kind.INT, total=True),
        Column("damaged", _("Damaged"), Kind.INT, total=True),
        Column("refunds", _("Refunds (EUR)"), Kind.MONEY, total=True),
    )
    filters = frozenset({"dates", "location", "channel", "category", "brand"})
    default_sort = "-units"
    chart = Chart(kind="bar", label_key="reason", series=("units",), title=_("Units returned by reason"))

    def _from(self, filters: ReportFilters) -> SQL:
        start, end = window(filters, self.default_days)
        where = Where()
        where.add("r.created_at >= %s AND r.created_at < %s", start, end)
        if filters.channel:
            where.add("o.channel = %s", filters.channel)
        if filters.location_ids is not None:
            where.add("r.location_id = ANY(%s)", list(filters.location_ids))
        join = product_filter(filters, "rl.variant_id", where)
        sql = f"""
            FROM orders_returnline rl
            JOIN orders_return r ON r.id = rl.return_doc_id
            JOIN orders_order o ON o.id = r.order_id{join}
            WHERE {where.sql}
        """
        return sql, where.params

    def query(self, filters: ReportFilters) -> SQL:
        from_sql, from_params = self._from(filters)
        reason_sql, reason_params = label_case("g.reason", ReturnReason.choices)
        channel_sql, channel_params = label_case("g.channel", Channel.choices)
        sql = f"""
            SELECT loc.code AS location, loc.name AS location_name, {reason_sql} AS reason,
                   {channel_sql} AS channel, g.returns, g.units, g.resellable, g.damaged, g.refunds
            FROM (
                SELECT r.location_id, rl.reason, o.channel,
                       count(DISTINCT r.id)::int AS returns,
                       sum(rl.quantity)::int AS units,
                       COALESCE(sum(rl.quantity) FILTER (WHERE rl.condition = %s), 0)::int AS resellable,
                       COALESCE(sum(rl.quantity) FILTER (WHERE rl.condition = %s), 0)::int AS damaged,
                       sum(rl.refund_amount)::numeric(14, 2) AS refunds
                {from_sql}
                GROUP BY r.location_id, rl.reason, o.channel
            ) AS g
            JOIN stores_location loc ON loc.id = g.location_id
        """
        params = [
            *reason_params,
            *channel_params,
            ReturnCondition.RESELLABLE.value,
            ReturnCondition.DAMAGED.value,
            *from_params,
        ]
        return sql, params

    def figures(self, filters: ReportFilters) -> list[Figure]:
        from_sql, from_params = self._from(filters)
        got = one_row(
            f"""
            SELECT count(DISTINCT r.id) AS returns, COALESCE(sum(rl.quantity), 0) AS units,
                   COALESCE(sum(rl.quantity) FILTER (WHERE rl.condition = %s), 0) AS resellable,
                   COALESCE(sum(rl.refund_amount), 0) AS refunds
            {from_sql}
            """,
            [ReturnCondition.RESELLABLE.value, *from_params],
        )
        return [
            Figure(_("Returns"), int(got.get("returns") or 0), Kind.INT),
            Figure(_("Units returned"), int(got.get("units") or 0), Kind.INT),
            Figure(_("Refunds (EUR)"), got.get("refunds") or Decimal("0.00"), Kind.MONEY),
            Figure(_("Resellable share"), ratio(got.get("resellable"), got.get("units")), Kind.PERCENT),
        ]


sales_by_channel = SalesByChannel()
click_and_collect = ClickAndCollect()
returns_report = Returns()


def register() -> None:
    register_filter(channel_filter)
    for report in (sales_by_channel, click_and_collect, returns_report):
        register_report(report)
