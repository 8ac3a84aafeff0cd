"""The till loads the customer's cart by their loyalty card or the cart's QR code, and taking the payment
converts the cart, keeping where it was started: a kiosk basket paid at the till counts for the kiosk in the
channel reports. The customer 360 page shows the open carts; the carts report counts the hand-off."""

import re
from decimal import Decimal

import pytest

from carts import services
from carts.models import Cart, CartStatus
from carts.services.carts import CartLineInput
from loyalty import services as loyalty
from omni.actors import Actor
from omni.reports.base import ReportFilters
from orders.models import Order
from orders.services import FulfilmentInput
from orders.views.till import BASKET_KEY
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.orders.conftest import stock
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
COUNTER = "/orders/counter/"
LOAD = "/carts/till/load/"


@pytest.fixture
def shop():
    milano = LocationFactory(code="MI-CART", name="Milano Brera")
    torino = LocationFactory(code="TO-CART", name="Torino Centro")
    tee = VariantFactory(product=ProductFactory(name="T-shirt cotone"), sku="TEE-C", price=Decimal("19.90"))
    jeans = VariantFactory(product=ProductFactory(name="Jeans slim"), sku="JNS-C", price=Decimal("59.90"))
    for location in (milano, torino):
        stock(location, tee, 10)
        stock(location, jeans, 10)
    member = loyalty.enroll_member(
        email="giulia@example.it", first_name="Giulia", last_name="Rossi", actor=HQ
    )
    kiosk = Actor(role="kiosk", location_ids=frozenset({milano.pk}))
    cart = services.create_cart(
        actor=kiosk,
        channel="kiosk",
        card_number=member.card_number,
        lines=[CartLineInput("TEE-C", 2), CartLineInput("JNS-C", 1)],
        location_code="MI-CART",
    )
    return {"milano": milano, "torino": torino, "member": member, "cart": cart}


@pytest.fixture
def anna(client, shop):
    client.force_login(UserFactory(username="anna-cart", role="associate", locations=[shop["milano"]]))
    return client


def load(client, code):
    return client.post(LOAD, {"code": code}, HTTP_ACCEPT_LANGUAGE="en", follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_the_card_loads_the_cart_and_the_payment_converts_it_for_the_kiosk(anna, shop):
    response = load(anna, shop["member"].card_number)
    assert response.redirect_chain[-1][0] == COUNTER
    assert any("The customer's cart is in the basket: 3 units" in m for m in messages_of(response))
    basket = anna.session[BASKET_KEY]
    assert basket["lines"] == {"TEE-C": 2, "JNS-C": 1} and basket["member"] == shop["member"].pk
    assert basket["cart"] == str(shop["cart"].pk) and basket["cart_channel"] == "kiosk"
    page = anna.get(COUNTER, HTTP_ACCEPT_LANGUAGE="en")
    assert b'data-testid="cart-loaded"' in page.content and b"In-store kiosk" in page.content
    italian = anna.get(COUNTER, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Carica il carrello del cliente" in italian and "Caricato dal carrello del cliente" in italian

    paid = anna.post(COUNTER, {"action": "pay", "method": "card"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    order = Order.objects.get()
    assert paid.redirect_chain[-1][0] == f"/orders/{order.number}/"
    assert order.channel == "store" and order.started_channel == "kiosk" and order.total == Decimal("99.70")
    assert order.customer_email == "giulia@example.it"
    cart = Cart.objects.get(pk=shop["cart"].pk)
    assert cart.status == CartStatus.CONVERTED and cart.order_id == order.pk

    # the channel reports: sales by channel counts it for the kiosk, the carts report shows the hand-off
    from carts.reports import CartsByChannel
    from orders.reports.sales import SalesByChannel

    sales = SalesByChannel()
    filters = ReportFilters(tz="Europe/Rome")
    sql, params = sales.live_query(filters)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    assert [(row[1], row[4]) for row in rows] == [("In-store kiosk", 1)]
    sql, params = CartsByChannel().query(filters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert len(found) == 1
    row = found[0]
    assert (row["started_in"], row["carts"], row["converted"], row["bought_store"], row["handed_off"]) == (
        "In-store kiosk",
        1,
        1,
        1,
        1,
    )
    assert row["revenue"] == Decimal("99.70")


def test_the_qr_code_loads_the_cart_and_a_cart_sold_meanwhile_is_not_sold_twice(anna, shop):
    load(anna, f"omni-cart:{shop['cart'].pk}")
    assert anna.session[BASKET_KEY]["cart"] == str(shop["cart"].pk)
    # meanwhile the customer checks the same cart out on the app
    services.checkout_cart(
        actor=HQ,
        cart_id=shop["cart"].pk,
        channel="app",
        fulfilment=FulfilmentInput(type="pickup", location="MI-CART"),
    )
    paid = anna.post(COUNTER, {"action": "pay", "method": "card"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert Order.objects.count() == 1 and Order.objects.get().channel == "app"
    assert any("no longer change" in m for m in messages_of(paid))
    assert anna.session[BASKET_KEY]["lines"] == {"TEE-C": 2, "JNS-C": 1}  # nothing lost
    anna.post(COUNTER, {"action": "cart-remove"})
    assert anna.session[BASKET_KEY]["cart"] == ""
    again = load(anna, f"omni-cart:{shop['cart'].pk}")
    assert any("no longer open" in m for m in messages_of(again))


def test_bad_codes_and_other_stores_carts_are_messages_and_the_basket_stays(client, anna, shop):
    anna.post(COUNTER, {"action": "add", "sku": "TEE-C", "quantity": 1})
    for code, message in (
        ("", "Scan the customer's loyalty card"),
        ("hello", "neither a loyalty card nor a cart's QR code"),
        ("1234567890123", "not a valid card number"),
        ("omni-cart:00000000-0000-4000-8000-000000000000", "neither a loyalty card nor a cart's QR code"),
    ):
        assert any(message in m for m in messages_of(load(anna, code))), code
    assert anna.session[BASKET_KEY]["lines"] == {"TEE-C": 1}
    # an anonymous cart started at the Torino kiosk is not Milano's to open
    torino_kiosk = Actor(role="kiosk", location_ids=frozenset({shop["torino"].pk}))
    theirs = services.create_cart(actor=torino_kiosk, channel="kiosk", lines=[CartLineInput("TEE-C", 1)])
    assert any("neither" in m for m in messages_of(load(anna, f"omni-cart:{theirs.pk}")))
    # a customer without an open cart
    other = loyalty.enroll_member(email="marco@example.it", first_name="Marco", last_name="B", actor=HQ)
    assert any("has no open cart" in m for m in messages_of(load(anna, other.card_number)))
    assert anna.session[BASKET_KEY]["lines"] == {"TEE-C": 1}


def test_loading_a_cart_replaces_the_basket_which_undo_brings_back(anna, shop):
    anna.post(COUNTER, {"action": "add", "sku": "JNS-C", "quantity": 3})
    load(anna, shop["member"].card_number)
    assert anna.session[BASKET_KEY]["lines"] == {"TEE-C": 2, "JNS-C": 1}
    anna.post(COUNTER, {"action": "undo"})
    assert anna.session[BASKET_KEY]["lines"] == {"JNS-C": 3} and anna.session[BASKET_KEY]["cart"] == ""


def test_the_customer_page_shows_the_open_carts(anna, shop):
    response = anna.get(f"/loyalty/customers/{shop['member'].customer_id}/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert 'data-testid="customer-carts"' in html and html.count('data-testid="customer-cart"') == 1
    assert "T-shirt cotone ×2" in html and ("99,70" in html or "99.70" in html)
    italian = anna.get(f"/loyalty/customers/{shop['member'].customer_id}/", HTTP_ACCEPT_LANGUAGE="it")
    assert "Carrelli aperti" in italian.content.decode()


def test_a_load_needs_a_store_of_ones_own(client, shop):
    client.force_login(UserFactory(username="hq-cart", role="hq_manager"))
    assert client.post(LOAD, {"code": shop["member"].card_number}).status_code == 403
    client.logout()
    assert client.post(LOAD, {"code": "x"}).status_code == 302  # to the login page


def test_the_gdpr_export_has_the_persons_carts(shop):
    from loyalty.selectors.profile import customer_export_data

    exported = customer_export_data(shop["member"].customer)["carts"]
    assert [(c["id"], c["channel"], c["status"], c["location"]) for c in exported] == [
        (str(shop["cart"].pk), "kiosk", "open", "MI-CART")
    ]
    assert [(ln["sku"], ln["quantity"]) for ln in exported[0]["lines"]] == [("TEE-C", 2), ("JNS-C", 1)]


def test_erasing_the_customer_forgets_their_carts(shop):
    loyalty.erase_customer(customer=shop["member"].customer, actor=HQ, reason="GDPR request")
    cart = Cart.objects.get(pk=shop["cart"].pk)
    assert (cart.customer_email, cart.member_id, cart.status) == ("", None, CartStatus.EXPIRED)


def test_the_carts_report_page_shows_the_hand_off_in_both_languages(client, anna, shop):
    load(anna, shop["member"].card_number)
    anna.post(COUNTER, {"action": "pay", "method": "card"})
    services.create_cart(actor=HQ, channel="web", lines=[CartLineInput("TEE-C", 1)])  # still open
    client.force_login(UserFactory(username="hq-report", role="hq_manager"))
    html = client.get("/reports/carts-by-channel/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Carts and channel hand-offs" in html and "Bought at the till" in html
    rows = {
        tuple(c.strip() for c in row)
        for row in re.findall(r"<tr>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>", html)
    }
    assert ("In-store kiosk", "1") in rows and ("Web shop", "1") in rows
    italian = client.get("/reports/carts-by-channel/").content.decode()
    assert "Carrelli e passaggi tra canali" in italian and "Acquistati in cassa" in italian
