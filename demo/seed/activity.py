"""A morning's trading for the demo network, through the real services: loyalty members, till sales, web and
app orders collected in store (some ready, some collected), deliveries (some shipped) and a few returns, so
the order pages, the desks and the managers' reports have something to show after `make run`.

Everything goes through orders.services and loyalty.services (reservations, timeline, payments, points), as
a till or the e-shop would do it; the emails they queue are not printed while seeding."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import transaction

from demo.seed import data
from inventory.models import StockLevel, Variant
from loyalty.services import enroll_member
from omni.actors import Actor
from omni.exceptions import DomainError
from orders import services
from stores.models import Location

ORDERS = 60
MEMBERS = 12
RETURNS = 4
CITIES = [  # (city, postcode, latitude, longitude)
    ("Milano", "20121", 45.4642, 9.1900),
    ("Roma", "00184", 41.8986, 12.4769),
    ("Torino", "10121", 45.0703, 7.6869),
    ("Bologna", "40121", 44.4949, 11.3426),
]


@contextmanager
def quietly() -> Iterator[None]:
    """The services queue confirmation and ready emails (run in process without a broker, each logged by
    Celery); seeding keeps them, and those log lines, out of the console."""
    backend = settings.EMAIL_BACKEND
    trace = logging.getLogger("celery.app.trace")
    level = trace.level
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    trace.setLevel(logging.WARNING)
    try:
        yield
    finally:
        settings.EMAIL_BACKEND = backend
        trace.setLevel(level)


def _in_stock(location: Location, variants: Sequence[Variant], rng: random.Random, k: int) -> list[str]:
    """Up to k SKUs with stock to sell at `location`."""
    ids = [v.pk for v in variants]
    skus = list(
        StockLevel.objects.filter(location=location, variant_id__in=ids, on_hand__gt=5).values_list(
            "variant__sku", flat=True
        )[:200]
    )
    return rng.sample(skus, min(k, len(skus)))


def _customer(rng: random.Random, n: int) -> services.CustomerInput:
    first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
    return services.CustomerInput(email=f"cliente{n}@example.it", first_name=first, last_name=last)


def seed_demo_activity(locations: Sequence[Location], variants: Sequence[Variant], rng: random.Random) -> int:
    """Place the demo's orders; returns how many were placed (a basket that finds no stock is skipped)."""
    actor = Actor.system()
    stores = [loc for loc in locations if loc.kind == "store"]
    pickup_stores = [loc for loc in stores if loc.click_and_collect] or stores
    placed: list[Any] = []
    with quietly():
        _enroll_members(actor)
        for n in range(1, ORDERS + 1):
            customer = _customer(random.Random(n % (MEMBERS * 2) + 1), n % (MEMBERS * 2) + 1)
            kind = rng.choices(["carry_out", "pickup", "delivery"], weights=[5, 3, 2])[0]
            try:
                with transaction.atomic():  # each order its own (sub)transaction: a short basket is skipped
                    if kind == "carry_out":
                        order = _till_sale(actor, rng.choice(stores), variants, rng, customer)
                    elif kind == "pickup":
                        order = _pickup(actor, rng.choice(pickup_stores), variants, rng, customer)
                    else:
                        order = _delivery(actor, n, locations, variants, rng, customer)
            except DomainError:
                continue  # a basket that found a line short: the till would have said so
            placed.append(order)
        _returns_at_tills(actor, placed, [loc for loc in stores if loc.accepts_returns])
    return len(placed)


def _enroll_members(actor: Actor) -> None:
    for n in range(1, MEMBERS + 1):
        who = _customer(random.Random(n), n)
        enroll_member(email=who.email, first_name=who.first_name, last_name=who.last_name, actor=actor)


def _till_sale(
    actor: Actor, store: Location, variants: Sequence[Variant], rng: random.Random, customer: Any
) -> Any:
    return services.place_order(
        actor=actor,
        channel="store",
        lines=[services.LineInput(sku, rng.randint(1, 2)) for sku in _in_stock(store, variants, rng, 2)],
        fulfilment=services.FulfilmentInput(type="carry_out", location=store.code),
        customer=customer,
        payment=services.PaymentInput(method=rng.choice(["card", "cash"]), status="captured"),
    )


def _pickup(
    actor: Actor, store: Location, variants: Sequence[Variant], rng: random.Random, customer: Any
) -> Any:
    """An online order collected in store: most made ready, some collected already."""
    order = services.place_order(
        actor=actor,
        channel=rng.choice(["web", "app", "kiosk"]),
        lines=[services.LineInput(sku, 1) for sku in _in_stock(store, variants, rng, 2)],
        fulfilment=services.FulfilmentInput(type="pickup", location=store.code),
        customer=customer,
        payment=services.PaymentInput(method="card", status="authorised"),
    )
    step = rng.random()
    if step < 0.7:
        order = services.mark_ready(actor=actor, number=order.number)
    if step < 0.4:
        order = services.collect(actor=actor, number=order.number, code=order.pickup_code)
    return order


def _delivery(
    actor: Actor,
    n: int,
    locations: Sequence[Location],
    variants: Sequence[Variant],
    rng: random.Random,
    customer: Any,
) -> Any:
    """A home delivery to one of the demo's cities: half of them shipped already."""
    city, postcode, lat, lng = rng.choice(CITIES)
    address = {
        "line1": f"Via Roma {n}",
        "city": city,
        "postcode": postcode,
        "country": "IT",
        "latitude": lat,
        "longitude": lng,
    }
    order = services.place_order(
        actor=actor,
        channel=rng.choice(["web", "app", "phone", "marketplace"]),
        lines=[services.LineInput(sku, 1) for sku in _in_stock(rng.choice(locations), variants, rng, 2)],
        fulfilment=services.FulfilmentInput(type="delivery", address=address),
        customer=customer,
        payment=services.PaymentInput(method="card", status="captured"),
    )
    if rng.random() < 0.5:
        order = services.ship_order(actor=actor, number=order.number, carrier="BRT")
    return order


def _returns_at_tills(actor: Actor, placed: list[Any], return_stores: list[Location]) -> None:
    """A few till sales brought back to the store that sold them (a SKU it carries: no new stock level)."""
    returnable = {loc.pk for loc in return_stores}
    sold_at_tills = [o for o in placed if o.fulfilment_type == "carry_out" and o.location_id in returnable]
    for order in sold_at_tills[:RETURNS]:
        line = order.lines.first()
        services.create_return(
            actor=actor,
            order_number=order.number,
            location_code=order.location.code,
            lines=[
                services.ReturnLineInput(
                    sku=line.sku, quantity=1, condition="resellable", reason="wrong_size"
                )
            ],
        )
