"""Customer segments evaluated in SQL: one statement per question, built from the segment's rules
(orders.segment_rules), never a loop over customers in Python.

Who is a member: a loyalty customer (one profile per person) that is neither merged nor erased and has an
email, matching every condition. A person's orders are those carrying their email or the email of a
duplicate merged into them (merges re-point, so one hop), cancelled orders left out.

The statement (`_statement`): two inlined CTEs, `pe` (each person's emails) and `po` (their orders with
the columns the rules read), then `SELECT c.id FROM loyalty_customer c WHERE <the person is active> AND
<condition> AND ...`, each condition a `c.id IN (SELECT po.customer_id ...)` (or a column of the customer).
For one customer (pricing, a member's detail) every CTE is scoped to that person first, so each condition
is a handful of index lookups; for the whole base (counts, the member list, the export, the daily sizes)
the planner hashes the orders of the window against the customers.

Indexes relied on (1M customers): loyalty_customer's unique email and its merged_into foreign key index;
orders' `order_customer_activity` (customer_email, created_at) INCLUDE (status, total, channel, location)
WHERE customer_email <> '' (migration 0009), which serves the spend, last-purchase, channel and city rules
from the index alone, and `orders_order.created_at` for the window scans of the whole base; order lines by
order (their foreign key index) for the category rule; loyalty_member's unique customer for the tier rule."""

# ruff: noqa: S608 -- the SQL is built from table names (Model._meta) and fixed fragments; every value the
# rules carry is a %s parameter

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from inventory.models import Category, Product, Variant
from loyalty.models import Customer, Member, Tier
from omni.cache_versions import VersionedValue
from orders.models import Order, OrderLine, Segment
from stores.models import Location

SQL = tuple[str, list[Any]]

CUSTOMER = Customer._meta.db_table
ACTIVE_PERSON = "c.merged_into_id IS NULL AND c.erased_at IS NULL AND c.email <> ''"


def _ctes(scope: str) -> str:
    """`pe`: (customer_id, email) of each person, their merged duplicates' emails included; `po`: their
    orders not cancelled. `scope` (SQL over a CTE `me(id)`, or "") limits both to one person."""
    # ANY(ARRAY(...)): evaluated once, then an index condition (the primary key, the merged_into index)
    own = "AND c2.id = ANY(ARRAY(SELECT id FROM me))" if scope else ""
    merged = "AND d.merged_into_id = ANY(ARRAY(SELECT id FROM me))" if scope else ""
    # One person: inlined, so each condition reads their few orders by index. The whole base: the join of
    # every person with their orders is built once and read by every segment's condition.
    po = "NOT MATERIALIZED" if scope else "MATERIALIZED"
    return f"""
        pe AS NOT MATERIALIZED (
            SELECT c2.id AS customer_id, c2.email FROM {CUSTOMER} c2 WHERE c2.email <> '' {own}
            UNION ALL
            SELECT d.merged_into_id, d.email FROM {CUSTOMER} d
            WHERE d.merged_into_id IS NOT NULL AND d.email <> '' {merged}
        ),
        po AS {po} (
            SELECT pe.customer_id, o.id, o.created_at, o.total, o.channel, o.started_channel, o.location_id
            FROM pe JOIN {Order._meta.db_table} o ON o.customer_email = pe.email
            WHERE o.customer_email <> '' AND o.status <> 'cancelled'
        )"""


def _tier(rule: dict[str, Any], now: dt.datetime) -> SQL:
    return (
        f"c.id IN (SELECT m.customer_id FROM {Member._meta.db_table} m "
        f"JOIN {Tier._meta.db_table} t ON t.id = m.tier_id WHERE m.status = 'active' AND t.code = ANY(%s))",
        [list(rule["tiers"])],
    )


def _spend(rule: dict[str, Any], now: dt.datetime) -> SQL:
    return (
        "c.id IN (SELECT po.customer_id FROM po WHERE po.created_at >= %s "
        "GROUP BY po.customer_id HAVING sum(po.total) >= %s)",
        [now - dt.timedelta(days=rule["days"]), Decimal(rule["min_amount"])],
    )


def _last_purchase(rule: dict[str, Any], now: dt.datetime) -> SQL:
    cutoff = now - dt.timedelta(days=rule["days"])
    if rule["within"]:
        return "c.id IN (SELECT po.customer_id FROM po WHERE po.created_at >= %s)", [cutoff]
    return "c.id IN (SELECT po.customer_id FROM po GROUP BY po.customer_id HAVING max(po.created_at) < %s)", [
        cutoff
    ]


def _preferred_store(rule: dict[str, Any], now: dt.datetime) -> SQL:
    return "c.preferred_location_id = ANY(%s)", [list(rule["locations"])]


def _city(rule: dict[str, Any], now: dt.datetime) -> SQL:
    # each person's store: where they bought most often (the most recent of equals)
    return (
        "c.id IN (SELECT top.customer_id FROM ("
        "SELECT DISTINCT ON (po.customer_id) po.customer_id, po.location_id FROM po "
        "WHERE po.location_id IS NOT NULL GROUP BY po.customer_id, po.location_id "
        "ORDER BY po.customer_id, count(*) DESC, max(po.created_at) DESC, po.location_id"
        f") AS top JOIN {Location._meta.db_table} s ON s.id = top.location_id "
        "WHERE lower(s.city) = ANY(%s))",
        [[city.lower() for city in rule["cities"]]],
    )


def _categories(rule: dict[str, Any], now: dt.datetime) -> SQL:
    categories = Category._meta.db_table
    return (
        "c.id IN (SELECT po.customer_id FROM po WHERE po.created_at >= %s AND EXISTS ("
        f"SELECT 1 FROM {OrderLine._meta.db_table} l "
        f"JOIN {Variant._meta.db_table} v ON v.id = l.variant_id "
        f"JOIN {Product._meta.db_table} p ON p.id = v.product_id "
        "WHERE l.order_id = po.id AND p.category_id IN ("
        f"WITH RECURSIVE tree(id) AS (SELECT id FROM {categories} WHERE id = ANY(%s) "
        f"UNION SELECT k.id FROM {categories} k JOIN tree ON k.parent_id = tree.id) SELECT id FROM tree)))",
        [now - dt.timedelta(days=rule["days"]), list(rule["categories"])],
    )


def _channels(rule: dict[str, Any], now: dt.datetime) -> SQL:
    channels = list(rule["channels"])
    sql = (
        "c.id IN (SELECT po.customer_id FROM po WHERE (po.channel = ANY(%s) OR po.started_channel = ANY(%s))"
    )
    params: list[Any] = [channels, channels]
    if rule.get("days"):
        sql += " AND po.created_at >= %s"
        params.append(now - dt.timedelta(days=rule["days"]))
    return sql + ")", params


_CONDITIONS = {
    "tier": _tier,
    "spend": _spend,
    "last_purchase": _last_purchase,
    "preferred_store": _preferred_store,
    "city": _city,
    "categories": _categories,
    "channels": _channels,
}


def _where(rules: Sequence[dict[str, Any]], now: dt.datetime) -> SQL:
    """The WHERE of the segment's members: an active person AND every condition."""
    parts, params = [ACTIVE_PERSON], []
    for rule in rules:
        sql, values = _CONDITIONS[rule["kind"]](rule, now)
        parts.append(sql)
        params += values
    return " AND ".join(parts), params


def members_sql(rules: Sequence[dict[str, Any]], now: dt.datetime | None = None) -> SQL:
    """SELECT c.id of every member of a segment with these (cleaned) rules, now."""
    where, params = _where(rules, now or timezone.now())
    return f"WITH {_ctes('')} SELECT c.id FROM {CUSTOMER} c WHERE {where}", params


def segment_members(segment: Segment) -> QuerySet[Customer]:
    """The segment's members now, by email (for the paginated list and the export)."""
    sql, params = members_sql(segment.rules)
    return (
        Customer.objects.filter(pk__in=RawSQL(sql, params))  # noqa: S611 (fixed SQL, values are parameters)
        .select_related("member__tier")
        .order_by("email", "pk")
    )


def member_counts(segments: Iterable[Segment]) -> dict[int, int]:
    """Each segment's member count now, in one query."""
    segments = list(segments)
    if not segments:
        return {}
    now = timezone.now()
    branches, params = [], []
    for segment in segments:
        where, values = _where(segment.rules, now)
        branches.append(f"SELECT %s::bigint, (SELECT count(*) FROM {CUSTOMER} c WHERE {where})")
        params += [segment.pk, *values]
    sql = f"WITH {_ctes('')} " + " UNION ALL ".join(branches)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(pk): int(n) for pk, n in cursor.fetchall()}


def _memberships(me: SQL, segments: Sequence[Segment], now: dt.datetime) -> set[int]:
    """Which of `segments` the one person of `me` (SQL giving one customer id) belongs to: one query."""
    if not segments:
        return set()
    me_sql, params = me
    branches = []
    for segment in segments:
        where, values = _where(segment.rules, now)
        branches.append(
            f"SELECT %s::bigint WHERE EXISTS (SELECT 1 FROM {CUSTOMER} c "
            f"WHERE c.id IN (SELECT id FROM me) AND {where})"
        )
        params = [*params, segment.pk, *values]
    sql = f"WITH me AS ({me_sql}), {_ctes('me')} " + " UNION ALL ".join(branches)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(row[0]) for row in cursor.fetchall()}


def segments_of_email(email: str, segments: Sequence[Segment], at: dt.datetime | None = None) -> set[int]:
    """The ids of those `segments` the customer with this email (their own, or a merged duplicate's)
    belongs to now; none for an email no loyalty customer has."""
    email = email.strip().lower()
    if not email:
        return set()
    me = (f"SELECT COALESCE(x.merged_into_id, x.id) AS id FROM {CUSTOMER} x WHERE x.email = %s", [email])
    return _memberships(me, segments, at or timezone.now())


def _load_active() -> list[Segment]:
    return list(Segment.objects.filter(active=True).order_by("code", "pk"))


# the active segments, kept in this process's memory and rebuilt when a segment is written (migration 0009
# bumps "promotions" on any write to orders_segment): a member's segments cost one query, none without any
_active: VersionedValue[list[Segment]] = VersionedValue(("promotions",), _load_active)


def active_segments() -> list[Segment]:
    """Every active segment, by code. Shared instances: read them, never save them."""
    return _active.get()


def segment_codes_of(customer: Customer) -> list[str]:
    """The codes of the active segments the customer belongs to now (a member's detail), by code: one
    query, none when no segment is active."""
    segments = active_segments()
    ids = _memberships(("SELECT %s::bigint AS id", [customer.pk]), segments, timezone.now())
    return sorted(s.code for s in segments if s.pk in ids)


def segment_for_page(segment_id: int) -> Segment | None:
    return Segment.objects.select_related("created_by").filter(pk=segment_id).first()
