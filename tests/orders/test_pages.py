"""The order pages through Django's test client: each renders for an associate at his store, the list
filters and searches, another store's order is a 404, cancelling and shipping go through the services
(a refused transition is a message, never a 500), and a till sale runs end to end from the session basket."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import StockLevel
from inventory.services import record_movement
from omni.actors import Actor
from orders.models import Order, OrderStatus, ShipmentStatus
from orders.services import CustomerInput, FulfilmentInput, LineInput, PaymentInput, place_order
from orders.views.till import BASKET_KEY
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.orders.factories import PromotionFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
ADDRESS = {"line1": "Via Toledo 1", "city": "Napoli", "postcode": "80134", "country": "IT"}


@pytest.fixture
def net():
    milano = LocationFactory(code="MI-01", name="Milano Duomo", ships=True)
    torino = LocationFactory(
        code="TO-01", name="Torino Centro", latitude=Decimal("45.0703"), longitude=Decimal("7.6869")
    )
    product = ProductFactory(name="Maglione merino")
    tee = VariantFactory(product=product, sku="MAG-BLU-M", gtin="8001234567897", price=Decimal("49.90"))
    cap = VariantFactory(sku="CAP-1", price=Decimal("9.90"))
    for location in (milano, torino):
        for variant in (tee, cap):
            stock(location, variant, 5)
    return {"milano": milano, "torino": torino, "tee": tee, "cap": cap}


@pytest.fixture
def anna(client, net):
    """An associate at the Milano store, logged in."""
    user = UserFactory(username="anna", role="associate", locations=[net["milano"]])
    client.force_login(user)
    return user


def stock(location, variant, quantity):
    record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def on_hand(location, variant):
    return StockLevel.objects.get(location=location, variant=variant).on_hand


def pickup(location, sku="MAG-BLU-M", email="giulia@example.it", quantity=1):
    return place_order(
        actor=HQ,
        channel="web",
        customer=CustomerInput(email=email, first_name="Giulia", last_name="Rossi"),
        lines=[LineInput(sku, quantity)],
        fulfilment=FulfilmentInput(type="pickup", location=location.code),
    )


def delivery(sku="MAG-BLU-M", quantity=2):
    return place_order(
        actor=HQ,
        channel="web",
        customer=CustomerInput(email="luca@example.it", first_name="Luca", last_name="Bianchi"),
        lines=[LineInput(sku, quantity)],
        fulfilment=FulfilmentInput(type="delivery", address=ADDRESS),
        payment=PaymentInput(method="card", status="authorised"),
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_each_page_renders_for_an_associate_at_his_store(client, anna, net):
    order = pickup(net["milano"])
    for url in (
        reverse("orders:list"),
        reverse("orders:detail", args=[order.number]),
        reverse("orders:picking"),
        reverse("orders:counter"),
        reverse("dashboard"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    detail = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "MAG-BLU-M" in detail and "Giulia" in detail and 'data-testid="cancel-form"' in detail
    assert 'data-testid="nav-sell"' in detail and 'data-testid="nav-orders"' in detail


def test_the_list_filters_and_searches_and_hides_other_stores(client, anna, net):
    here = pickup(net["milano"], email="giulia@example.it")
    other_customer = pickup(net["milano"], email="marta@example.it")
    there = pickup(net["torino"], email="giulia@example.it")
    place_order(
        actor=Actor.for_user(anna),
        channel="store",
        lines=[LineInput("CAP-1", 1)],
        fulfilment=FulfilmentInput(type="carry_out", location="MI-01"),
        payment=PaymentInput(method="cash", status="captured"),
    )
    url = reverse("orders:list")

    def numbers(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {o.number for o in response.context["page"].object_list}

    everything = numbers()
    assert here.number in everything and other_customer.number in everything
    assert there.number not in everything, "another store's order is not listed"
    assert len(everything) == 3
    assert numbers(q="giulia@example.it") == {here.number}
    assert numbers(q=here.number) == {here.number}
    assert len(numbers(channel="store")) == 1
    assert numbers(status="completed") == everything - {here.number, other_customer.number}
    assert numbers(status="placed") == {here.number, other_customer.number}
    assert numbers(location="MI-01") == everything
    assert numbers(date_from="2000-01-01", date_to="2000-01-02") == set()
    assert client.get(url, {"date_from": "2030-01-02", "date_to": "2030-01-01"}).context["form"].errors


def test_another_stores_order_is_404(client, anna, net):
    there = pickup(net["torino"])
    assert client.get(reverse("orders:detail", args=[there.number])).status_code == 404
    assert client.post(reverse("orders:cancel", args=[there.number]), {"reason": "other"}).status_code == 404
    assert Order.objects.get(pk=there.pk).status == OrderStatus.PLACED


def test_cancel_works_and_a_second_cancel_is_an_error(client, anna, net):
    order = pickup(net["milano"])
    url = reverse("orders:cancel", args=[order.number])
    response = client.post(url, {"reason": "customer_request"}, follow=True)
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "customer_request")
    assert 'data-testid="cancel-form"' not in response.content.decode()

    again = client.post(url, {"reason": "customer_request"}, follow=True)
    assert again.status_code == 200
    assert messages_of(again), "the refused transition is shown as a message"
    assert client.post(url, {"reason": "nonsense"}, follow=True).status_code == 200


def test_ship_from_store_shows_the_pick_list_ships_and_takes_the_stock(client, net):
    manager = UserFactory(username="marco", role="store_manager", locations=[net["milano"]])
    client.force_login(manager)
    order = delivery(quantity=2)
    assert order.shipments.get().location == net["milano"]
    assert on_hand(net["milano"], net["tee"]) == 5

    picking = client.get(reverse("orders:picking"))
    assert picking.status_code == 200
    assert [(r["sku"], r["quantity"]) for r in picking.context["pick_list"]] == [("MAG-BLU-M", 2)]
    assert f'data-testid="ship-form-{order.number}"' in picking.content.decode()
    detail = client.get(reverse("orders:detail", args=[order.number]))
    assert detail.context["ship_form"] is not None

    url = reverse("orders:ship", args=[order.number])
    assert client.post(url, {"carrier": "", "tracking": "", "back": "picking"}).status_code == 302
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PLACED, "carrier and tracking are required"

    response = client.post(url, {"carrier": "BRT", "tracking": "BRT123", "back": "picking"})
    assert response.status_code == 302 and response.url == reverse("orders:picking")
    order.refresh_from_db()
    shipment = order.shipments.get()
    assert order.status == OrderStatus.SHIPPED
    assert (shipment.status, shipment.carrier, shipment.tracking) == (ShipmentStatus.SHIPPED, "BRT", "BRT123")
    assert on_hand(net["milano"], net["tee"]) == 3
    assert client.get(reverse("orders:picking")).context["pick_list"] == []

    again = client.post(url, {"carrier": "BRT", "tracking": "BRT123"}, follow=True)
    assert again.status_code == 200 and messages_of(again)


def test_a_sale_at_the_counter_end_to_end(client, anna, net):
    PromotionFactory(variant=net["cap"], value=Decimal("10.00"))
    url = reverse("orders:counter")
    client.post(url, {"action": "add", "sku": "8001234567897"})  # a scanned barcode
    client.post(url, {"action": "add", "sku": "CAP-1"})  # a typed SKU
    client.post(url, {"action": "add", "sku": "CAP-1"})
    assert client.session[BASKET_KEY]["lines"] == {"MAG-BLU-M": 1, "CAP-1": 2}

    page = client.get(url)
    assert page.context["total"] == Decimal("49.90") + Decimal("17.82")  # 2 × 9.90 less 10 %
    client.post(url, {"action": "set", "sku": "CAP-1", "quantity": "3"})
    client.post(url, {"action": "add", "sku": "NOPE-1"})
    client.post(url, {"action": "remove", "sku": "MAG-BLU-M"})
    client.post(url, {"action": "add", "sku": "MAG-BLU-M", "quantity": "2"})
    assert client.session[BASKET_KEY]["lines"] == {"CAP-1": 3, "MAG-BLU-M": 2}

    response = client.post(url, {"action": "pay", "method": "cash", "email": "Giulia@Example.it"})
    order = Order.objects.get(channel="store")
    assert response.status_code == 302 and response.url == reverse("orders:detail", args=[order.number])
    assert order.status == OrderStatus.COMPLETED
    assert order.location == net["milano"] and order.user == anna
    assert order.payments.get().method == "cash" and order.payments.get().status == "captured"
    assert order.total == Decimal("2") * Decimal("49.90") + Decimal("26.73")
    assert (on_hand(net["milano"], net["tee"]), on_hand(net["milano"], net["cap"])) == (3, 2)
    assert BASKET_KEY not in client.session
    detail = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Completed" in detail
    italian = client.get(response.url, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Completato" in italian


def test_insufficient_stock_at_the_counter_names_the_sku_and_keeps_the_basket(client, anna, net):
    url = reverse("orders:counter")
    client.post(url, {"action": "add", "sku": "CAP-1", "quantity": "5"})
    # another till sells one of the five before this payment (the scan was checked, the payment checks again)
    place_order(
        actor=HQ,
        channel="store",
        lines=[LineInput("CAP-1", 1)],
        fulfilment=FulfilmentInput(type="carry_out", location="MI-01"),
    )
    response = client.post(url, {"action": "pay", "method": "card"}, follow=True)
    assert response.status_code == 200
    assert any("CAP-1" in m for m in messages_of(response))
    assert client.session[BASKET_KEY]["lines"] == {"CAP-1": 5}
    assert Order.objects.count() == 1
    assert on_hand(net["milano"], net["cap"]) == 4
    empty = client.post(url, {"action": "clear"})
    assert empty.status_code == 302 and BASKET_KEY not in client.session
    nothing = client.post(url, {"action": "pay", "method": "card"}, follow=True)
    assert messages_of(nothing) and Order.objects.count() == 1


def test_the_counter_is_only_at_a_store_the_user_works_at(client, net):
    hub = WarehouseFactory(code="PC-WH")
    keeper = UserFactory(username="walter", role="associate", locations=[hub])
    client.force_login(keeper)
    response = client.get(reverse("orders:counter"))
    assert response.status_code == 200 and not response.context["is_store"]
    assert client.post(reverse("orders:counter"), {"action": "add", "sku": "CAP-1"}).status_code == 403


def test_hq_sees_every_order(client, net):
    hq = UserFactory(username="hq", role="hq_manager")
    client.force_login(hq)
    milano, torino = pickup(net["milano"]), pickup(net["torino"])
    listed = {o.number for o in client.get(reverse("orders:list")).context["page"].object_list}
    assert {milano.number, torino.number} <= listed
    for order in (milano, torino):
        assert client.get(reverse("orders:detail", args=[order.number])).status_code == 200
    assert client.get(reverse("dashboard")).status_code == 200
