"""The till in a real browser (10-inch tablet, 1024x768) with a barcode scanner: the cashier scans the
customer's loyalty card into "Load the customer's cart", the kiosk basket the customer started appears in the
till's basket with its member and prices, and taking the payment converts the cart and the order counts for
the kiosk."""

from decimal import Decimal

import pytest

from carts import services
from carts.models import Cart, CartStatus
from carts.services.carts import CartLineInput
from loyalty import services as loyalty
from omni.actors import Actor
from orders.models import Order
from tests.conftest import browser_login
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.orders.conftest import stock
from tests.orders.factories import PromotionFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HQ = Actor.system()


def test_the_cashier_loads_the_kiosk_cart_by_scanning_the_card_and_sells_it(page):
    page.set_viewport_size({"width": 1024, "height": 768})
    store = LocationFactory(code="MI-KIOSK", name="Milano Kiosk")
    UserFactory(username="cassa-carrello", role="associate", locations=[store])
    tee = VariantFactory(product=ProductFactory(name="T-shirt cotone"), sku="TEE-K", price=Decimal("19.90"))
    jeans = VariantFactory(product=ProductFactory(name="Jeans slim"), sku="JNS-K", price=Decimal("59.90"))
    PromotionFactory(name="Jeans -15%", variant=jeans, value=Decimal("15.00"))
    stock(store, tee, 5)
    stock(store, jeans, 5)
    member = loyalty.enroll_member(
        email="giulia@example.it", first_name="Giulia", last_name="Rossi", actor=HQ
    )
    kiosk = Actor(role="kiosk", location_ids=frozenset({store.pk}))
    cart = services.create_cart(
        actor=kiosk,
        channel="kiosk",
        card_number=member.card_number,
        lines=[CartLineInput("TEE-K", 2), CartLineInput("JNS-K", 1)],
        location_code="MI-KIOSK",
    )

    browser_login(page, "cassa-carrello")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.base_url}])
    page.goto(page.base_url + "/orders/counter/")
    page.click("[data-testid=cart-code]")
    page.keyboard.type(member.card_number)  # the scanner types the card, then Enter
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")

    assert "The customer's cart is in the basket: 3 units" in page.locator(".messages").inner_text()
    assert "In-store kiosk" in page.locator("[data-testid=cart-loaded]").inner_text()
    assert page.locator("[data-testid=basket-TEE-K] [data-testid=basket-quantity]").input_value() == "2"
    assert page.locator("[data-testid=basket-JNS-K] [data-testid=basket-quantity]").input_value() == "1"
    assert page.locator("[data-testid=member-name]").inner_text() == "Giulia Rossi"
    # by hand: 2 x 19.90 + (59.90 - 8.99) = 90.71
    assert page.locator("[data-testid=basket-total]").inner_text().strip() == "€\u00a090.71"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    page.check("[data-testid=method-card] input")
    page.click("[data-testid=take-payment]")
    page.wait_for_load_state("networkidle")
    order = Order.objects.get()
    assert (order.channel, order.started_channel, order.total) == ("store", "kiosk", Decimal("90.71"))
    cart.refresh_from_db()
    assert cart.status == CartStatus.CONVERTED and cart.order_id == order.pk
    assert Cart.objects.filter(status=CartStatus.OPEN).count() == 0
