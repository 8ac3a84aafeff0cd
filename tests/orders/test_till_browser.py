"""The till in a real browser on a 10-inch tablet (1024x768) with a barcode scanner (it types the code and
presses Enter into the focused box): repeated scans add units, a scan beyond the store's units is refused,
Enter in the payment form never pays, the member's card is scanned and points redeemed, the payment is
taken, and the receipt prints on an 80 mm slip (print media), in Italian and in English."""

from decimal import Decimal

import pytest

from inventory.services import record_movement
from loyalty import services as loyalty
from omni.actors import Actor
from orders.models import Order
from tests.conftest import browser_login
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HQ = Actor.system()
MM = 96 / 25.4  # CSS pixels in a millimetre


def receive(location, variant, quantity):
    record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def scan(page, code, box="scan"):
    """A USB scanner: types into whatever has the focus (once `box` has it), then Enter."""
    page.wait_for_function(
        f"() => document.activeElement && document.activeElement.dataset.testid === '{box}'"
    )
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def scan_box_has_the_focus(page):
    """The scan box has the focus (autofocus is applied as the page is first rendered: wait for it)."""
    page.wait_for_function("() => document.activeElement && document.activeElement.dataset.testid === 'scan'")
    return True


def fits_the_viewport(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_sale_with_a_scanner_a_loyalty_card_and_the_printed_receipt(page):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
    store = LocationFactory(code="MI-SCAN", name="Milano Scanner", address="Corso Como 5", city="Milano")
    UserFactory(username="cassa", role="associate", locations=[store])
    tee = VariantFactory(
        product=ProductFactory(name="T-shirt cotone"),
        sku="TEE-B",
        gtin="8001234567897",
        price=Decimal("19.90"),
    )
    scarf = VariantFactory(product=ProductFactory(name="Sciarpa"), sku="SCARF-1", price=Decimal("25.00"))
    receive(store, tee, 5)
    receive(store, scarf, 1)
    member = loyalty.enroll_member(
        email="giulia@example.it", first_name="Giulia", last_name="Rossi", actor=HQ
    )
    loyalty.adjust(member=member, points=500, reason="welcome", actor=HQ)

    browser_login(page, "cassa")
    page.goto(page.base_url + "/orders/counter/")
    assert scan_box_has_the_focus(page)
    scan(page, "8001234567897")
    assert scan_box_has_the_focus(page), "after a scan the box has the focus again"
    scan(page, "8001234567897")
    assert page.locator("[data-testid=basket-TEE-B] [data-testid=basket-quantity]").input_value() == "2"
    scan(page, "SCARF-1")
    scan(page, "SCARF-1")  # there is one: the second is refused, in Italian
    assert page.locator("[data-testid=basket-SCARF-1] [data-testid=basket-quantity]").input_value() == "1"
    refused = page.locator(".messages .msg-error").inner_text()
    assert "SCARF-1" in refused and "1 disponibili" in refused
    assert (
        page.locator("[data-testid=basket-SCARF-1] [data-testid=basket-available]").inner_text().strip()
        == "1"
    )
    assert fits_the_viewport(page)

    # Enter in the customer's email never takes the payment
    page.fill("[data-testid=customer-email]", "qualcuno@example.it")
    page.locator("[data-testid=customer-email]").press("Enter")
    page.wait_for_timeout(500)
    assert not Order.objects.exists()

    page.click("[data-testid=loyalty-card]")
    scan(page, member.card_number, box="loyalty-card")
    assert page.locator("[data-testid=member-name]").inner_text() == "Giulia Rossi"
    assert "500" in page.locator("[data-testid=member-points]").inner_text()
    assert scan_box_has_the_focus(page)
    page.fill("[data-testid=redeem-points]", "200")
    page.locator("[data-testid=redeem-points]").press("Enter")  # its own form: Enter redeems
    page.wait_for_load_state("networkidle")
    # 2 x 19.90 + 25.00 = 64.80, less 200 points (2.00) = 62.80
    assert page.locator("[data-testid=basket-points-discount]").inner_text().strip() == "−€\u00a02,00"
    assert page.locator("[data-testid=basket-total]").inner_text().strip() == "€\u00a062,80"
    page.set_viewport_size({"width": 768, "height": 1024})
    assert fits_the_viewport(page)
    page.screenshot(path="/tmp/omni-till-basket.png", full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})

    page.screenshot(path="/tmp/omni-till-basket-1024.png", full_page=True)
    page.check("[data-testid=method-cash] input")
    page.click("[data-testid=take-payment]")
    page.wait_for_load_state("networkidle")
    order = Order.objects.get()
    assert (order.total, order.points_redeemed) == (Decimal("62.80"), 200)
    page.click("[data-testid=print-receipt]")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => window.__printed === 1")  # printed as it opened
    receipt = page.locator("[data-testid=receipt]")
    assert "scontrino" in receipt.inner_text().lower() and "62,80" in receipt.inner_text()
    assert "Grazie" in receipt.inner_text() and "Corso Como 5" in receipt.inner_text()

    page.emulate_media(media="print")
    box = receipt.bounding_box()
    assert box is not None and box["width"] <= 72 * MM + 1, box
    assert receipt.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "nothing sticks out of the slip"
    assert page.locator(".topbar").is_hidden() and page.locator("[data-testid=back-to-till]").is_hidden()
    page.screenshot(path="/tmp/omni-till-receipt-print.png", full_page=True)

    page.context.add_cookies([{"name": "django_language", "value": "en", "url": page.base_url}])
    page.goto(page.base_url + f"/orders/{order.number}/gift-receipt/")
    gift = page.locator("[data-testid=gift-receipt]")
    assert "gift receipt" in gift.inner_text().lower() and "T-shirt cotone" in gift.inner_text()
    assert "19.90" not in gift.inner_text() and "62.80" not in gift.inner_text()
    assert gift.bounding_box()["width"] <= 72 * MM + 1
    page.goto(page.base_url + f"/orders/{order.number}/receipt/")
    receipt = page.locator("[data-testid=receipt]")
    assert "Thank you" in receipt.inner_text() and "62.80" in receipt.inner_text()
    assert receipt.bounding_box()["width"] <= 72 * MM + 1
    page.emulate_media(media="screen")
    assert receipt.bounding_box()["width"] <= 80 * MM + 1  # on screen too, the slip as it prints
