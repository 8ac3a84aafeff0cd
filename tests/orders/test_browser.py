"""Order journeys in a real browser (Playwright driving Debian's chromium) on a 10-inch tablet: an
associate sells two SKUs at the till for cash, and a store manager picks and ships a delivery order."""

from decimal import Decimal

import pytest

from inventory.models import StockLevel
from inventory.services import record_movement
from omni.actors import Actor
from orders.models import Order, OrderStatus, ShipmentStatus
from orders.services import CustomerInput, FulfilmentInput, LineInput, PaymentInput, place_order
from tests.conftest import browser_login
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HQ = Actor.system()


def receive(location, variant, quantity):
    record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def on_hand(location, variant):
    return StockLevel.objects.get(location=location, variant=variant).on_hand


def test_an_associate_sells_two_skus_at_the_till_for_cash(page):
    store = LocationFactory(code="MI-CORSO", name="Milano Corso")
    UserFactory(username="giulia", role="associate", locations=[store])
    sweater = VariantFactory(
        product=ProductFactory(name="Maglione merino"),
        sku="MAG-BLU-M",
        gtin="8001234567897",
        price=Decimal("49.90"),
    )
    cap = VariantFactory(product=ProductFactory(name="Cappello"), sku="CAP-1", price=Decimal("9.90"))
    receive(store, sweater, 5)
    receive(store, cap, 5)

    browser_login(page, "giulia")
    page.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu
    page.click("[data-testid=nav-sell]")
    page.wait_for_load_state("networkidle")
    for code in ("8001234567897", "CAP-1"):  # a scanned barcode, then a typed SKU
        scan = page.locator("[data-testid=scan]")
        assert scan.evaluate("el => el === document.activeElement"), "the scan box has the focus"
        scan.fill(code)
        scan.press("Enter")
        page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=basket-MAG-BLU-M]").count() == 1
    assert page.locator("[data-testid=basket-CAP-1]").count() == 1
    assert page.locator("[data-testid=basket-total]").inner_text().strip() in ("€\u00a059.80", "€\u00a059,80")

    page.check("[data-testid=method-cash] input")
    page.click("[data-testid=take-payment]")
    page.wait_for_load_state("networkidle")

    order = Order.objects.get()
    assert order.number in page.locator("[data-testid=order-title]").inner_text()
    assert "badge-ok" in (page.locator("[data-testid=order-status]").first.get_attribute("class") or "")
    page.screenshot(path="/tmp/omni-browser-till-sale.png")
    assert (order.status, order.channel, order.total) == (OrderStatus.COMPLETED, "store", Decimal("59.80"))
    assert order.payments.get().method == "cash"
    assert (on_hand(store, sweater), on_hand(store, cap)) == (4, 4)


def test_a_manager_picks_and_ships_a_delivery_from_his_store(page):
    store = LocationFactory(code="MI-CORSO", name="Milano Corso", ships=True)
    UserFactory(username="marco", role="store_manager", locations=[store])
    sweater = VariantFactory(
        product=ProductFactory(name="Maglione merino"), sku="MAG-BLU-M", size="M", color="Blu"
    )
    receive(store, sweater, 5)
    order = place_order(
        actor=HQ,
        channel="web",
        customer=CustomerInput(email="luca@example.it", first_name="Luca", last_name="Bianchi"),
        lines=[LineInput("MAG-BLU-M", 2)],
        fulfilment=FulfilmentInput(
            type="delivery",
            address={"line1": "Via Toledo 1", "city": "Napoli", "postcode": "80134", "country": "IT"},
        ),
        payment=PaymentInput(method="card", status="authorised"),
    )
    assert order.shipments.get().location == store

    browser_login(page, "marco")
    page.goto(page.base_url + "/orders/picking/")
    row = page.locator("[data-testid=pick-list] [data-testid=pick-MAG-BLU-M]")
    assert row.locator("[data-testid=pick-quantity]").inner_text() == "2"
    assert "Blu" in row.inner_text()
    form = page.locator(f"[data-testid=ship-form-{order.number}]")
    form.locator("[data-testid=ship-carrier]").fill("BRT")
    form.locator("[data-testid=ship-tracking]").fill("BRT0001234")
    form.locator("[data-testid=ship]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=nothing-to-pick]").count() == 1

    page.goto(page.base_url + f"/orders/{order.number}/")
    assert "badge-ok" in (page.locator("[data-testid=order-status]").first.get_attribute("class") or "")
    assert "BRT0001234" in page.locator("[data-testid=order-shipments]").inner_text()
    page.screenshot(path="/tmp/omni-browser-ship-from-store.png")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert order.shipments.get().status == ShipmentStatus.SHIPPED
    assert on_hand(store, sweater) == 3


def test_cancelling_a_paid_order_asks_first(page):
    """One tap must not cancel a paid order: the page asks, and "no" changes nothing."""
    store = LocationFactory(code="MI-CONF", name="Milano Conferma", click_and_collect=True)
    UserFactory(username="hq-confirm", role="hq_manager")
    tee = VariantFactory(product=ProductFactory(name="Maglietta"), sku="TEE-CONF", price=Decimal("15.00"))
    receive(store, tee, 3)
    order = place_order(
        actor=HQ,
        channel="web",
        customer=CustomerInput(email="anna@example.it"),
        lines=[LineInput("TEE-CONF", 1)],
        fulfilment=FulfilmentInput(type="pickup", location="MI-CONF"),
        payment=PaymentInput(method="card", status="captured"),
    )
    questions: list[str] = []

    browser_login(page, "hq-confirm")
    page.goto(page.base_url + f"/orders/{order.number}/")
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("[data-testid=cancel]")
    page.wait_for_timeout(300)
    assert questions and order.number in questions[0]
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED  # "no": nothing happened

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=cancel]")
    page.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_emptying_the_till_basket_asks_first(page):
    store = LocationFactory(code="MI-BASK", name="Milano Cesto")
    UserFactory(username="basket-associate", role="associate", locations=[store])
    receive(store, VariantFactory(product=ProductFactory(name="Calze"), sku="SOCK-1"), 5)

    browser_login(page, "basket-associate")
    page.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu
    page.click("[data-testid=nav-sell]")
    page.wait_for_load_state("networkidle")
    page.locator("[data-testid=scan]").fill("SOCK-1")
    page.locator("[data-testid=scan]").press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=basket-SOCK-1]").count() == 1

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("[data-testid=basket-clear]")
    page.wait_for_timeout(300)
    assert page.locator("[data-testid=basket-SOCK-1]").count() == 1  # "no": the basket is as it was

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=basket-clear]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=basket-SOCK-1]").count() == 0
