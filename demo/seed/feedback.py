"""The demo's voice of the customer: answers about the morning's trading (demo.seed.activity), recorded
through feedback.services.responses as the survey page and the app would, so the feedback reports, the
summary endpoint and the managers' follow-up queue have something to show after `make run`. The scores are
drawn from a fixed seed; pickups that were ready late score lower, as in life."""

from __future__ import annotations

import random

from feedback.services.responses import record_response
from orders.models import Order

COMMENTS_LOW = (
    "Ho aspettato troppo al banco ritiri.",
    "L'ordine non era pronto all'ora promessa.",
    "Personale gentile ma molto lento.",
)
COMMENTS_HIGH = ("Tutto perfetto, grazie!", "Veloce e cortese.", "")


def _scores(rng: random.Random, unhappy: bool) -> tuple[int, int]:
    if unhappy:
        return rng.randint(2, 7), rng.randint(1, 3)
    return rng.choice((7, 8, 9, 9, 10, 10)), rng.choice((4, 4, 5, 5, 5))


def seed_demo_feedback(rng: random.Random) -> int:
    """One answer for about half of the morning's completed orders; how many were recorded."""
    done = Order.objects.filter(status__in=("collected", "completed", "shipped")).order_by("pk")
    recorded = 0
    for order in done:
        if rng.random() < 0.5:
            continue
        late = (
            order.ready_at is not None
            and order.promised_ready_at is not None
            and (order.ready_at > order.promised_ready_at)
        )
        nps, csat = _scores(rng, late or rng.random() < 0.2)
        if order.fulfilment_type == "pickup":
            touchpoint = "pickup"
        elif order.fulfilment_type == "delivery":
            touchpoint = "delivery"
        else:
            touchpoint = "store"
        comment = rng.choice(COMMENTS_LOW if nps <= 6 else COMMENTS_HIGH)
        ces = rng.randint(1, 7) if touchpoint == "pickup" else None
        record_response(
            touchpoint=touchpoint, nps=nps, csat=csat, ces=ces, comment=comment, order=order, language="it"
        )
        recorded += 1
    return recorded
