"""Sales by channel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omni.reports.base import (
    SQL,
    Chart,
    Column,
    Figure,
    Freshness,
    Kind,
    Report,
    ReportFilters,
)
from omni.reports.sql import Where, label_case
from orders.models import Channel
from orders.services.sales_summary import ORDER_CHANNEL, ORDER_LOCATION, refresh_sales_summary, summary_tz

if TYPE_CHECKING:
    pass

from orders.reports.common import one_row, product_filter, ratio, window


class SalesByChannel(Report):
    slug = "sales-by-channel"
    title = _("Sales by channel")
    group = "channels"
    description = _(
        "Orders placed each day (local time), by channel (the channel the customer's cart was started in, "
        "when the order came from a cart: a kiosk basket paid at the till counts for the kiosk) and by the "
        "location that sold them: the store "
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

    def freshness(self, filters: ReportFilters) -> Freshness | None:
        """The summary was brought up to date by `refresh` just before the page read it."""
        if not self._uses_summary(filters):
            return None
        return Freshness(as_of=timezone.now(), every_minutes=settings.OMNI_SUMMARY_REFRESH_MINUTES)

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
            orders.add(f"{ORDER_CHANNEL} = %s", filters.channel)
        sold = Where()
        if filters.location_ids is not None:
            sold.add("o.location_id = ANY(%s)", list(filters.location_ids))
        grouped = filters.category_ids is not None or filters.brand_id is not None
        sold_join = product_filter(filters, "l.variant_id", sold)

        back = Where()
        back.add("r.created_at >= %s AND r.created_at < %s", start, end)
        if filters.channel:
            back.add("COALESCE(ro.started_channel, ro.channel) = %s", filters.channel)
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
                SELECT o.id, {ORDER_CHANNEL} AS channel, (o.created_at AT TIME ZONE %s)::date AS day,
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
                SELECT (r.created_at AT TIME ZONE %s)::date, COALESCE(ro.started_channel, ro.channel),
                       r.location_id,
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
