""" "Bought together": item-to-item co-occurrence from order history, recomputed in one SQL statement.

For each SKU, the SKUs of other products that were in the same orders, counted as the distinct customers
who bought both (an order with an email is that customer's; an anonymous order counts as a customer of its
own), over the last RECOMMENDATION_WINDOW_DAYS; the top RECOMMENDATIONS_KEPT per SKU are stored in
`BoughtTogether` with their rank. Cancelled orders and cancelled lines do not count; baskets of more than
MAX_BASKET_SKUS SKUs (bulk and business orders) are left out, which also bounds the pairs an order makes.

The refresh is one transaction: DELETE the table, then one INSERT ... SELECT whose source is the orders'
lines read through the ORM (compiled to SQL, so carts writes no SQL on another app's tables), paired by
order with a self-join, de-duplicated per customer, counted, and ranked with ROW_NUMBER(). Readers see the
old pairs until it commits (MVCC); a second refresh at the same time skips (a transaction-scoped advisory
lock). The source is read by the index on orders' `created_at` and the lines by their `order_id` index;
the API reads the result by the unique index on (variant_id, rank)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.utils import timezone

from carts.models import BoughtTogether
from orders.models import OrderLine, OrderStatus


def window_days() -> int:
    return int(getattr(settings, "RECOMMENDATION_WINDOW_DAYS", 365))


def kept_per_sku() -> int:
    return int(getattr(settings, "RECOMMENDATIONS_KEPT", 20))


MAX_BASKET_SKUS = 50
REFRESH_LOCK_ID = 0x0CA2_7500_B007  # a PostgreSQL advisory lock: one refresh at a time


@dataclass(frozen=True)
class Refresh:
    pairs: int  # rows stored
    skipped: bool  # another refresh was running


def purchases(since: datetime, until: datetime) -> QuerySet[OrderLine, tuple[int, int, int, str]]:
    """(order_id, variant_id, product_id, buyer) of every order line bought in (since, until]; `buyer` is
    the customer's email, or "#<order id>" for an anonymous order."""
    buyer = Coalesce(
        NullIf("order__customer_email", Value("")),
        Concat(Value("#"), Cast("order_id", output_field=CharField()), output_field=CharField()),
        output_field=CharField(),
    )
    return (
        OrderLine.objects.filter(order__created_at__gt=since, order__created_at__lte=until, quantity__gt=0)
        .exclude(order__status=OrderStatus.CANCELLED)
        .annotate(buyer=buyer)
        .values_list("order_id", "variant_id", "variant__product_id", "buyer")
        .order_by()
        .distinct()
    )


REFRESH_SQL = """
WITH bought (order_id, variant_id, product_id, buyer) AS ({source}),
baskets AS (
    SELECT order_id, variant_id, product_id, buyer, COUNT(*) OVER (PARTITION BY order_id) AS skus
    FROM bought
),
pairs AS (
    SELECT DISTINCT a.buyer, a.variant_id, b.variant_id AS other_id
    FROM baskets a
    JOIN baskets b ON b.order_id = a.order_id AND b.product_id <> a.product_id
    WHERE a.skus <= %s
),
counted AS (
    SELECT variant_id, other_id, COUNT(*) AS customers FROM pairs GROUP BY variant_id, other_id
),
ranked AS (
    SELECT variant_id, other_id, customers,
           ROW_NUMBER() OVER (PARTITION BY variant_id ORDER BY customers DESC, other_id) AS rank
    FROM counted
)
INSERT INTO {table} (variant_id, other_id, customers, rank, computed_at)
SELECT variant_id, other_id, customers, rank, %s FROM ranked WHERE rank <= %s
"""


def refresh_recommendations(*, as_of: datetime | None = None, days: int | None = None) -> Refresh:
    """Recompute every SKU's "bought together" list from the orders of the last `days` before `as_of`."""
    as_of = as_of or timezone.now()
    since = as_of - timedelta(days=days if days is not None else window_days())
    source, params = purchases(since, as_of).query.sql_with_params()
    sql = REFRESH_SQL.format(source=source, table=BoughtTogether._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [REFRESH_LOCK_ID])
        if not cursor.fetchone()[0]:
            return Refresh(pairs=0, skipped=True)
        cursor.execute(f"DELETE FROM {BoughtTogether._meta.db_table}")  # noqa: S608 - our table
        cursor.execute(sql, [*params, MAX_BASKET_SKUS, as_of, kept_per_sku()])
        return Refresh(pairs=cursor.rowcount, skipped=False)
