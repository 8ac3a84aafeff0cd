"""Click and collect in a real browser (Playwright driving Debian's chromium) on a 10-inch store tablet: an
associate opens the pickup queue, picks an order with the touch steppers, marks it ready, then at the desk
scans the customer's QR code (a scanner types the six digits and Enter), takes the payment and hands the
order over. A second journey reads the QR code with the camera (BarcodeDetector, faked here: headless
chromium on Linux has none) and checks the camera button stays hidden where there is no BarcodeDetector."""

from decimal import Decimal

import pytest

from inventory.models import StockLevel
from inventory.services import record_movement
from omni.actors import Actor
from orders.models import Order, OrderStatus, PaymentStatus
from orders.services import CustomerInput, FulfilmentInput, LineInput, PaymentInput, mark_ready, place_order
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


def place_pickup(store, lines, payment=None):
    return place_order(
        actor=HQ,
        channel="web",
        customer=CustomerInput(email="giulia@example.it", first_name="Giulia", last_name="Rossi"),
        lines=[LineInput(sku, quantity) for sku, quantity in lines],
        fulfilment=FulfilmentInput(type="pickup", location=store.code),
        payment=payment,
    )


def test_an_associate_picks_readies_and_hands_over_a_pickup(page):
    store = LocationFactory(code="MI-CORSO", name="Milano Corso", click_and_collect=True)
    UserFactory(username="giulia", role="associate", locations=[store])
    sweater = VariantFactory(
        product=ProductFactory(name="Maglione merino"), sku="MAG-BLU-M", size="M", color="Blu"
    )
    cap = VariantFactory(product=ProductFactory(name="Cappello"), sku="CAP-1", price=Decimal("9.90"))
    receive(store, sweater, 5)
    receive(store, cap, 5)
    order = place_pickup(store, [("MAG-BLU-M", 2), ("CAP-1", 1)])  # paid at pickup

    browser_login(page, "giulia")
    page.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu
    page.click("[data-testid=nav-pickup-queue]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=count-prepare]").inner_text().strip() == "1"
    page.click("[data-testid=pickup-tabs] a[href$='/pickup/print/']")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=combined-pick-list] [data-testid=pick-MAG-BLU-M]").count() == 1
    assert page.locator("[data-action=print]").is_visible(), "the Print button shows with JavaScript"
    page.screenshot(path="/tmp/omni-browser-pickup-print.png", full_page=True)
    page.go_back()
    page.wait_for_load_state("networkidle")
    page.locator(f"[data-testid=queue-{order.number}] [data-testid=open-pick]").click()
    page.wait_for_load_state("networkidle")

    # two taps on + for the sweaters, "All" for the cap, then save
    sweaters = page.locator("[data-testid=line-MAG-BLU-M]")
    plus = sweaters.locator("[data-step='1']")
    assert plus.is_visible(), "the steppers show with JavaScript"
    box = plus.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44, "big enough for a finger"
    plus.click()
    plus.click()
    assert sweaters.locator("[data-testid=picked]").input_value() == "2"
    plus.click()  # no more than the store holds for the order
    assert sweaters.locator("[data-testid=picked]").input_value() == "2"
    page.locator("[data-testid=line-CAP-1] [data-testid=pick-all]").click()
    page.screenshot(path="/tmp/omni-browser-pickup-pick.png", full_page=True)
    assert page.locator("[data-testid=mark-ready]").count() == 0
    page.click("[data-testid=save-picks]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=line-done]").count() == 2
    page.click("[data-testid=mark-ready]")
    page.wait_for_load_state("networkidle")

    order.refresh_from_db()
    assert order.status == OrderStatus.READY_FOR_PICKUP
    code = order.pickup_code
    assert page.locator(f"[data-testid=queue-{order.number}] [data-testid=open-handover]").count() == 1
    page.screenshot(path="/tmp/omni-browser-pickup-queue.png")
    assert code not in page.content()

    page.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu

    page.click("[data-testid=nav-pickup-desk]")
    page.wait_for_load_state("networkidle")
    search = page.locator("[data-testid=desk-search]")
    assert search.evaluate("el => el === document.activeElement"), "the search box has the focus"
    assert page.locator("[data-testid=camera-scan]").is_hidden(), "no BarcodeDetector: no camera button"
    search.fill(code)  # what a USB scanner types...
    search.press("Enter")  # ...and its Enter
    page.wait_for_load_state("networkidle")
    assert order.number in page.locator("[data-testid=handover-title]").inner_text()
    assert page.locator("[data-testid=code-checked]").count() == 1
    assert page.locator("[data-testid=payment-due]").count() == 1
    assert code not in page.content() and code not in page.url
    page.check("[data-testid=method-card] input")
    page.click("[data-testid=handover-submit]")
    page.wait_for_load_state("networkidle")

    assert page.locator("[data-testid=handover-collected]").count() == 1
    assert "badge-ok" in (page.locator("[data-testid=order-status]").first.get_attribute("class") or "")
    assert code not in page.content()
    page.screenshot(path="/tmp/omni-browser-pickup-handover.png")
    order.refresh_from_db()
    assert order.status == OrderStatus.COLLECTED
    payment = order.payments.get()
    assert (payment.method, payment.status) == ("card", PaymentStatus.CAPTURED)
    assert (on_hand(store, sweater), on_hand(store, cap)) == (3, 4)


FAKE_CAMERA = """
(() => {
  window.BarcodeDetector = class {
    static getSupportedFormats() { return Promise.resolve(["qr_code", "ean_13"]); }
    constructor(options) { this.formats = options.formats; this.calls = 0; }
    detect(source) {
      this.calls += 1;  // nothing in front of the camera at first, then the customer's phone
      return Promise.resolve(this.calls < 3 ? [] : [{ rawValue: window.__qrCode, format: "qr_code" }]);
    }
  };
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  navigator.mediaDevices.getUserMedia = () => {
    const context = canvas.getContext("2d");
    context.fillRect(0, 0, 64, 64);
    return Promise.resolve(canvas.captureStream(5));
  };
})();
"""


def test_the_camera_reads_the_qr_code_where_the_browser_can(page):
    store = LocationFactory(code="MI-CORSO", name="Milano Corso", click_and_collect=True)
    UserFactory(username="marco", role="store_manager", locations=[store])
    receive(store, VariantFactory(sku="CAP-1"), 5)
    order = place_pickup(store, [("CAP-1", 1)], payment=PaymentInput(method="card", status="captured"))
    mark_ready(actor=HQ, number=order.number)
    order.refresh_from_db()

    browser_login(page, "marco")
    page.add_init_script(FAKE_CAMERA + f"\nwindow.__qrCode = {order.pickup_code!r};")
    page.goto(page.base_url + "/orders/pickup/desk/")
    camera = page.locator("[data-testid=camera-scan]")
    camera.wait_for(state="visible")
    page.screenshot(path="/tmp/omni-browser-pickup-desk.png")
    camera.click()
    page.wait_for_url(f"**/orders/pickup/{order.number}/handover/")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=code-checked]").count() == 1
    assert page.locator("[data-testid=payment-paid]").count() == 1
    assert order.pickup_code not in page.content()
    page.click("[data-testid=handover-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=handover-collected]").count() == 1
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COLLECTED
