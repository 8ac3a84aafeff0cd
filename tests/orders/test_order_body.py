"""order_body builds the order's JSON by hand for speed; OrderOut (the documented shape) is its reference.
Every kind of order, seen by every kind of caller, gives the same bytes both ways; and the answer to a
placement (built from what was just written) is the answer a later GET gives (read back)."""

import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db.models import prefetch_related_objects

from omni.actors import Actor
from orders.api.serializers.orders import OrderOut, order_body
from orders.models import Promotion
from orders.selectors import order_detail
from orders.services import CustomerInput, FulfilmentInput, LineInput, cancel_order, mark_ready, place_order
from tests.orders.factories import PromotionFactory
from tests.orders.test_api import ORDERS, delivery, order_url, pickup, stock

pytestmark = pytest.mark.django_db

HQ = Actor.system()
CUSTOMER = CustomerInput(email="anna@example.it", first_name="Anna", last_name="Bianchi", phone="+39 333")


def _same(number: str, actor: Actor) -> None:
    order = order_detail(HQ, number)
    assert order is not None
    ids = {line.promotion_id for line in order.lines.all() if line.promotion_id}
    context = {"promotions": Promotion.objects.in_bulk(ids), "request": SimpleNamespace(auth=actor)}
    prefetch_related_objects([a for line in order.lines.all() for a in line.allocations.all()], "transfer")
    expected = json.dumps(OrderOut(order, context=context).data)
    assert json.dumps(order_body(order, context)) == expected


@pytest.fixture
def orders(net):
    PromotionFactory(variant=net["tee"], value=Decimal("15.00"))
    stock(net["hub"], net["tee"], 10)
    made = []
    address = {"line1": "Via Po 2", "city": "Torino", "postcode": "10123", "country": "IT", "latitude": 45.07}
    made.append(
        place_order(
            actor=HQ,
            channel="web",
            customer=CUSTOMER,
            lines=[LineInput("TEE-1", 2), LineInput("JNS-1", 1)],
            fulfilment=FulfilmentInput(type="delivery", address=address),
        )
    )
    made.append(
        place_order(
            actor=HQ,
            channel="web",
            customer=CUSTOMER,
            lines=[LineInput("TEE-1", 7), LineInput("JNS-1", 2)],
            fulfilment=FulfilmentInput(type="pickup", location="MI-1", allow_transfer=True),
        )
    )
    stock(net["milano"], net["tee"], 5)
    ready = place_order(
        actor=HQ,
        channel="app",
        customer=CUSTOMER,
        lines=[LineInput("TEE-1", 1)],
        fulfilment=FulfilmentInput(type="pickup", location="MI-1"),
    )
    made.append(mark_ready(actor=HQ, number=ready.number))
    made.append(
        place_order(
            actor=HQ,
            channel="store",
            lines=[LineInput("TEE-1", 1)],
            fulfilment=FulfilmentInput(type="carry_out", location="MI-1"),
        )
    )
    cancelled = place_order(
        actor=HQ,
        channel="web",
        customer=CUSTOMER,
        lines=[LineInput("JNS-1", 1)],
        fulfilment=FulfilmentInput(type="delivery", address=address),
    )
    made.append(cancel_order(actor=HQ, number=cancelled.number))
    return [o.number for o in made]


def test_order_body_is_order_out_for_every_kind_of_order_and_caller(orders, make_api_client, net):
    eshop = Actor.for_client(make_api_client("eshop").client_row)
    store = Actor.for_client(make_api_client("store", location=net["milano"]).client_row)
    for number in orders:
        for actor in (HQ, eshop, store):
            _same(number, actor)


@pytest.mark.parametrize(
    "body",
    [
        delivery(),
        pickup(
            lines=[{"sku": "TEE-1", "quantity": 7}],
            fulfilment={"type": "pickup", "location": "MI-1", "allow_transfer": True},
        ),
        {
            "channel": "store",
            "lines": [{"sku": "TEE-1", "quantity": 1}],
            "fulfilment": {"type": "carry_out", "location": "MI-1"},
        },
    ],
    ids=["delivery", "pickup-with-transfer", "carry-out"],
)
def test_the_placement_answer_is_what_a_get_reads_back(api, net, body):
    PromotionFactory(variant=net["jeans"], value=Decimal("5.00"))
    client = api()
    placed = client.post(ORDERS, body, format="json")
    assert placed.status_code == 201, placed.content
    read = client.get(order_url(placed.json()["number"]))
    assert read.status_code == 200
    assert placed.content == read.content
