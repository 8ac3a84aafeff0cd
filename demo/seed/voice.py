"""The benchmark history's time in store and voice of the customer, written around the services in a few
INSERT ... SELECT / UPDATE statements from the history's orders (demo.seed.history), so every report has a
year to show at --scale:

- time in store: the benchmark stores get opening hours (Monday to Saturday, 09:00-20:00) where they have
  none; half of the pickup orders chose a one-hour window (the hour after their promised ready time), two
  thirds of those that were collected told the store they had arrived (1 to 15 minutes before handover), and
  the windows' counters (stores.SlotUsage) hold those orders; each store offers a 45-minute styling
  consultation for two, booked twice a day over the year (mostly completed, some no-shows and cancellations).
- voice of the customer: one order in three that was completed answered a survey a day later, with scores
  spread over their scales and the facts of its touchpoint (feedback.models.Response); the detractors and the
  dissatisfied landed in the follow-up queue, and most were followed up within three days."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection

from appointments.models import Appointment
from feedback.models import FollowUp, Response
from orders.models import Order
from stores.models import Location, OpeningHours, Service, SlotUsage

BENCH_SERVICE = "bench-styling"


def time_in_store_exists() -> bool:
    return Service.objects.filter(code=BENCH_SERVICE).exists()


def feedback_exists() -> bool:
    return Response.objects.exists()


def _execute(sql: str, params: list | dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def seed_time_in_store(order_number_re: str, prefix: str, now: datetime) -> int:
    """Opening hours, pickup windows, arrivals, the windows' counters, a service and a year of appointments
    at the benchmark stores whose code starts with `prefix`; how many appointments were written."""
    stores = list(
        Location.objects.filter(code__startswith=prefix, kind="store", click_and_collect=True).values_list(
            "pk", flat=True
        )
    )
    with_hours = set(
        OpeningHours.objects.filter(location_id__in=stores).values_list("location_id", flat=True)
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(location_id=pk, weekday=day, opens="09:00", closes="20:00")
        for pk in stores
        if pk not in with_hours
        for day in range(6)
    )
    order = Order._meta.db_table
    _execute(
        f"""
        UPDATE {order} SET pickup_slot_start = date_trunc('hour', promised_ready_at) + interval '1 hour',
                           pickup_slot_end = date_trunc('hour', promised_ready_at) + interval '2 hours'
        WHERE number ~ %s AND fulfilment_type = 'pickup' AND promised_ready_at IS NOT NULL AND id %% 2 = 0
        """,  # noqa: S608 - the tables are the models'; values travel as parameters
        [order_number_re],
    )
    _execute(
        f"""
        UPDATE {order} SET arrived_at = completed_at - (1 + id %% 15) * interval '1 minute'
        WHERE number ~ %s AND status = 'collected' AND pickup_slot_start IS NOT NULL AND id %% 3 <> 0
        """,  # noqa: S608
        [order_number_re],
    )
    _execute(
        f"""
        INSERT INTO {SlotUsage._meta.db_table} (location_id, resource, start, taken)
        SELECT location_id, 'pickup', pickup_slot_start, count(*) FROM {order}
        WHERE number ~ %s AND pickup_slot_start IS NOT NULL AND status <> 'cancelled'
        GROUP BY location_id, pickup_slot_start
        ON CONFLICT (location_id, resource, start) DO NOTHING
        """,  # noqa: S608
        [order_number_re],
    )
    Service.objects.bulk_create(
        Service(
            location_id=pk, code=BENCH_SERVICE, name="Consulenza di stile", duration_minutes=45, capacity=2
        )
        for pk in stores
    )
    return _execute(
        f"""
        INSERT INTO {Appointment._meta.db_table} (id, location_id, service_id, start, "end", status,
          customer_email, customer_first_name, customer_last_name, customer_phone, language, note,
          booked_via, created_at, cancelled_at, closed_at)
        SELECT gen_random_uuid(), s.location_id, s.id, a.start, a.start + interval '45 minutes',
          CASE WHEN a.n %% 10 = 0 THEN 'cancelled' WHEN a.n %% 10 = 1 THEN 'no_show'
               WHEN a.start > %(now)s THEN 'booked' ELSE 'completed' END,
          'cliente' || (1 + a.n %% 997) || '@bench.example', '', '', '', 'it', '', 'eshop',
          a.start - interval '3 days',
          CASE WHEN a.n %% 10 = 0 THEN a.start - interval '1 day' END,
          CASE WHEN a.n %% 10 <> 0 AND a.start <= %(now)s THEN a.start + interval '45 minutes' END
        FROM {Service._meta.db_table} s
        CROSS JOIN LATERAL (
          SELECT ((d::date + t.clock) AT TIME ZONE %(zone)s) AS start,
                 row_number() OVER () + s.id * 1000 AS n
          FROM generate_series(%(now)s::date - 364, %(now)s::date + 7, interval '1 day') AS d,
               (VALUES (time '10:00'), (time '16:30')) AS t(clock)
          WHERE extract(isodow FROM d) < 7
        ) AS a
        WHERE s.code = %(code)s
        """,  # noqa: S608
        {"now": now, "zone": settings.TIME_ZONE, "code": BENCH_SERVICE},
    )


def seed_feedback_history(order_number_re: str, now: datetime) -> int:
    """Answers for a third of the history's completed orders and the follow-ups of the unhappy ones; how
    many answers were written."""
    order, response, follow_up = Order._meta.db_table, Response._meta.db_table, FollowUp._meta.db_table
    promise = int(getattr(settings, "FEEDBACK_DISPATCH_PROMISE_HOURS", 48))
    written = _execute(
        f"""
        INSERT INTO {response} (touchpoint, channel, location_id, order_id, nps, csat, ces, comment, language,
          created_at, pickup_late_minutes, wait_minutes, return_minutes, delivery_late_hours)
        SELECT CASE o.fulfilment_type WHEN 'pickup' THEN 'pickup' WHEN 'delivery' THEN 'delivery'
                                      ELSE 'store' END,
          o.channel, COALESCE(o.location_id, o.taken_at_id), o.id,
          (o.id * 7919) %% 11, 1 + (o.id * 31) %% 5,
          CASE WHEN o.fulfilment_type = 'pickup' THEN 1 + (o.id * 17) %% 7 END,
          '', 'it', least(COALESCE(o.completed_at, o.shipped_at) + interval '1 day', %(now)s),
          CASE WHEN o.fulfilment_type = 'pickup' AND o.ready_at IS NOT NULL
               THEN ceil(extract(epoch FROM o.ready_at - o.promised_ready_at) / 60)::int END,
          CASE WHEN o.arrived_at IS NOT NULL
               THEN greatest(floor(extract(epoch FROM o.completed_at - o.arrived_at) / 60), 0)::int END,
          NULL,
          CASE WHEN o.fulfilment_type = 'delivery' AND o.shipped_at IS NOT NULL
               THEN ceil(extract(epoch FROM o.shipped_at - o.created_at - %(promise)s * interval '1 hour')
                         / 3600)::int END
        FROM {order} o
        WHERE o.number ~ %(re)s AND o.status IN ('collected', 'completed', 'shipped') AND o.id %% 3 = 0
        ORDER BY o.id
        """,  # noqa: S608
        {"now": now, "promise": promise, "re": order_number_re},
    )
    _execute(
        f"""
        INSERT INTO {follow_up} (response_id, location_id, reason, created_at, outcome, note, closed_at)
        SELECT r.id, r.location_id, CASE WHEN r.nps <= 6 THEN 'detractor' ELSE 'low_csat' END, r.created_at,
          CASE WHEN r.id %% 10 < 7 THEN (ARRAY['resolved', 'unresolved', 'no_answer'])[1 + r.id %% 3]
               ELSE '' END,
          '',
          CASE WHEN r.id %% 10 < 7
               THEN least(r.created_at + (1 + r.id %% 72) * interval '1 hour', %(now)s) END
        FROM {response} r JOIN {order} o ON o.id = r.order_id
        WHERE o.number ~ %(re)s AND (r.nps <= 6 OR r.csat <= 2)
        """,  # noqa: S608
        {"now": now, "re": order_number_re},
    )
    return written
