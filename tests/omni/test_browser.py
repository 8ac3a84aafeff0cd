"""A store associate's first minutes, in a real browser (Playwright driving Debian's chromium)."""

import pytest

from tests.conftest import browser_login
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_associate_logs_in_sees_the_store_dashboard_and_finds_a_product_by_gtin(page):
    store = LocationFactory(code="MI-CORSO", name="Milano Corso Vittorio Emanuele")
    UserFactory(username="giulia", first_name="Giulia", role="associate", locations=[store])
    product = ProductFactory(name="Maglione girocollo merino")
    VariantFactory(product=product, sku="MAG-0001-BLU-M", gtin="8001234567897", size="M", color="Blu navy")
    VariantFactory(product=product, sku="MAG-0001-BLU-L", gtin="8001234567880", size="L", color="Blu navy")

    browser_login(page, "giulia")
    assert page.url.rstrip("/") == page.base_url
    heading = page.locator("h1").first.inner_text()
    assert "Milano Corso Vittorio Emanuele" in heading
    assert page.locator("[data-testid=panel]").count() >= 1

    page.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu
    page.click("nav >> text=Catalogo")  # the UI speaks Italian by default
    search = page.locator("input[name=q]")
    assert search.evaluate("el => el === document.activeElement"), "the scan field has the focus"
    search.fill("8001234567880")  # a barcode scanner types the digits and Enter
    search.press("Enter")
    page.wait_for_load_state("networkidle")
    body = page.locator("main").inner_text()
    assert "MAG-0001-BLU-L" in body and "Maglione girocollo merino" in body
    page.screenshot(path="/tmp/omni-browser-gtin.png")
