"""Stock reports on the live levels: position (on hand, available, value), exceptions (out of stock, below
safety), ageing (days since the last sale, cover). One aggregate SQL statement each, over the stock levels
of active locations (an inactive location keeps its rows but no longer trades: it would only add noise).
Position, exceptions and the ageing summary read the stock summaries (a few rows per location, kept by
triggers: inventory/summaries.py) instead of millions of levels, with the same figures."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from inventory import summaries
from inventory.reports.filters import (
    BRAND,
    CATEGORY,
    LOCATION,
    MOVEMENT,
    PRODUCT,
    STOCK,
    VARIANT,
    StockReport,
    needs_product,
    restrict_products,
)
from inventory.services.stock_summary import fold_stock_summaries, summary_tz
from omni.reports.base import SQL, Chart, Column, Freshness, Kind, Label, ReportFilters
from omni.reports.sql import Where, restrict_locations

if TYPE_CHECKING:
    from omni.actors import Actor


def local_today(filters: ReportFilters) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(filters.tz)).date()


def stock_scope(filters: ReportFilters) -> Where:
    """Stock levels (alias s; product alias p) of the locations in scope, of the chosen products. Inactive
    locations are left out after aggregating (a join to the few location groups), not row by row."""
    where = Where()
    restrict_locations(where, filters, "s.location_id")
    restrict_products(where, filters)
    return where


def summary_rows(summary: str, delta: str, columns: tuple[str, ...]) -> str:
    """A summary's rows and its deltas not folded yet (alias x): summed by key, the live figures."""
    cols = ", ".join(("location_id", "category_id", "brand_id", *columns))
    return f"(SELECT {cols} FROM {summary} UNION ALL SELECT {cols} FROM {delta}) x"


def summary_scope(filters: ReportFilters) -> Where:
    """The summary rows (alias x) of the locations in scope and the chosen products."""
    where = Where()
    restrict_locations(where, filters, "x.location_id")
    restrict_products(where, filters, product="x")
    return where


class SummarisedStockReport(StockReport):
    """A stock report read from the stock summaries (inventory.services.stock_summary) rather than from every
    stock level: the summary rows plus the deltas the triggers appended since the last fold, so the figures
    are those of the live query (`live_query`, kept for other time zones and the tests) at any moment. The
    page folds the deltas first, so it has few to add."""

    def uses_summary(self, filters: ReportFilters) -> bool:
        return filters.tz == summary_tz()

    def refresh(self, filters: ReportFilters) -> None:
        if self.uses_summary(filters):
            fold_stock_summaries()

    def freshness(self, filters: ReportFilters) -> Freshness | None:
        if not self.uses_summary(filters):
            return None
        return Freshness(as_of=timezone.now(), every_minutes=settings.OMNI_SUMMARY_REFRESH_MINUTES)

    def query(self, filters: ReportFilters) -> SQL:
        return self.summary_query(filters) if self.uses_summary(filters) else self.live_query(filters)

    def summary_query(self, filters: ReportFilters) -> SQL:
        raise NotImplementedError

    def live_query(self, filters: ReportFilters) -> SQL:
        raise NotImplementedError


class StockPositionReport(SummarisedStockReport):
    slug = "stock-position"
    title = _("Stock position")
    group = "stock"
    description = _(
        "On hand, reserved and available units by location and category (or brand), with their value at "
        "cost and at retail. Available = on hand - reserved - safety stock, never below 0, summed SKU by "
        "SKU. SKUs without a cost price are left out of the value at cost; their units are shown apart. "
        "The total of SKUs in stock counts a SKU once per location."
    )
    columns = (
        Column("location", _("Location")),
        Column("location_name", _("Location name")),
        Column("group_name", _("Category or brand")),
        Column("skus_stocked", _("SKUs in stock"), Kind.INT, total=True),
        Column("on_hand", _("On hand"), Kind.INT, total=True),
        Column("reserved", _("Reserved"), Kind.INT, total=True),
        Column("available", _("Available"), Kind.INT, total=True),
        Column("value_cost", _("Value at cost"), Kind.MONEY, total=True),
        Column("units_without_cost", _("Units without cost price"), Kind.INT, total=True),
        Column("value_retail", _("Value at retail"), Kind.MONEY, total=True),
    )
    filters = frozenset({"location", "category", "brand"})
    default_sort = "-value_retail"
    chart = Chart(
        kind="bar",
        label_key="location",
        series=("value_retail", "value_cost"),
        title=_("Value at retail and at cost by location"),
    )
    cost_columns = frozenset({"value_cost", "units_without_cost"})

    def extra_fields(self, actor: Actor) -> dict[str, forms.Field]:
        return {
            "group_by": forms.ChoiceField(
                label=_("Group by"),
                choices=[("category", _("Category")), ("brand", _("Brand"))],
                initial="category",
                required=False,
            )
        }

    def summary_query(self, filters: ReportFilters) -> SQL:
        by_brand = filters.extra.get("group_by") == "brand"
        group_table, group_column = (BRAND, "x.brand_id") if by_brand else (CATEGORY, "x.category_id")
        where = summary_scope(filters)
        rows = summary_rows(summaries.STOCK, summaries.STOCK_DELTA, tuple(summaries.STOCK_FIGURES))
        sql = f"""
            SELECT l.code AS location, l.name AS location_name, g.name AS group_name,
                   a.skus_stocked, a.on_hand, a.reserved, a.available, a.value_cost, a.units_without_cost,
                   a.value_retail
            FROM (
                SELECT x.location_id, {group_column} AS group_id,
                       sum(x.skus_stocked)::bigint AS skus_stocked,
                       sum(x.on_hand)::bigint AS on_hand,
                       sum(x.reserved)::bigint AS reserved,
                       sum(x.available)::bigint AS available,
                       (coalesce(sum(x.cost_cents), 0) / 100.0)::numeric(16, 2) AS value_cost,
                       sum(x.units_without_cost)::bigint AS units_without_cost,
                       (coalesce(sum(x.retail_cents), 0) / 100.0)::numeric(16, 2) AS value_retail
                FROM {rows}
                WHERE {where.sql}
                GROUP BY 1, 2
                HAVING sum(x.levels) > 0
            ) a
            JOIN {LOCATION} l ON l.id = a.location_id AND l.active
            JOIN {group_table} g ON g.id = a.group_id
        """
        return sql, where.params

    def live_query(self, filters: ReportFilters) -> SQL:
        by_brand = filters.extra.get("group_by") == "brand"
        group_table, group_column = (BRAND, "p.brand_id") if by_brand else (CATEGORY, "p.category_id")
        where = stock_scope(filters)
        # Aggregate the levels by (location, group) first, then name them: the joins to the names run on
        # a few thousand groups, not on every stock row.
        sql = f"""
            SELECT l.code AS location, l.name AS location_name, g.name AS group_name,
                   a.skus_stocked, a.on_hand, a.reserved, a.available, a.value_cost, a.units_without_cost,
                   a.value_retail
            FROM (
                SELECT s.location_id, {group_column} AS group_id,
                       count(*) FILTER (WHERE s.on_hand > 0) AS skus_stocked,
                       sum(s.on_hand) AS on_hand,
                       sum(s.reserved) AS reserved,
                       sum(greatest(s.on_hand - s.reserved - s.safety_stock, 0)) AS available,
                       (coalesce(sum(s.on_hand * v.cost_cents), 0) / 100.0)::numeric(16, 2) AS value_cost,
                       coalesce(sum(s.on_hand) FILTER (WHERE v.cost_cents IS NULL), 0) AS units_without_cost,
                       (coalesce(sum(s.on_hand * v.price_cents), 0) / 100.0)::numeric(16, 2) AS value_retail
                FROM {STOCK} s
                JOIN {VARIANT} v ON v.id = s.variant_id
                JOIN {PRODUCT} p ON p.id = v.product_id
                WHERE {where.sql}
                GROUP BY 1, 2
            ) a
            JOIN {LOCATION} l ON l.id = a.location_id AND l.active
            JOIN {group_table} g ON g.id = a.group_id
        """
        return sql, where.params


class StockExceptionsReport(SummarisedStockReport):
    slug = "stock-exceptions"
    title = _("Out of stock and below safety")
    group = "stock"
    description = _(
        "For each location, the SKUs it carries (those with a stock level there: received, counted or "
        "given a safety stock at some time), how many are out of stock (nothing left to sell: on hand - "
        "reserved is 0), below safety stock (some left, but fewer than the safety stock) and below their "
        "reorder point (available under the reorder point, out of stock included, where one is set)."
    )
    columns = (
        Column("location", _("Location")),
        Column("location_name", _("Location name")),
        Column("skus_carried", _("SKUs carried"), Kind.INT, total=True),
        Column("out_of_stock", _("Out of stock"), Kind.INT, total=True),
        Column("below_safety", _("Below safety stock"), Kind.INT, total=True),
        Column("below_reorder", _("Below reorder point"), Kind.INT, total=True),
        Column("share_out_of_stock", _("Share out of stock"), Kind.PERCENT),
    )
    filters = frozenset({"location", "category", "brand"})
    default_sort = "-out_of_stock"
    chart = Chart(
        kind="bar",
        label_key="location",
        series=("out_of_stock", "below_safety"),
        stacked=True,
        title=_("Out of stock and below safety by location"),
    )

    def summary_query(self, filters: ReportFilters) -> SQL:
        where = summary_scope(filters)
        rows = summary_rows(summaries.STOCK, summaries.STOCK_DELTA, tuple(summaries.STOCK_FIGURES))
        sql = f"""
            SELECT l.code AS location, l.name AS location_name, a.skus_carried, a.out_of_stock,
                   a.below_safety, a.below_reorder,
                   round(a.out_of_stock::numeric / nullif(a.skus_carried, 0), 4) AS share_out_of_stock
            FROM (
                SELECT x.location_id,
                       sum(x.levels)::bigint AS skus_carried,
                       sum(x.out_of_stock)::bigint AS out_of_stock,
                       sum(x.below_safety)::bigint AS below_safety,
                       sum(x.below_reorder)::bigint AS below_reorder
                FROM {rows}
                WHERE {where.sql}
                GROUP BY 1
                HAVING sum(x.levels) > 0
            ) a
            JOIN {LOCATION} l ON l.id = a.location_id AND l.active
        """
        return sql, where.params

    def live_query(self, filters: ReportFilters) -> SQL:
        where = stock_scope(filters)
        join = (
            f"JOIN {VARIANT} v ON v.id = s.variant_id JOIN {PRODUCT} p ON p.id = v.product_id"
            if needs_product(filters)
            else ""
        )
        sql = f"""
            SELECT l.code AS location, l.name AS location_name, a.skus_carried, a.out_of_stock,
                   a.below_safety, a.below_reorder,
                   round(a.out_of_stock::numeric / nullif(a.skus_carried, 0), 4) AS share_out_of_stock
            FROM (
                SELECT s.location_id,
                       count(*) AS skus_carried,
                       count(*) FILTER (WHERE s.on_hand - s.reserved <= 0) AS out_of_stock,
                       count(*) FILTER (
                           WHERE s.on_hand - s.reserved > 0 AND s.on_hand - s.reserved < s.safety_stock
                       ) AS below_safety,
                       count(*) FILTER (
                           WHERE s.reorder_point > 0
                             AND greatest(s.on_hand - s.reserved - s.safety_stock, 0) < s.reorder_point
                       ) AS below_reorder
                FROM {STOCK} s {join}
                WHERE {where.sql}
                GROUP BY 1
            ) a
            JOIN {LOCATION} l ON l.id = a.location_id AND l.active
        """
        return sql, where.params


AGE_BUCKETS = ((30, "0-30"), (90, "31-90"), (180, "91-180"), (365, "181-365"))


class StockAgeingReport(StockReport):
    slug = "stock-ageing"
    title = _("Ageing and overstock")
    group = "stock"
    description = _(
        "Every SKU on hand at a location, with the days since it last sold there (blank: never sold), the "
        "units sold in the last 28 days and the days of cover they give (on hand / daily sales of the last "
        "28 days; blank when nothing sold). Value at cost is blank for SKUs without a cost price."
    )
    columns = (
        Column("sku", _("SKU")),
        Column("product", _("Product")),
        Column("location", _("Location")),
        Column("on_hand", _("On hand"), Kind.INT, total=True),
        Column("value_cost", _("Value at cost"), Kind.MONEY, total=True),
        Column("last_sale", _("Last sale"), Kind.DATETIME),
        Column("days_since_sale", _("Days since last sale"), Kind.INT),
        Column("sold_28", _("Sold in 28 days"), Kind.INT, total=True),
        Column("days_cover", _("Days of cover"), Kind.DECIMAL),
        Column("age_bucket", _("Age")),
    )
    filters = frozenset({"location", "category", "brand"})
    default_sort = "-days_since_sale"
    chart = Chart(
        kind="bar",
        label_key="age_bucket",
        series=("value_cost",),
        fallback=("on_hand",),
        title=_("Value at cost by age"),
    )
    cost_columns = frozenset({"value_cost"})
    # one row per SKU and location: at network scope millions of rows, so big exports run in the background
    background_rows = 100_000
    page_locations = 5  # the page lists SKUs of at most this many locations at once

    def page_refusal(self, filters: ReportFilters) -> Label | None:
        if filters.location_ids is None or len(filters.location_ids) > self.page_locations:
            return _(
                "Choose a location: this report lists every SKU on hand, one row per SKU and location "
                "(millions of rows across the network). The ageing summary shows the whole network by age; "
                "the CSV and XLSX exports cover every location and run in the background."
            )
        return None

    def extra_fields(self, actor: Actor) -> dict[str, forms.Field]:
        return {
            "min_days": forms.IntegerField(
                label=_("Unsold for at least (days)"),
                min_value=0,
                max_value=36_500,
                initial=0,
                required=False,
                help_text=_("Never-sold SKUs are always included."),
            )
        }

    def query(self, filters: ReportFilters) -> SQL:
        where = Where()
        where.add("l.active")  # joined anyway for the code: no semi-join to the active locations
        restrict_locations(where, filters, "s.location_id")
        restrict_products(where, filters)
        where.add("s.on_hand > 0")
        min_days = filters.extra.get("min_days") or 0
        if min_days > 0:
            where.add("(a.days IS NULL OR a.days >= %s)", min_days)
        cases = " ".join(f"WHEN a.days <= {limit} THEN '{label}'" for limit, label in AGE_BUCKETS)
        bucket_params = [gettext("never sold"), gettext("over 365")]
        since = timezone.now() - dt.timedelta(days=28)
        sold = Where()
        sold.add("m.kind = 'sale'")
        sold.add("m.created_at >= %s", since)
        restrict_locations(sold, filters, "m.location_id")
        # Sales of the last 28 days summed per (location, SKU) once, on the (location, kind, time) index,
        # then hash-joined to the levels: never a lookup per stock row.
        sql = f"""
            SELECT v.sku AS sku, p.name AS product, l.code AS location, s.on_hand AS on_hand,
                   s.on_hand * v.cost_price AS value_cost,
                   s.last_sale_at AS last_sale,
                   a.days AS days_since_sale,
                   coalesce(sold.units, 0) AS sold_28,
                   round(s.on_hand * 28.0 / nullif(sold.units, 0), 1) AS days_cover,
                   CASE WHEN a.days IS NULL THEN %s {cases} ELSE %s END AS age_bucket
            FROM {STOCK} s
            JOIN {LOCATION} l ON l.id = s.location_id
            JOIN {VARIANT} v ON v.id = s.variant_id
            JOIN {PRODUCT} p ON p.id = v.product_id
            CROSS JOIN LATERAL (SELECT %s::date - (s.last_sale_at AT TIME ZONE %s)::date AS days) a
            LEFT JOIN (
                SELECT m.location_id, m.variant_id, -sum(m.delta) AS units
                FROM {MOVEMENT} m
                WHERE {sold.sql}
                GROUP BY 1, 2
            ) sold ON sold.location_id = s.location_id AND sold.variant_id = s.variant_id
            WHERE {where.sql}
        """
        params = [*bucket_params, local_today(filters), filters.tz, *sold.params, *where.params]
        return sql, params


class StockAgeingSummaryReport(SummarisedStockReport):
    slug = "stock-ageing-summary"
    title = _("Ageing summary")
    group = "stock"
    description = _(
        "The stock on hand of each location by age: the days since each SKU last sold there (0-30, 31-90, "
        "91-180, 181-365, over 365 days, never sold), with the SKUs, units and their value. The SKU-level "
        "list is the Ageing and overstock report."
    )
    columns = (
        Column("location", _("Location")),
        Column("location_name", _("Location name")),
        Column("age_bucket", _("Age")),
        Column("skus", _("SKUs"), Kind.INT, total=True),
        Column("on_hand", _("On hand"), Kind.INT, total=True),
        Column("value_cost", _("Value at cost"), Kind.MONEY, total=True),
        Column("value_retail", _("Value at retail"), Kind.MONEY, total=True),
    )
    filters = frozenset({"location", "category", "brand"})
    default_sort = "location"
    chart = Chart(
        kind="bar",
        label_key="age_bucket",
        series=("value_cost",),
        fallback=("value_retail",),
        title=_("Value at cost by age"),
        limit=6,
    )
    cost_columns = frozenset({"value_cost"})

    def summary_query(self, filters: ReportFilters) -> SQL:
        where = summary_scope(filters)
        # The summary keeps the local day of the last sale: a SKU is within N days of it when that day is
        # on or after today - N (the live query's "on or after local midnight N days ago").
        today = local_today(filters)
        since = [today - dt.timedelta(days=limit) for limit, _label in AGE_BUCKETS]
        cases = " ".join(f"WHEN x.last_sale_day >= %s THEN {n}" for n in range(len(AGE_BUCKETS)))
        labels = " ".join(f"WHEN {n} THEN '{label}'" for n, (_limit, label) in enumerate(AGE_BUCKETS))
        never, over = len(AGE_BUCKETS) + 1, len(AGE_BUCKETS)
        rows = summary_rows(summaries.AGE, summaries.AGE_DELTA, ("last_sale_day", *summaries.AGE_FIGURES))
        sql = f"""
            SELECT l.code AS location, l.name AS location_name,
                   CASE g.bucket {labels} WHEN {over} THEN %s ELSE %s END AS age_bucket,
                   g.skus, g.on_hand, g.value_cost, g.value_retail
            FROM (
                SELECT x.location_id,
                       CASE WHEN x.last_sale_day IS NULL THEN {never} {cases} ELSE {over} END AS bucket,
                       sum(x.skus)::bigint AS skus, sum(x.on_hand)::bigint AS on_hand,
                       (coalesce(sum(x.cost_cents), 0) / 100.0)::numeric(16, 2) AS value_cost,
                       (coalesce(sum(x.retail_cents), 0) / 100.0)::numeric(16, 2) AS value_retail
                FROM {rows}
                WHERE {where.sql}
                GROUP BY 1, 2
                HAVING sum(x.skus) > 0
            ) g
            JOIN {LOCATION} l ON l.id = g.location_id AND l.active
        """
        params = [gettext("over 365"), gettext("never sold"), *since, *where.params]
        return sql, params

    def live_query(self, filters: ReportFilters) -> SQL:
        where = stock_scope(filters)
        where.add("s.on_hand > 0")
        join = f"JOIN {VARIANT} v ON v.id = s.variant_id" + (
            f" JOIN {PRODUCT} p ON p.id = v.product_id" if needs_product(filters) else ""
        )
        # A SKU is within N days of its last sale when it last sold on or after local midnight N days ago:
        # comparing the timestamp with those instants (not converting each row's time to a local date)
        # keeps the aggregate over millions of stock rows cheap.
        today = local_today(filters)
        tz = ZoneInfo(filters.tz)
        since = [
            dt.datetime.combine(today - dt.timedelta(days=limit), dt.time.min, tzinfo=tz)
            for limit, _label in AGE_BUCKETS
        ]
        cases = " ".join(f"WHEN s.last_sale_at >= %s THEN {n}" for n in range(len(AGE_BUCKETS)))
        labels = " ".join(f"WHEN {n} THEN '{label}'" for n, (_limit, label) in enumerate(AGE_BUCKETS))
        never, over = len(AGE_BUCKETS) + 1, len(AGE_BUCKETS)
        # Bucket numbers while aggregating (cheap integers over every stock row), their names on the few
        # groups; the sort by name keeps the buckets in age order within a location.
        sql = f"""
            SELECT l.code AS location, l.name AS location_name,
                   CASE g.bucket {labels} WHEN {over} THEN %s ELSE %s END AS age_bucket,
                   g.skus, g.on_hand, g.value_cost, g.value_retail
            FROM (
                SELECT s.location_id,
                       CASE WHEN s.last_sale_at IS NULL THEN {never} {cases} ELSE {over} END AS bucket,
                       count(*) AS skus, sum(s.on_hand) AS on_hand,
                       (coalesce(sum(s.on_hand * v.cost_cents), 0) / 100.0)::numeric(16, 2) AS value_cost,
                       (coalesce(sum(s.on_hand * v.price_cents), 0) / 100.0)::numeric(16, 2) AS value_retail
                FROM {STOCK} s {join}
                WHERE {where.sql}
                GROUP BY 1, 2
            ) g
            JOIN {LOCATION} l ON l.id = g.location_id AND l.active
        """
        params = [gettext("over 365"), gettext("never sold"), *since, *where.params]
        return sql, params
