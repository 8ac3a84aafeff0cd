"""The store floor with a barcode scanner, in a real browser (Playwright driving Debian's chromium) on a
10-inch tablet in landscape (1024x768) and portrait (768x1024), in Italian and English. A scanner is
simulated as it behaves: it types the code into whatever has the focus and presses Enter. Each scan counts
(or adds) one unit, the scan box has the focus again after every scan, and Enter never posts the count nor
requests the transfer: those are their own buttons."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inventory import services
from inventory.models import StockCount, StockLevel, Transfer
from omni.actors import Actor
from tests.conftest import browser_login
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GTIN = "8001234567897"
TABLETS = [pytest.param((1024, 768), id="landscape"), pytest.param((768, 1024), id="portrait")]
TEXTS = {
    "en": {
        "counted": "3 counted",
        "unknown": "No SKU or barcode NOPE-999 in the catalog.",
        "short": "Only 2 of TEE-M-BLU available at MI-01.",
        "on_transfer": "2 on the transfer",
        "note": "Received by",
    },
    "it": {
        "counted": "3 contati",
        "unknown": "Nessuno SKU o codice a barre NOPE-999 nel catalogo.",
        "short": "Solo 2 di TEE-M-BLU disponibili in MI-01.",
        "on_transfer": "2 nel trasferimento",
        "note": "Ricevuto da",
    },
}


@pytest.fixture(params=["it", "en"])
def language(request):
    return request.param


@pytest.fixture(params=TABLETS)
def tablet(request, chromium_browser, live_server, language):
    """A page the size of the tablet, in the language, failing on any Content-Security-Policy violation."""
    width, height = request.param
    locale = "it-IT" if language == "it" else "en-GB"
    context = chromium_browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    context.set_default_timeout(15000)
    page = context.new_page()
    page.base_url = live_server.url
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def floor():
    milano = LocationFactory(
        code="MI-01", name="Milano Duomo", latitude=Decimal("45.4642"), longitude=Decimal("9.19")
    )
    monza = LocationFactory(
        code="MB-01", name="Monza Centro", latitude=Decimal("45.5845"), longitude=Decimal("9.2744")
    )
    user = UserFactory(username="giulia", role="store_manager", locations=[milano])
    product = ProductFactory(name="T-shirt basic")
    tee = VariantFactory(product=product, sku="TEE-M-BLU", gtin=GTIN, size="M")
    jeans = VariantFactory(product=ProductFactory(name="Jeans slim"), sku="JNS-32", gtin=None, size="32")
    for variant, quantity in ((tee, 2), (jeans, 4)):
        services.record_movement(
            actor=None, location_id=milano.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
        )
    return {"milano": milano, "monza": monza, "user": user, "tee": tee, "jeans": jeans}


def scan(page, code):
    """A USB/Bluetooth scanner: the code typed into what has the focus, then Enter."""
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def scan_box_has_focus(page, testid):
    return page.locator(f"[data-testid={testid}]").evaluate("el => el === document.activeElement")


def fits_the_screen(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_count_with_a_scanner(tablet, floor, language):
    page, text = tablet, TEXTS[language]
    count = services.start_count(actor=Actor.for_user(floor["user"]), location_id=floor["milano"].pk)
    browser_login(page, "giulia")
    page.goto(page.base_url + reverse("inventory:count-detail", args=[count.pk]))
    assert fits_the_screen(page)

    for _ in range(3):
        assert scan_box_has_focus(page, "count-scan"), "the scan box has the focus, page after page"
        scan(page, GTIN)
    line = count.lines.get(variant=floor["tee"])
    assert line.counted == 3, "three scans, three units"
    assert text["counted"] in page.locator("[data-testid=count-last]").inner_text()
    assert StockCount.objects.get(pk=count.pk).status == "open", "Enter never posts the count"
    assert page.locator("[data-testid=expected]").count() == 0, "a blind count stays blind"

    # an unknown code: said so, the code stays selected in the focused box, the next scan replaces it
    scan(page, "NOPE-999")
    assert text["unknown"] in page.locator("[data-testid=count-scan-form]").inner_text()
    assert scan_box_has_focus(page, "count-scan")
    scan(page, GTIN)
    line.refresh_from_db()
    assert line.counted == 4

    # the quantity stays editable: Enter in it sets that line only
    quantity = page.locator("[data-testid=count-line-TEE-M-BLU] [data-testid=count-quantity]")
    quantity.fill("7")
    with page.expect_navigation():
        quantity.press("Enter")
    line.refresh_from_db()
    assert line.counted == 7
    assert scan_box_has_focus(page, "count-scan")
    assert StockCount.objects.get(pk=count.pk).status == "open"
    assert fits_the_screen(page)
    page.screenshot(path=f"/tmp/omni-floor-count-{language}-{page.viewport_size['width']}.png")


def test_a_transfer_with_a_scanner(tablet, floor, language):
    page, text = tablet, TEXTS[language]
    browser_login(page, "giulia")
    page.goto(page.base_url + reverse("inventory:transfer-new"))
    assert fits_the_screen(page)
    page.select_option("select[name=to_location]", str(floor["monza"].pk))
    page.click("[data-testid=transfer-scan]")
    scan(page, GTIN)
    assert scan_box_has_focus(page, "transfer-scan")
    scan(page, GTIN)
    scan(page, "JNS-32")
    assert not Transfer.objects.exists(), "Enter in the scan box never requests the transfer"
    assert page.locator("select[name=to_location]").input_value() == str(floor["monza"].pk)
    assert (
        page.locator("[data-testid=draft-line-TEE-M-BLU] [data-testid=draft-quantity]").input_value() == "2"
    )
    assert page.locator("[data-testid=draft-line-JNS-32] [data-testid=draft-quantity]").input_value() == "1"
    scan(page, "JNS-32")
    assert text["on_transfer"] in page.locator("[data-testid=transfer-last]").inner_text()

    # a third T-shirt is more than Milano has: refused, said so, nothing lost
    scan(page, GTIN)
    assert text["short"] in page.locator("[data-testid=transfer-form]").inner_text()
    assert (
        page.locator("[data-testid=draft-line-TEE-M-BLU] [data-testid=draft-quantity]").input_value() == "2"
    )

    # lines are edited and removed, then the transfer is requested with its own button
    jeans = page.locator("[data-testid=draft-line-JNS-32] [data-testid=draft-quantity]")
    jeans.fill("4")
    with page.expect_navigation():
        jeans.press("Enter")
    assert page.locator("[data-testid=draft-line-JNS-32] [data-testid=draft-quantity]").input_value() == "4"
    assert not Transfer.objects.exists()
    with page.expect_navigation():
        page.click("[data-testid=draft-line-TEE-M-BLU] [data-testid=draft-remove]")
    assert page.locator("[data-testid=draft-line-TEE-M-BLU]").count() == 0
    assert fits_the_screen(page)
    page.screenshot(path=f"/tmp/omni-floor-transfer-{language}-{page.viewport_size['width']}.png")
    with page.expect_navigation():
        page.click("[data-testid=transfer-submit]")
    transfer = Transfer.objects.get()
    assert (transfer.from_location, transfer.to_location) == (floor["milano"], floor["monza"])
    assert [(line.variant.sku, line.quantity) for line in transfer.lines.all()] == [("JNS-32", 4)]
    assert StockLevel.objects.get(location=floor["milano"], variant=floor["jeans"]).reserved == 4

    with page.expect_navigation():
        page.click("[data-testid=transfer-delivery-note]")
    note = page.locator("[data-testid=delivery-note]")
    assert transfer.number in note.inner_text() and text["note"] in note.inner_text()
    assert page.locator("[data-action=print]").is_visible(), "the print button, from the shared script"
    assert fits_the_screen(page)
    page.emulate_media(media="print")
    page.screenshot(path=f"/tmp/omni-floor-delivery-note-{language}.png", full_page=True)
    assert note.is_visible() and not page.locator(".topbar").is_visible(), "printed: the note alone"
    assert not page.locator("[data-action=print]").is_visible()


def test_a_scan_in_the_catalog_search_opens_the_sku_page(tablet, floor, language):
    page = tablet
    browser_login(page, "giulia")
    page.goto(page.base_url + reverse("inventory:catalog"))
    assert page.locator("[data-testid=catalog-search]").evaluate("el => el === document.activeElement")
    scan(page, GTIN)
    assert page.url.endswith(reverse("inventory:sku-detail", args=["TEE-M-BLU"]))
    assert page.locator("[data-testid=here-available]").inner_text() == "2"
    assert page.locator("[data-testid=no-nearby]").is_visible()
    assert fits_the_screen(page)
    page.screenshot(path=f"/tmp/omni-floor-sku-{language}-{page.viewport_size['width']}.png", full_page=True)
