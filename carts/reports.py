"""The carts report of the reports platform (omni.reports), registered in CartsConfig.ready: carts started
vs converted by the channel they were started in, and the channel hand-offs (started in the app, bought at
the store till): where the converted carts' orders were placed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from omni.reports.base import SQL, Chart, Column, Figure, Kind, Report, ReportFilters
from omni.reports.sql import Where, label_case
from orders.models import Channel
from orders.reports.common import one_row, ratio, window

BOUGHT_IN = (
    ("bought_web", Channel.WEB),
    ("bought_app", Channel.APP),
    ("bought_kiosk", Channel.KIOSK),
    ("bought_store", Channel.STORE),
)


class CartsByChannel(Report):
    slug = "carts-by-channel"
    title = _("Carts and channel hand-offs")
    group = "channels"
    description = _(
        "Carts started in the period (local days), by the channel they were started in: how many were "
        "converted into an order, expired (idle too long, or merged into another cart) or are still open, "
        "and the conversion rate. The hand-off columns say where the converted carts were bought: a cart "
        "started in the app and paid at the store till counts under App, in “Bought at the till”. Revenue "
        "is the total of their orders not cancelled, VAT included."
    )
    columns = (
        Column("started_in", _("Started in")),
        Column("carts", _("Carts started"), Kind.INT, total=True),
        Column("converted", _("Converted"), Kind.INT, total=True),
        Column("expired", _("Expired"), Kind.INT, total=True),
        Column("open", _("Still open"), Kind.INT, total=True),
        Column("conversion_rate", _("Conversion rate"), Kind.PERCENT),
        Column("bought_web", _("Bought on the web shop"), Kind.INT, total=True),
        Column("bought_app", _("Bought in the app"), Kind.INT, total=True),
        Column("bought_kiosk", _("Bought at the kiosk"), Kind.INT, total=True),
        Column("bought_store", _("Bought at the till"), Kind.INT, total=True),
        Column("bought_other", _("Bought elsewhere"), Kind.INT, total=True),
        Column("handed_off", _("Bought in another channel"), Kind.INT, total=True),
        Column("revenue", _("Revenue (EUR)"), Kind.MONEY, total=True),
    )
    filters = frozenset({"dates", "channel"})
    default_sort = "-carts"
    chart = Chart(
        kind="bar",
        label_key="started_in",
        series=("converted", "expired", "open"),
        stacked=True,
        title=_("Carts by channel started in"),
    )

    def _where(self, filters: ReportFilters) -> Where:
        start, end = window(filters, self.default_days)
        where = Where()
        where.add("c.created_at >= %s AND c.created_at < %s", start, end)
        if filters.channel:
            where.add("c.channel = %s", filters.channel)
        return where

    def query(self, filters: ReportFilters) -> SQL:
        where = self._where(filters)
        channel_sql, channel_params = label_case("g.channel", Channel.choices)
        bought = ",\n".join(
            f"count(*) FILTER (WHERE o.channel = '{code.value}') AS {key}" for key, code in BOUGHT_IN
        )
        known = ", ".join(f"'{code.value}'" for _, code in BOUGHT_IN)
        sql = f"""
            SELECT {channel_sql} AS started_in, g.carts, g.converted, g.expired, g.open,
                   round(g.converted::numeric / NULLIF(g.carts, 0), 4) AS conversion_rate,
                   g.bought_web, g.bought_app, g.bought_kiosk, g.bought_store, g.bought_other,
                   g.handed_off, g.revenue
            FROM (
                SELECT c.channel,
                       count(*) AS carts,
                       count(*) FILTER (WHERE c.status = 'converted') AS converted,
                       count(*) FILTER (WHERE c.status = 'expired') AS expired,
                       count(*) FILTER (WHERE c.status = 'open') AS open,
                       {bought},
                       count(*) FILTER (WHERE o.channel NOT IN ({known})) AS bought_other,
                       count(*) FILTER (WHERE o.channel <> c.channel) AS handed_off,
                       COALESCE(sum(o.total) FILTER (WHERE o.status <> 'cancelled'), 0)::numeric(14, 2)
                           AS revenue
                FROM carts_cart c
                LEFT JOIN orders_order o ON o.id = c.order_id
                WHERE {where.sql}
                GROUP BY c.channel
            ) AS g
        """
        return sql, [*channel_params, *where.params]

    def figures(self, filters: ReportFilters) -> list[Figure]:
        where = self._where(filters)
        got = one_row(
            f"""
            SELECT count(*) AS carts, count(*) FILTER (WHERE c.status = 'converted') AS converted,
                   count(*) FILTER (WHERE o.channel <> c.channel) AS handed_off
            FROM carts_cart c LEFT JOIN orders_order o ON o.id = c.order_id
            WHERE {where.sql}
            """,
            where.params,
        )
        return [
            Figure(_("Carts started"), int(got.get("carts") or 0), Kind.INT),
            Figure(_("Conversion rate"), ratio(got.get("converted"), got.get("carts")), Kind.PERCENT),
            Figure(_("Bought in another channel"), int(got.get("handed_off") or 0), Kind.INT),
        ]
