"""Orders and the loyalty ledger: points redeemed at placement (shared over the lines, all or nothing),
earned on completion in every channel, given back on cancellation; the ledger always reconciles."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from inventory import services as stock_services
from inventory.models import StockLevel
from loyalty import services as loyalty
from loyalty.models import LedgerEntry, Member
from omni.actors import Actor
from orders.models import Order
from orders.services import (
    CustomerInput,
    FulfilmentInput,
    LineInput,
    PaymentInput,
    cancel_order,
    collect,
    mark_ready,
    place_order,
    ship_order,
)
from tests.conftest import assert_problem
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
EMAIL = "giulia.rossi@example.it"
ADDRESS = {"line1": "Via Toledo 1", "city": "Napoli", "postcode": "80134", "country": "IT"}


@pytest.fixture
def net():
    store = LocationFactory(code="MI-1", click_and_collect=True)
    hub = WarehouseFactory(code="WH-1")
    tee = VariantFactory(sku="TEE-1", price=Decimal("19.90"))
    jeans = VariantFactory(sku="JNS-1", price=Decimal("59.90"))
    for loc in (store, hub):
        for variant in (tee, jeans):
            stock_services.record_movement(
                actor=HQ, location_id=loc.pk, variant_id=variant.pk, kind="receipt", quantity=10
            )
    return {"store": store, "hub": hub, "tee": tee, "jeans": jeans}


@pytest.fixture
def member():
    m = loyalty.enroll_member(email=EMAIL, first_name="Giulia", last_name="Rossi", actor=HQ)
    loyalty.adjust(member=m, points=500, reason="welcome", actor=HQ)
    m.refresh_from_db()
    return m


def balance(member: Member) -> int:
    member.refresh_from_db()
    return member.points_balance


def place(net, fulfilment: FulfilmentInput, *, redeem: int = 0, email: str = EMAIL, **kw) -> Order:
    return place_order(
        actor=HQ,
        channel=kw.pop("channel", "web"),
        customer=CustomerInput(email=email, first_name="Giulia", last_name="Rossi") if email else None,
        lines=[LineInput("TEE-1", 2), LineInput("JNS-1", 1)],
        fulfilment=fulfilment,
        redeem_points=redeem,
        **kw,
    )


def test_redeemed_points_are_shared_over_the_lines_and_drawn_from_the_ledger(net, member):
    order = place(net, FulfilmentInput(type="delivery", address=ADDRESS), redeem=350)
    lines = list(order.lines.order_by("sku"))
    assert order.subtotal == Decimal("99.70")
    assert order.discount == Decimal("3.50") and order.total == Decimal("96.20")
    assert order.points_redeemed == 350
    # pro rata over 59.90 and 39.80, stored on the lines so returns refund exactly
    assert sum(line.order_discount for line in lines) == Decimal("3.50")
    assert sum(line.line_total for line in lines) == order.total
    jeans, tee = lines
    assert (jeans.order_discount, tee.order_discount) == (Decimal("2.10"), Decimal("1.40"))
    assert order.payments.get().amount == order.total
    assert balance(member) == 150
    entry = LedgerEntry.objects.get(kind="redeem", order_number=order.number)
    assert entry.points == -350 and entry.amount == Decimal("3.50")
    assert order.events.filter(kind="points_redeemed").exists()


def test_redeeming_more_than_the_balance_writes_nothing(net, member):
    with pytest.raises(Exception) as caught:
        place(net, FulfilmentInput(type="delivery", address=ADDRESS), redeem=600)
    assert getattr(caught.value, "errors", {}).keys() == {"redeem_points"}
    assert not Order.objects.exists()
    assert balance(member) == 500
    assert sum(level.reserved for level in StockLevel.objects.all()) == 0


def test_the_api_refuses_a_guest_or_a_stranger_redeeming(net, member, make_api_client):
    api: APIClient = make_api_client("integration")
    body = {
        "channel": "web",
        "customer": {"email": "nobody@example.it", "first_name": "N", "last_name": "B"},
        "lines": [{"sku": "TEE-1", "quantity": 1}],
        "fulfilment": {"type": "delivery", "address": ADDRESS},
        "redeem_points": 100,
    }
    problem = assert_problem(api.post("/api/v1/orders/", body, format="json"), 400, "validation_error")
    assert "redeem_points" in problem["errors"]
    till = {
        "channel": "store",
        "lines": [{"sku": "TEE-1", "quantity": 1}],
        "fulfilment": {"type": "carry_out", "location": "MI-1"},
        "redeem_points": 100,
    }
    problem = assert_problem(api.post("/api/v1/orders/", till, format="json"), 400, "validation_error")
    assert "redeem_points" in problem["errors"]
    assert not Order.objects.exists()
    # ... and a member redeems through the API
    body["customer"]["email"] = EMAIL.upper()
    response = api.post("/api/v1/orders/", body, format="json")
    assert response.status_code == 201, response.content[:400]
    assert response.json()["points_redeemed"] == 100 and response.json()["discount"] == "1.00"
    assert balance(member) == 400


def test_points_are_earned_when_a_till_sale_completes(net, member):
    order = place(net, FulfilmentInput(type="carry_out", location="MI-1"), channel="store")
    assert order.status == "completed"
    # 1 point per whole euro actually paid, per line: floor(39.80) + floor(59.90)
    assert LedgerEntry.objects.filter(kind="earn", order_number=order.number).count() == 2
    assert balance(member) == 500 + 39 + 59
    assert order.events.filter(kind="points_earned").exists()


def test_points_are_earned_when_shipped_not_when_placed(net, member):
    order = place(net, FulfilmentInput(type="delivery", address=ADDRESS), redeem=100)
    assert balance(member) == 400
    ship_order(actor=HQ, number=order.number, carrier="BRT")
    # paid 98.70 over the lines after the points discount: what was paid earns, not the list price
    paid = sorted(line.line_total for line in order.lines.all())
    assert balance(member) == 400 + sum(int(p) for p in paid)
    ship_again = LedgerEntry.objects.filter(kind="earn", order_number=order.number).count()
    assert ship_again == 2


def test_points_are_earned_when_a_pickup_is_collected(net, member):
    order = place(net, FulfilmentInput(type="pickup", location="MI-1"))
    ready = mark_ready(actor=HQ, number=order.number)
    assert balance(member) == 500
    collect(
        actor=HQ,
        number=order.number,
        code=ready.pickup_code,
        payment=PaymentInput(method="card", status="captured"),
    )
    assert balance(member) == 500 + 39 + 59


def test_cancelling_gives_the_redeemed_points_back_once(net, member):
    order = place(net, FulfilmentInput(type="delivery", address=ADDRESS), redeem=300)
    assert balance(member) == 200
    cancel_order(actor=HQ, number=order.number, reason="customer_request")
    assert balance(member) == 500
    assert order.events.filter(kind="points_restored").exists()
    call_command("check_loyalty")  # exits non-zero on drift


def test_a_guest_sale_earns_nothing_and_the_ledger_reconciles(net, member):
    order = place(net, FulfilmentInput(type="carry_out", location="MI-1"), channel="store", email="")
    assert order.status == "completed"
    assert not LedgerEntry.objects.filter(order_number=order.number).exists()
    call_command("check_loyalty")
