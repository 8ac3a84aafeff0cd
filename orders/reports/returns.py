"""Returns: per receiving location, reason and the original order's channel."""

from __future__ import annotations

from decimal import Decimal
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
from omni.reports.sql import Where, label_case
from orders.models import Channel, ReturnCondition, ReturnReason

if TYPE_CHECKING:
    pass

from orders.reports.common import one_row, product_filter, ratio, window


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
