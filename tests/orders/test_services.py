"""Order placement, pricing, sourcing and fulfilment through the services."""

from decimal import Decimal

import pytest

from inventory import selectors as stock_selectors
from inventory.exceptions import InsufficientStock
from inventory.models import Reservation, ReservationState, StockLevel, StockMovement
from inventory.services import record_movement
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidTransition
from orders.exceptions import OrderInvalid
from orders.models import Order, OrderEvent, Payment
from orders.services import (
    CustomerInput,
    FulfilmentInput,
    LineInput,
    cancel_order,
    place_order,
    ship_order,
)
from orders.services.pricing import share_pro_rata
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.orders.factories import PromotionFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
CUSTOMER = CustomerInput(email="Giulia.Rossi@example.it", first_name="Giulia", last_name="Rossi")
ADDRESS = {
    "line1": "Via Toledo 1",
    "city": "Napoli",
    "postcode": "80134",
    "country": "IT",
    "latitude": 40.84,
    "longitude": 14.25,
}


@pytest.fixture
def net():
    milano = LocationFactory(code="MI-A", latitude=Decimal("45.4642"), longitude=Decimal("9.19"), ships=True)
    roma = LocationFactory(code="RM-A", latitude=Decimal("41.9028"), longitude=Decimal("12.4964"), ships=True)
    hub = WarehouseFactory(code="PC-WH", latitude=Decimal("45.05"), longitude=Decimal("9.69"))
    tee = VariantFactory(sku="TEE-M", price=Decimal("19.90"))
    jeans = VariantFactory(sku="JNS-32", price=Decimal("59.90"))
    cap = VariantFactory(sku="CAP-1", price=Decimal("9.90"))
    return {"milano": milano, "roma": roma, "hub": hub, "tee": tee, "jeans": jeans, "cap": cap}


def stock(location, variant, quantity):
    record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def deliver(lines, address=ADDRESS, actor=HQ, channel="web"):
    return place_order(
        actor=actor,
        channel=channel,
        customer=CUSTOMER,
        lines=[LineInput(sku, q) for sku, q in lines],
        fulfilment=FulfilmentInput(type="delivery", address=address),
    )


def test_a_delivery_is_priced_from_the_catalog_and_reserved(net):
    stock(net["hub"], net["tee"], 10)
    stock(net["hub"], net["jeans"], 10)
    order = deliver([("TEE-M", 2), ("JNS-32", 1)])
    assert order.status == "placed" and order.number.startswith("W-")
    assert order.subtotal == order.total == Decimal("99.70")
    assert order.customer_email == "giulia.rossi@example.it"
    lines = {line.sku: line for line in order.lines.all()}
    assert lines["TEE-M"].unit_price == Decimal("19.90") and lines["TEE-M"].line_total == Decimal("39.80")
    assert lines["TEE-M"].vat_amount == Decimal("7.18")  # 39.80 * 22 / 122
    level = StockLevel.objects.get(location=net["hub"], variant=net["tee"])
    assert level.reserved == 2
    assert [s.location.code for s in order.shipments.all()] == ["PC-WH"]
    assert "sourced from PC-WH: the only location with all 2 lines" in order.events.values_list(
        "message", flat=True
    )


def test_sourcing_prefers_the_nearest_location_with_everything(net):
    for loc in ("milano", "roma", "hub"):
        stock(net[loc], net["tee"], 5)
    order = deliver([("TEE-M", 1)])  # delivery to Napoli: Roma is nearest
    assert order.lines.get().allocations.get().location.code == "RM-A"
    events = list(order.events.values_list("message", flat=True))
    assert "sourced from RM-A: the nearest of 3 locations with all 1 lines" in events


def test_sourcing_splits_only_when_it_must(net):
    stock(net["milano"], net["tee"], 5)
    stock(net["roma"], net["jeans"], 5)
    stock(net["roma"], net["cap"], 5)
    order = deliver([("TEE-M", 1), ("JNS-32", 1), ("CAP-1", 1)])
    assert sorted(s.location.code for s in order.shipments.all()) == ["MI-A", "RM-A"]
    assert any("split across 2 locations" in m for m in order.events.values_list("message", flat=True))


def test_any_short_line_means_nothing_is_written(net):
    stock(net["hub"], net["tee"], 1)
    orders, movements = Order.objects.count(), StockMovement.objects.count()
    with pytest.raises(InsufficientStock) as exc:
        deliver([("TEE-M", 1), ("JNS-32", 2)])
    assert exc.value.extra["skus"] == ["JNS-32"]
    assert Order.objects.count() == orders and StockMovement.objects.count() == movements
    assert not Reservation.objects.exists()


def test_promotions_apply_the_same_in_every_channel_unless_limited(net):
    stock(net["milano"], net["tee"], 10)
    PromotionFactory(name="-10% tees", variant=net["tee"], kind="percent", value=Decimal("10"))
    PromotionFactory(
        name="-3 EUR brand", brand=net["tee"].product.brand, kind="amount", value=Decimal("3.00")
    )
    PromotionFactory(name="app only -50%", variant=net["tee"], value=Decimal("50"), channels=["app"])
    web = place_order(
        actor=HQ,
        channel="web",
        customer=CUSTOMER,
        lines=[LineInput("TEE-M", 2)],
        fulfilment=FulfilmentInput(type="pickup", location="MI-A"),
    )
    line = web.lines.get()
    assert line.promotion.name == "-3 EUR brand"  # 3.00 beats 1.99
    assert line.line_total == Decimal("33.80") and web.discount == Decimal("6.00")
    till = place_order(
        actor=HQ,
        channel="store",
        lines=[LineInput("TEE-M", 2)],
        fulfilment=FulfilmentInput("carry_out", "MI-A"),
    )
    assert till.lines.get().line_total == Decimal("33.80")
    app = place_order(
        actor=HQ,
        channel="app",
        customer=CUSTOMER,
        lines=[LineInput("TEE-M", 2)],
        fulfilment=FulfilmentInput(type="pickup", location="MI-A"),
    )
    assert app.lines.get().line_total == Decimal("19.90")


def test_pro_rata_shares_add_up_to_the_cent():
    shares = share_pro_rata([Decimal("10.00"), Decimal("10.00"), Decimal("10.00")], Decimal("10.00"))
    assert sum(shares) == Decimal("10.00") and sorted(shares) == [
        Decimal("3.33"),
        Decimal("3.33"),
        Decimal("3.34"),
    ]
    assert share_pro_rata([Decimal("1.00")], Decimal("5.00")) == [Decimal("1.00")]


def test_carry_out_is_a_sale_completed_at_once(net):
    stock(net["milano"], net["tee"], 3)
    order = place_order(
        actor=HQ,
        channel="store",
        lines=[LineInput("TEE-M", 2)],
        fulfilment=FulfilmentInput("carry_out", "MI-A"),
    )
    assert order.status == "completed"
    level = StockLevel.objects.get(location=net["milano"], variant=net["tee"])
    assert (level.on_hand, level.reserved) == (1, 0)
    assert StockMovement.objects.filter(kind="sale", reference=order.number).count() == 1
    assert Payment.objects.get(order=order).status == "captured"
    assert stock_selectors.stock_drift() == []


def test_bad_input_names_the_field(net):
    def place(**kw):
        args = {
            "actor": HQ,
            "channel": "web",
            "customer": CUSTOMER,
            "lines": [LineInput("TEE-M", 1)],
            "fulfilment": FulfilmentInput(type="delivery", address=ADDRESS),
        } | kw
        with pytest.raises(OrderInvalid) as exc:
            place_order(**args)
        return exc.value.errors

    assert "lines" in place(lines=[])
    assert "lines.0.sku" in place(lines=[LineInput("NOPE", 1)])
    assert "lines.1.quantity" in place(lines=[LineInput("TEE-M", 1), LineInput("CAP-1", 0)])
    assert "lines.0.quantity" in place(lines=[LineInput("TEE-M", 10_000)])
    assert "fulfilment.address.city" in place(
        fulfilment=FulfilmentInput(type="delivery", address={"line1": "x"})
    )
    net["roma"].click_and_collect = False
    net["roma"].save()
    assert "fulfilment.location" in place(fulfilment=FulfilmentInput(type="pickup", location="RM-A"))
    assert "fulfilment.location" in place(fulfilment=FulfilmentInput(type="pickup", location="XX-NONE"))
    net["cap"].active = False
    net["cap"].save()
    assert "lines.0.sku" in place(lines=[LineInput("CAP-1", 1)])


def test_a_channel_the_role_may_not_use_is_forbidden(net, django_user_model):
    from omni.services import create_api_client

    eshop, _ = create_api_client(name="shop", role="eshop")
    with pytest.raises(Forbidden):
        deliver([("TEE-M", 1)], actor=Actor.for_client(eshop), channel="store")


def test_cancel_releases_and_ship_consumes(net):
    stock(net["hub"], net["tee"], 5)
    order = deliver([("TEE-M", 2)])
    cancel_order(actor=HQ, number=order.number, reason="customer_request")
    level = StockLevel.objects.get(location=net["hub"], variant=net["tee"])
    assert (level.on_hand, level.reserved) == (5, 0)
    with pytest.raises(InvalidTransition):
        cancel_order(actor=HQ, number=order.number)
    with pytest.raises(InvalidTransition):
        ship_order(actor=HQ, number=order.number)

    order = deliver([("TEE-M", 2)])
    ship_order(actor=HQ, number=order.number, carrier="BRT", tracking="123")
    order.refresh_from_db()
    assert order.status == "shipped"
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (3, 0)
    assert (
        Reservation.objects.filter(owner=order.reservation_owner, state=ReservationState.CONSUMED).count()
        == 1
    )
    assert OrderEvent.objects.filter(order=order, kind="shipped").exists()
    assert stock_selectors.stock_drift() == []


def test_a_store_ships_only_its_own_part(net):
    stock(net["milano"], net["tee"], 5)
    stock(net["roma"], net["jeans"], 5)
    order = deliver([("TEE-M", 1), ("JNS-32", 1)])
    milano_staff = Actor.for_user(UserFactory(role="store_manager", locations=[net["milano"]]))
    ship_order(actor=milano_staff, number=order.number)
    order.refresh_from_db()
    assert order.status == "placed"
    with pytest.raises(Forbidden):
        ship_order(actor=milano_staff, number=order.number)
    ship_order(actor=HQ, number=order.number)
    order.refresh_from_db()
    assert order.status == "shipped"


def test_pickup_with_transfer_holds_what_the_store_lacks_at_a_warehouse(net):
    stock(net["milano"], net["tee"], 1)
    stock(net["hub"], net["tee"], 5)
    order = place_order(
        actor=HQ,
        channel="web",
        customer=CUSTOMER,
        lines=[LineInput("TEE-M", 3)],
        fulfilment=FulfilmentInput(type="pickup", location="MI-A", allow_transfer=True),
    )
    parts = sorted((a.location.code, a.quantity) for a in order.lines.get().allocations.all())
    assert parts == [("MI-A", 1), ("PC-WH", 2)]
    with pytest.raises(InsufficientStock):
        place_order(
            actor=HQ,
            channel="web",
            customer=CUSTOMER,
            lines=[LineInput("TEE-M", 3)],
            fulfilment=FulfilmentInput(type="pickup", location="MI-A"),
        )


def test_placing_costs_the_same_queries_for_1_and_50_lines(net, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    variants = [VariantFactory(sku=f"Q-{i:03d}") for i in range(50)]
    for v in variants:
        stock(net["hub"], v, 5)

    def count(lines):
        with CaptureQueriesContext(connection) as ctx:
            deliver(lines)
        return len(ctx.captured_queries)

    count([(v.sku, 1) for v in variants])  # the process's copies of the catalog and locations, loaded
    one = count([("Q-000", 1)])
    fifty = count([(v.sku, 1) for v in variants])
    assert one == fifty, (one, fifty)
