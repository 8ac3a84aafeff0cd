"""Stock reports on what happened: shrinkage (adjustments, damage, count postings), transfers in transit and
count variances. These are records of the past, so a location closed since still shows its rows."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from inventory.models import AdjustmentReason, MovementKind
from inventory.reports.filters import (
    CATEGORY,
    COUNT,
    COUNT_LINE,
    LOCATION,
    MOVEMENT,
    PRODUCT,
    TRANSFER,
    TRANSFER_LINE,
    VARIANT,
    StockReport,
    needs_product,
    restrict_products,
)
from inventory.reports.stock import local_today
from omni.reports.base import SQL, Chart, Column, Kind, ReportFilters
from omni.reports.sql import Where, label_case, restrict_dates, restrict_locations

SHRINKAGE_KINDS = (MovementKind.ADJUSTMENT, MovementKind.DAMAGE, MovementKind.COUNT)


class ShrinkageReport(StockReport):
    slug = "shrinkage"
    title = _("Shrinkage")
    group = "stock"
    description = _(
        "Adjustments, damage and count postings in the period, by location, kind and reason: units lost "
        "(stock taken off), units found (stock added back), the net, and the value lost at cost (SKUs "
        "without a cost price count as 0). A count posting that lowers stock is shrinkage, one that raises "
        "it is units found. Receipts, sales, returns and transfers are not shrinkage and are left out."
    )
    columns = (
        Column("location", _("Location")),
        Column("location_name", _("Location name")),
        Column("kind", _("Kind")),
        Column("reason", _("Reason")),
        Column("postings", _("Postings"), Kind.INT, total=True),
        Column("units_lost", _("Units lost"), Kind.INT, total=True),
        Column("units_found", _("Units found"), Kind.INT, total=True),
        Column("net_units", _("Net units"), Kind.INT, total=True),
        Column("value_lost", _("Value lost at cost"), Kind.MONEY, total=True),
        Column("net_value", _("Net value at cost"), Kind.MONEY, total=True),
    )
    filters = frozenset({"dates", "location", "category", "brand"})
    default_sort = "-value_lost"
    chart = Chart(
        kind="bar",
        label_key="location",
        series=("value_lost",),
        fallback=("units_lost",),
        title=_("Value lost by location"),
    )
    cost_columns = frozenset({"value_lost", "net_value"})

    def query(self, filters: ReportFilters) -> SQL:
        kind_sql, kind_params = label_case(
            "m.kind", [(k.value, k.label) for k in SHRINKAGE_KINDS], gettext("No reason given")
        )
        reason_sql, reason_params = label_case(
            "m.reason", AdjustmentReason.choices, gettext("No reason given")
        )
        where = Where()
        where.add("m.kind = ANY(%s)", [str(k.value) for k in SHRINKAGE_KINDS])
        where.add("m.delta <> 0")  # a count that found the figure right moved nothing
        restrict_dates(where, filters, "m.created_at")
        restrict_locations(where, filters, "m.location_id")
        restrict_products(where, filters)
        join = f"JOIN {PRODUCT} p ON p.id = v.product_id" if needs_product(filters) else ""
        sql = f"""
            SELECT l.code AS location, l.name AS location_name, {kind_sql} AS kind,
                   {reason_sql} AS reason,
                   count(*) AS postings,
                   coalesce(sum(-m.delta) FILTER (WHERE m.delta < 0), 0) AS units_lost,
                   coalesce(sum(m.delta) FILTER (WHERE m.delta > 0), 0) AS units_found,
                   sum(m.delta) AS net_units,
                   coalesce(sum(-m.delta * v.cost_price) FILTER (WHERE m.delta < 0), 0) AS value_lost,
                   coalesce(sum(m.delta * v.cost_price), 0) AS net_value
            FROM {MOVEMENT} m
            JOIN {LOCATION} l ON l.id = m.location_id
            JOIN {VARIANT} v ON v.id = m.variant_id
            {join}
            WHERE {where.sql}
            GROUP BY l.id, m.kind, m.reason
        """
        return sql, [*kind_params, *reason_params, *where.params]


class TransfersInTransitReport(StockReport):
    slug = "transfers-in-transit"
    title = _("Transfers in transit")
    group = "stock"
    description = _(
        "Transfers shipped and not yet received, from or to the locations in scope: days on the road, lines, "
        "units and their value at cost and at retail. With a category or brand, only the lines of that "
        "category or brand are counted, and transfers without any are left out."
    )
    columns = (
        Column("number", _("Transfer")),
        Column("from_location", _("From")),
        Column("to_location", _("To")),
        Column("shipped_at", _("Shipped"), Kind.DATETIME),
        Column("days_in_transit", _("Days in transit"), Kind.INT),
        Column("lines", _("Lines"), Kind.INT, total=True),
        Column("units", _("Units"), Kind.INT, total=True),
        Column("value_cost", _("Value at cost"), Kind.MONEY, total=True),
        Column("value_retail", _("Value at retail"), Kind.MONEY, total=True),
    )
    filters = frozenset({"location", "category", "brand"})
    default_sort = "-days_in_transit"
    chart = Chart(
        kind="bar", label_key="to_location", series=("units",), title=_("Units in transit by destination")
    )
    cost_columns = frozenset({"value_cost"})

    def query(self, filters: ReportFilters) -> SQL:
        where = Where()
        where.add("t.status = 'shipped'")
        if filters.location_ids is not None:
            ids = list(filters.location_ids)
            where.add("(t.from_location_id = ANY(%s) OR t.to_location_id = ANY(%s))", ids, ids)
        restrict_products(where, filters)
        join = f"JOIN {PRODUCT} p ON p.id = v.product_id" if needs_product(filters) else ""
        sql = f"""
            SELECT t.number AS number, fl.code AS from_location, tl.code AS to_location,
                   t.shipped_at AS shipped_at,
                   %s::date - (t.shipped_at AT TIME ZONE %s)::date AS days_in_transit,
                   count(*) AS lines,
                   sum(li.quantity) AS units,
                   coalesce(sum(li.quantity * v.cost_price), 0) AS value_cost,
                   sum(li.quantity * v.price) AS value_retail
            FROM {TRANSFER} t
            JOIN {TRANSFER_LINE} li ON li.transfer_id = t.id
            JOIN {VARIANT} v ON v.id = li.variant_id
            {join}
            JOIN {LOCATION} fl ON fl.id = t.from_location_id
            JOIN {LOCATION} tl ON tl.id = t.to_location_id
            WHERE {where.sql}
            GROUP BY t.id, fl.id, tl.id
        """
        return sql, [local_today(filters), filters.tz, *where.params]


class CountVariancesReport(StockReport):
    slug = "count-variances"
    title = _("Count variances")
    group = "stock"
    description = _(
        "Stock counts posted in the period: lines counted, units counted, the variance posted (counted - "
        "on hand, net and absolute, in units and at cost) and the accuracy (share of the counted lines "
        "that matched the system figure). Lines never counted are not part of a count's figures."
    )
    columns = (
        Column("number", _("Count")),
        Column("location", _("Location")),
        Column("scope", _("Category counted")),
        Column("posted_at", _("Posted"), Kind.DATETIME),
        Column("lines_counted", _("Lines counted"), Kind.INT, total=True),
        Column("units_counted", _("Units counted"), Kind.INT, total=True),
        Column("net_variance", _("Net variance (units)"), Kind.INT, total=True),
        Column("abs_variance", _("Absolute variance (units)"), Kind.INT, total=True),
        Column("variance_value", _("Net variance at cost"), Kind.MONEY, total=True),
        Column("abs_variance_value", _("Absolute variance at cost"), Kind.MONEY, total=True),
        Column("accuracy", _("Accuracy"), Kind.PERCENT),
    )
    filters = frozenset({"dates", "location"})
    default_sort = "-posted_at"
    chart = Chart(
        kind="bar",
        label_key="location",
        series=("abs_variance_value",),
        fallback=("abs_variance",),
        title=_("Absolute variance at cost by location"),
    )
    cost_columns = frozenset({"variance_value", "abs_variance_value"})

    def query(self, filters: ReportFilters) -> SQL:
        where = Where()
        where.add("c.status = 'posted'")
        restrict_dates(where, filters, "c.posted_at")
        restrict_locations(where, filters, "c.location_id")
        sql = f"""
            SELECT c.number AS number, l.code AS location, coalesce(g.name, %s) AS scope,
                   c.posted_at AS posted_at,
                   count(cl.id) AS lines_counted,
                   coalesce(sum(cl.counted), 0) AS units_counted,
                   coalesce(sum(cl.variance), 0) AS net_variance,
                   coalesce(sum(abs(cl.variance)), 0) AS abs_variance,
                   coalesce(sum(cl.variance * v.cost_price), 0) AS variance_value,
                   coalesce(sum(abs(cl.variance) * v.cost_price), 0) AS abs_variance_value,
                   round(count(*) FILTER (WHERE cl.variance = 0)::numeric / nullif(count(cl.id), 0), 4)
                       AS accuracy
            FROM {COUNT} c
            JOIN {LOCATION} l ON l.id = c.location_id
            LEFT JOIN {CATEGORY} g ON g.id = c.category_id
            LEFT JOIN {COUNT_LINE} cl ON cl.count_id = c.id AND cl.counted IS NOT NULL
            LEFT JOIN {VARIANT} v ON v.id = cl.variant_id
            WHERE {where.sql}
            GROUP BY c.id, l.id, g.id
        """
        return sql, [gettext("Whole location"), *where.params]
