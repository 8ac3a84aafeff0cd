"""The carts of the demo and benchmark history, written around the services in a few INSERT ... SELECT
statements from the history's orders (demo.seed.history): about a quarter of the orders came from a cart
(a twentieth started in the app and bought in another channel: the hand-offs), their orders keep
`started_channel`; another quarter of the orders have a cart abandoned two days before, expired when it is
older than the idle time, else still open. Each cart's lines are its order's lines."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection

from carts.models import Cart, CartLine
from orders.models import Order, OrderLine


def carts_exist() -> bool:
    return Cart.objects.exists()


def seed_carts(order_number_re: str, now: datetime) -> int:
    """Carts for the history's orders (number ~ `order_number_re`); how many carts were written."""
    cart, line = Cart._meta.db_table, CartLine._meta.db_table
    order, order_line = Order._meta.db_table, OrderLine._meta.db_table
    idle = timedelta(days=settings.OMNI_CART_IDLE_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE h_cart ON COMMIT DROP AS
            SELECT gen_random_uuid() AS id, o.id AS order_id, o.created_at, o.customer_email,
                   o.id %% 4 = 0 AND o.status <> 'cancelled' AS converted,
                   CASE WHEN o.id %% 20 = 0 AND o.channel <> 'app' THEN 'app' ELSE o.channel END AS channel
            FROM {order} o
            WHERE o.number ~ %s AND (o.id %% 4 = 1 OR (o.id %% 4 = 0 AND o.status <> 'cancelled'))
            """,  # noqa: S608 - the tables are the models'; values travel as parameters
            [order_number_re],
        )
        cursor.execute(
            f"""
            INSERT INTO {cart} (id, channel, status, customer_email, order_id, created_at, updated_at,
                                expires_at, closed_at)
            SELECT id, channel,
                   CASE WHEN converted THEN 'converted'
                        WHEN created_at - interval '2 days' + %s < %s THEN 'expired' ELSE 'open' END,
                   customer_email, CASE WHEN converted THEN order_id END,
                   created_at - interval '2 days', created_at - CASE WHEN converted THEN interval '0' ELSE
                   interval '2 days' END,
                   created_at - CASE WHEN converted THEN interval '0' ELSE interval '2 days' END + %s,
                   CASE WHEN converted THEN created_at
                        WHEN created_at - interval '2 days' + %s < %s THEN created_at - interval '2 days' + %s
                   END
            FROM h_cart ORDER BY order_id
            """,  # noqa: S608
            [idle, now, idle, idle, now, idle],  # type: ignore[list-item]  # psycopg adapts timedelta
        )
        written = int(cursor.rowcount)
        cursor.execute(
            f"""
            INSERT INTO {line} (cart_id, variant_id, quantity, added_at)
            SELECT h.id, l.variant_id, sum(l.quantity), min(h.created_at) - interval '2 days'
            FROM h_cart h JOIN {order_line} l ON l.order_id = h.order_id
            GROUP BY h.id, l.variant_id
            """  # noqa: S608
        )
        cursor.execute(
            f"""
            UPDATE {order} o SET started_channel = h.channel
            FROM h_cart h WHERE h.converted AND h.order_id = o.id
            """  # noqa: S608
        )
        cursor.execute("DROP TABLE IF EXISTS h_cart")
    return written
