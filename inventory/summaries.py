"""The SQL of the stock summaries (inventory.models.StockSummary, StockAgeSummary): what one stock level adds
to them, the triggers that append the deltas of every change, and the full build. One copy, used by the
migration that installs the triggers, by inventory.services.stock_summary (fold, rebuild) and, for the
column names, by the stock reports.

Every figure is a sum over stock level rows of a function of the row, its variant and its product. So the
effect of any change is (the figures of the new rows) - (the figures of the old rows), grouped by the
summary's key: a statement-level trigger (transition tables, so one INSERT per statement however many rows
it touched) appends exactly that to the delta tables, in the writer's transaction. The summary + the deltas
not yet folded = the live aggregate, in every snapshot.

What changes a level's figures: its own row (INSERT, UPDATE, DELETE on inventory_stocklevel), its variant's
price, cost price or product, its product's category or brand. The variant and product triggers re-add the
levels of the changed rows with the old and the new attributes; they lock the stock levels in SHARE mode
first, so no stock write is in flight or starts until they commit (a stock write's trigger reads the variant
as committed: it must never pair an old price with a change the price trigger does not see). Price and
category changes are rare back-office edits; a sale never waits on them otherwise.

Not seen: TRUNCATE, triggers disabled (session_replication_role = replica), a change of settings.TIME_ZONE
(the ageing summary's days are local days): run `manage.py refresh_stock_summaries --rebuild` after those.
"""

# ruff: noqa: S608 - SQL made of our own table and column names and fixed expressions, never of input

from __future__ import annotations

import re

STOCK = "inventory_stocksummary"
STOCK_DELTA = "inventory_stocksummarydelta"
AGE = "inventory_stockagesummary"
AGE_DELTA = "inventory_stockagesummarydelta"
AGE_UNIQUE = "stock_age_summary_unique"
STOCK_UNIQUE = "stock_summary_unique"
TZ_FUNCTION = "inventory_stock_summary_tz"

STOCK_KEYS = ("location_id", "category_id", "brand_id")
AGE_KEYS = ("location_id", "category_id", "brand_id", "last_sale_day")

# The figures of a set of rows `x` (sign +1 / -1, the level's columns, the variant's price_cents and
# cost_cents, the product's category_id and brand_id), as sums. The live reports' definitions:
# inventory.reports.stock (available never below 0; no cost price: 0 at cost and counted apart).
_AVAILABLE = "greatest(x.on_hand - x.reserved - x.safety_stock, 0)"
STOCK_FIGURES: dict[str, str] = {
    "levels": "sum(x.sign)",
    "skus_stocked": "sum(CASE WHEN x.on_hand > 0 THEN x.sign ELSE 0 END)",
    "on_hand": "sum(x.sign * x.on_hand)",
    "reserved": "sum(x.sign * x.reserved)",
    "available": f"sum(x.sign * {_AVAILABLE})",
    "cost_cents": "sum(x.sign * x.on_hand * coalesce(x.cost_cents, 0))",
    "units_without_cost": "sum(CASE WHEN x.cost_cents IS NULL THEN x.sign * x.on_hand ELSE 0 END)",
    "retail_cents": "sum(x.sign * x.on_hand * x.price_cents)",
    "out_of_stock": "sum(CASE WHEN x.on_hand - x.reserved <= 0 THEN x.sign ELSE 0 END)",
    "below_safety": (
        "sum(CASE WHEN x.on_hand - x.reserved > 0 AND x.on_hand - x.reserved < x.safety_stock "
        "THEN x.sign ELSE 0 END)"
    ),
    "below_reorder": (
        f"sum(CASE WHEN x.reorder_point > 0 AND {_AVAILABLE} < x.reorder_point THEN x.sign ELSE 0 END)"
    ),
}
# Only levels with stock on hand; the day of the last sale in the summary's time zone (NULL: never sold).
AGE_DAY = f"(x.last_sale_at AT TIME ZONE {TZ_FUNCTION}())::date"
AGE_FIGURES: dict[str, str] = {
    "skus": "sum(x.sign)",
    "on_hand": "sum(x.sign * x.on_hand)",
    "cost_cents": "sum(x.sign * x.on_hand * coalesce(x.cost_cents, 0))",
    "retail_cents": "sum(x.sign * x.on_hand * x.price_cents)",
}

_LEVEL_COLUMNS = "location_id, variant_id, on_hand, reserved, safety_stock, reorder_point, last_sale_at"


def _x_columns(level: str, variant: str, product: str, sign: str) -> str:
    """The columns of `x` from a level, a variant and a product alias (or a row carrying their fields)."""
    return (
        f"{sign} AS sign, {level}.location_id, {level}.on_hand, {level}.reserved, {level}.safety_stock, "
        f"{level}.reorder_point, {level}.last_sale_at, {variant}.price_cents, {variant}.cost_cents, "
        f"{product}.category_id, {product}.brand_id"
    )


def append_deltas(source: str) -> str:
    """One statement: the deltas of the rows `x` of `source` (a SELECT of the x columns) into both delta
    tables, groups that add up to nothing left out."""
    stock_cols = ", ".join(STOCK_FIGURES)
    stock_sums = ", ".join(STOCK_FIGURES.values())
    stock_any = " OR ".join(f"{expr} <> 0" for expr in STOCK_FIGURES.values())
    age_cols = ", ".join(AGE_FIGURES)
    age_sums = ", ".join(AGE_FIGURES.values())
    age_any = " OR ".join(f"{expr} <> 0" for expr in AGE_FIGURES.values())
    return f"""
        WITH x AS MATERIALIZED ({source}),
        stock AS (
            INSERT INTO {STOCK_DELTA} ({", ".join(STOCK_KEYS)}, {stock_cols})
            SELECT x.location_id, x.category_id, x.brand_id, {stock_sums}
            FROM x
            GROUP BY 1, 2, 3
            HAVING {stock_any}
        )
        INSERT INTO {AGE_DELTA} ({", ".join(AGE_KEYS)}, {age_cols})
        SELECT x.location_id, x.category_id, x.brand_id, {AGE_DAY}, {age_sums}
        FROM x
        WHERE x.on_hand > 0
        GROUP BY 1, 2, 3, 4
        HAVING {age_any}
    """


def live_select(figures: dict[str, str], keys: tuple[str, ...], *, day: str | None = None) -> str:
    """The figures of every stock level by the summary's key, as the summary holds them (bigint sums)."""
    source = (
        f"SELECT {_x_columns('s', 'v', 'p', '1')} FROM inventory_stocklevel s "
        "JOIN inventory_variant v ON v.id = s.variant_id JOIN inventory_product p ON p.id = v.product_id"
    )
    key_exprs = ["x.location_id", "x.category_id", "x.brand_id"] + (
        [f"{day} AS last_sale_day"] if day else []
    )
    where = "WHERE x.on_hand > 0" if day else ""
    positions = ", ".join(str(n) for n in range(1, len(keys) + 1))
    sums = ", ".join(f"({expr})::bigint AS {name}" for name, expr in figures.items())
    return f"""
        SELECT {", ".join(key_exprs)}, {sums}
        FROM ({source}) x
        {where}
        GROUP BY {positions}
    """


def kept_select(summary: str, delta: str, figures: dict[str, str], keys: tuple[str, ...]) -> str:
    """What the summary says: its rows plus the deltas not folded yet, by key, groups of no level left out."""
    cols = ", ".join(list(keys) + list(figures))
    sums = ", ".join(f"sum({c})::bigint AS {c}" for c in figures)
    first = next(iter(figures))
    return f"""
        SELECT {", ".join(keys)}, {sums}
        FROM (SELECT {cols} FROM {summary} UNION ALL SELECT {cols} FROM {delta}) k
        GROUP BY {", ".join(keys)}
        HAVING sum({first}) <> 0
    """


def drift_select() -> str:
    """The number of groups where the summaries (with their deltas) and the stock levels disagree."""
    pairs = [
        (live_select(STOCK_FIGURES, STOCK_KEYS), kept_select(STOCK, STOCK_DELTA, STOCK_FIGURES, STOCK_KEYS)),
        (
            live_select(AGE_FIGURES, AGE_KEYS, day=AGE_DAY),
            kept_select(AGE, AGE_DELTA, AGE_FIGURES, AGE_KEYS),
        ),
    ]
    counts = [
        f"(SELECT count(*) FROM (({live}) EXCEPT ALL ({kept}) UNION ALL (({kept}) EXCEPT ALL ({live}))) d)"
        for live, kept in pairs
    ]
    return "SELECT " + " + ".join(counts)


def build(target: str, figures: dict[str, str], keys: tuple[str, ...], *, day: str | None = None) -> str:
    """INSERT into a summary table the figures of every stock level (the full build)."""
    columns = ", ".join((*keys, *figures))
    return f"INSERT INTO {target} ({columns}) {live_select(figures, keys, day=day)}"


def build_statements() -> list[str]:
    """Empty the summaries and their deltas, and add up every stock level again. The caller holds the
    stock levels, variants and products in SHARE mode (nothing changes meanwhile)."""
    return [
        f"DELETE FROM {STOCK_DELTA}",
        f"DELETE FROM {AGE_DELTA}",
        f"DELETE FROM {STOCK}",
        f"DELETE FROM {AGE}",
        build(STOCK, STOCK_FIGURES, STOCK_KEYS),
        build(AGE, AGE_FIGURES, AGE_KEYS, day=AGE_DAY),
    ]


LOCK_FOR_BUILD = "LOCK TABLE inventory_stocklevel, inventory_variant, inventory_product IN SHARE MODE"


def fold_statement(
    summary: str, delta: str, keys: tuple[str, ...], figures: dict[str, str], unique: str
) -> str:
    """Move the deltas visible now into the summary (one statement, so one snapshot): delete them, add them
    up by key, and add those sums to the summary rows. Returns the ids and first figure of the rows touched,
    for removing those that fell to zero."""
    cols = ", ".join(figures)
    first = next(iter(figures))
    sums = ", ".join(f"sum({c})" for c in figures)
    updates = ", ".join(f"{c} = {summary}.{c} + excluded.{c}" for c in figures)
    return f"""
        WITH d AS (DELETE FROM {delta} RETURNING {", ".join(keys)}, {cols})
        INSERT INTO {summary} ({", ".join(keys)}, {cols})
        SELECT {", ".join(keys)}, {sums} FROM d GROUP BY {", ".join(keys)}
        ON CONFLICT ON CONSTRAINT {unique} DO UPDATE SET {updates}
        RETURNING id, {first}
    """


def fold_statements() -> list[tuple[str, str]]:
    """(fold, table) for both summaries; the table's first figure is its row count (levels, skus)."""
    return [
        (fold_statement(STOCK, STOCK_DELTA, STOCK_KEYS, STOCK_FIGURES, STOCK_UNIQUE), STOCK),
        (fold_statement(AGE, AGE_DELTA, AGE_KEYS, AGE_FIGURES, AGE_UNIQUE), AGE),
    ]


# --- The triggers ---------------------------------------------------------------------------------------


def tz_function_sql(tz: str) -> str:
    """The summary's time zone as an IMMUTABLE SQL function (the triggers' day of the last sale)."""
    if not re.fullmatch(r"[A-Za-z0-9_+/-]+", tz):
        raise ValueError(f"Not a time zone name: {tz!r}")
    return (
        f"CREATE OR REPLACE FUNCTION {TZ_FUNCTION}() RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
        f"AS $$ SELECT '{tz}'::text $$"
    )


def _levels_source(table: str, sign: str) -> str:
    return (
        f"SELECT {_x_columns('s', 'v', 'p', sign)} FROM {table} s "
        "JOIN inventory_variant v ON v.id = s.variant_id JOIN inventory_product p ON p.id = v.product_id"
    )


def _levels_function() -> str:
    inserted = append_deltas(_levels_source("new_rows", "1"))
    updated = append_deltas(f"{_levels_source('new_rows', '1')} UNION ALL {_levels_source('old_rows', '-1')}")
    deleted = append_deltas(_levels_source("old_rows", "-1"))
    return f"""
        CREATE OR REPLACE FUNCTION inventory_stock_summary_levels() RETURNS trigger
        LANGUAGE plpgsql AS $fn$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {inserted};
            ELSIF TG_OP = 'UPDATE' THEN
                {updated};
            ELSE
                {deleted};
            END IF;
            RETURN NULL;
        END
        $fn$
    """


def _variants_function() -> str:
    """A changed price, cost price or product re-adds the variant's levels with the old and new values."""
    changed = (
        "SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id "
        "WHERE (o.product_id, o.price_cents, o.cost_cents) IS DISTINCT FROM "
        "(n.product_id, n.price_cents, n.cost_cents)"
    )

    def side(rows: str, sign: str) -> str:
        return (
            f"SELECT {_x_columns('s', 'r', 'p', sign)} FROM {rows} r "
            f"JOIN inventory_stocklevel s ON s.variant_id = r.id "
            f"JOIN inventory_product p ON p.id = r.product_id WHERE r.id IN ({changed})"
        )

    source = f"{side('new_rows', '1')} UNION ALL {side('old_rows', '-1')}"
    return f"""
        CREATE OR REPLACE FUNCTION inventory_stock_summary_variants() RETURNS trigger
        LANGUAGE plpgsql AS $fn$
        BEGIN
            IF EXISTS ({changed}) THEN
                LOCK TABLE inventory_stocklevel IN SHARE MODE;
                {append_deltas(source)};
            END IF;
            RETURN NULL;
        END
        $fn$
    """


def _products_function() -> str:
    """A changed category or brand re-adds the levels of the product's variants under the old and new."""
    changed = (
        "SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id "
        "WHERE (o.category_id, o.brand_id) IS DISTINCT FROM (n.category_id, n.brand_id)"
    )

    def side(rows: str, sign: str) -> str:
        return (
            f"SELECT {_x_columns('s', 'v', 'r', sign)} FROM {rows} r "
            f"JOIN inventory_variant v ON v.product_id = r.id "
            f"JOIN inventory_stocklevel s ON s.variant_id = v.id WHERE r.id IN ({changed})"
        )

    source = f"{side('new_rows', '1')} UNION ALL {side('old_rows', '-1')}"
    return f"""
        CREATE OR REPLACE FUNCTION inventory_stock_summary_products() RETURNS trigger
        LANGUAGE plpgsql AS $fn$
        BEGIN
            IF EXISTS ({changed}) THEN
                LOCK TABLE inventory_stocklevel IN SHARE MODE;
                {append_deltas(source)};
            END IF;
            RETURN NULL;
        END
        $fn$
    """


_TRIGGERS = (
    ("inventory_stocklevel", "stock_summary_levels_ins", "INSERT", "NEW TABLE AS new_rows", "levels"),
    (
        "inventory_stocklevel",
        "stock_summary_levels_upd",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "levels",
    ),
    ("inventory_stocklevel", "stock_summary_levels_del", "DELETE", "OLD TABLE AS old_rows", "levels"),
    (
        "inventory_variant",
        "stock_summary_variants_upd",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "variants",
    ),
    (
        "inventory_product",
        "stock_summary_products_upd",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "products",
    ),
)


def install_triggers_sql() -> list[str]:
    """The trigger functions and their statement-level triggers (the time zone function comes first)."""
    statements = [_levels_function(), _variants_function(), _products_function()]
    for table, name, event, referencing, function in _TRIGGERS:
        statements.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION inventory_stock_summary_{function}()"
        )
    return statements


def drop_triggers_sql() -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for table, name, *_ in _TRIGGERS]
    statements += [
        f"DROP FUNCTION IF EXISTS inventory_stock_summary_{f}()" for f in ("levels", "variants", "products")
    ]
    return statements
