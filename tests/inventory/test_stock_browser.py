"""Stock journeys in a real browser (Playwright driving Debian's chromium) on a 10-inch tablet: a store
manager counts his store, and a transfer goes from one store to another and arrives one unit short."""

import pytest

from inventory import services
from inventory.models import CountStatus, StockLevel, StockMovement, Transfer, TransferStatus
from tests.conftest import browser_login
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def receive(location, variant, quantity):
    services.record_movement(
        actor=None, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def level(location, variant):
    return StockLevel.objects.get(location=location, variant=variant)


def test_a_manager_counts_his_store_and_posts_the_variance(page):
    store = LocationFactory(code="MI-CORSO", name="Milano Corso")
    UserFactory(username="marco", role="store_manager", locations=[store])
    product = ProductFactory(name="Maglione merino")
    blue = VariantFactory(product=product, sku="MAG-BLU-M", gtin="8001234567897", size="M")
    red = VariantFactory(product=product, sku="MAG-RED-M", gtin="8001234567880", size="M")
    receive(store, blue, 5)
    receive(store, red, 3)

    browser_login(page, "marco")
    page.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu
    page.click("[data-testid=nav-counts]")
    page.click("[data-testid=count-new]")
    assert page.locator("input[name=blind]").is_checked(), "counts are blind unless unticked"
    page.click("[data-testid=count-start]")
    page.wait_for_load_state("networkidle")
    assert "0 / 2" in page.locator("[data-testid=count-progress]").inner_text()

    # a scan, then a typed SKU: each counts one unit, then the quantity on the shelf is set exactly
    for code, sku, counted in (("8001234567897", "MAG-BLU-M", "5"), ("MAG-RED-M", "MAG-RED-M", "2")):
        scan = page.locator("[data-testid=count-scan]")
        assert scan.evaluate("el => el === document.activeElement"), "the scan field has the focus"
        page.keyboard.type(code)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        row = page.locator(f"[data-testid=count-line-{sku}]")
        row.locator("[data-testid=count-quantity]").fill(counted)
        with page.expect_navigation():
            row.locator("[data-testid=count-set]").click()
    assert "2 / 2" in page.locator("[data-testid=count-progress]").inner_text()
    assert page.locator("[data-testid=expected]").count() == 0, "a blind count hides the expected quantity"

    page.click("[data-testid=count-review]")
    assert page.locator("[data-testid=variance-MAG-RED-M] [data-testid=variance]").inner_text() == "-1"
    assert page.locator("[data-testid=variance-MAG-BLU-M] [data-testid=variance]").inner_text() == "0"
    page.screenshot(path="/tmp/omni-browser-count-review.png")
    page.click("[data-testid=count-post]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=count-post]").count() == 0

    count = store.stock_counts.get()
    assert count.status == CountStatus.POSTED
    assert (level(store, blue).on_hand, level(store, red).on_hand) == (5, 2)
    movement = StockMovement.objects.get(kind="count")
    assert (movement.variant, movement.delta, movement.actor_label) == (red, -1, "marco")

    page.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu

    page.click("[data-testid=nav-stock]")
    assert page.locator("[data-testid=level-MAG-RED-M] [data-testid=on-hand]").inner_text() == "2"


def test_a_transfer_is_shipped_and_received_one_short(page, chromium_browser):
    milano = LocationFactory(code="MI-CORSO", name="Milano Corso")
    torino = LocationFactory(code="TO-CENTRO", name="Torino Centro")
    UserFactory(username="marco", role="store_manager", locations=[milano])
    UserFactory(username="teresa", role="store_manager", locations=[torino])
    sweater = VariantFactory(
        product=ProductFactory(name="Maglione merino"), sku="MAG-BLU-M", gtin="8001234567897"
    )
    receive(milano, sweater, 5)

    # Milano sends 3 to Torino and ships them.
    browser_login(page, "marco")
    page.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu
    page.click("[data-testid=nav-transfers]")
    page.click("[data-testid=transfer-new]")
    page.select_option("select[name=to_location]", str(torino.pk))
    page.click("[data-testid=transfer-scan]")
    for _ in range(3):  # a scanner types the code and presses Enter: one unit a scan
        page.keyboard.type("8001234567897")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert not Transfer.objects.exists(), "Enter in the scan box never requests the transfer"
    page.click("[data-testid=transfer-submit]")
    page.wait_for_load_state("networkidle")
    transfer = Transfer.objects.get()
    assert page.locator("[data-testid=transfer-title]").inner_text().count(transfer.number) == 1
    assert level(milano, sweater).reserved == 3
    page.fill("input[name=carrier]", "BRT")
    page.click("[data-testid=transfer-ship]")
    page.wait_for_load_state("networkidle")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHIPPED
    assert (level(milano, sweater).on_hand, level(milano, sweater).reserved) == (2, 0)

    # Torino's manager, on another tablet, finds it among the incoming transfers and receives 2 of 3.
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 800}, locale="it-IT")
    context.set_default_timeout(15000)
    try:
        other = context.new_page()
        other.base_url = page.base_url
        browser_login(other, "teresa")
        other.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu
        other.click("[data-testid=nav-transfers]")
        other.click("[data-testid=transfers-in]")
        other.click(f"[data-testid=transfer-{transfer.number}] a")
        other.wait_for_load_state("networkidle")
        received = other.locator("[data-testid=received-MAG-BLU-M]")
        assert received.input_value() == "3", "received in full unless changed"
        received.fill("2")
        other.fill("[data-testid=reason-MAG-BLU-M]", "one broken in the box")
        other.click("[data-testid=transfer-receive]")
        other.wait_for_load_state("networkidle")
        assert other.locator("[data-testid=receive-form]").count() == 0
        assert "one broken in the box" in other.locator("[data-testid=line-MAG-BLU-M]").inner_text()
        other.screenshot(path="/tmp/omni-browser-transfer-received.png")
    finally:
        context.close()

    transfer.refresh_from_db()
    line = transfer.lines.get()
    assert transfer.status == TransferStatus.RECEIVED
    assert (line.quantity_received, line.shortfall, line.shortfall_reason) == (2, 1, "one broken in the box")
    assert (level(milano, sweater).on_hand, level(milano, sweater).reserved) == (2, 0)
    assert (level(torino, sweater).on_hand, level(torino, sweater).reserved) == (2, 0)
    kinds = sorted(StockMovement.objects.filter(reference=transfer.owner_ref).values_list("kind", "delta"))
    assert kinds == [("transfer_in", 2), ("transfer_out", -3)]


def test_an_associate_finds_stock_nearby_and_records_a_receipt(page):
    milano = LocationFactory(code="MI-CORSO", name="Milano Corso")
    roma = LocationFactory(code="RM-01", name="Roma Corso", latitude="41.902800", longitude="12.496400")
    torino = LocationFactory(code="TO-01", name="Torino Centro", latitude="45.070300", longitude="7.686900")
    UserFactory(username="giulia", role="associate", locations=[milano])
    sweater = VariantFactory(
        product=ProductFactory(name="Maglione merino"), sku="MAG-BLU-M", gtin="8001234567897"
    )
    receive(roma, sweater, 4)
    receive(torino, sweater, 1)

    browser_login(page, "giulia")
    page.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu
    page.click("[data-testid=nav-stock]")
    page.click("[data-testid=stock-tabs] >> nth=0 >> a >> nth=0")
    search = page.locator("[data-testid=stock-search]")
    search.fill("8001234567897")
    search.press("Enter")
    page.wait_for_load_state("networkidle")
    rows = page.locator("[data-testid=stock-locations] tbody tr")
    assert [rows.nth(i).get_attribute("data-testid") for i in range(rows.count())] == [
        "stock-location-MI-CORSO",  # one's own store first, with 0
        "stock-location-TO-01",
        "stock-location-RM-01",
    ]
    page.screenshot(path="/tmp/omni-browser-stock-lookup.png")

    page.click("[data-testid=stock-tabs] >> nth=0 >> a >> nth=2")
    page.fill("[data-testid=sku]", "MAG-BLU-M")
    page.check("input[name=kind][value=receipt]")
    page.fill("[data-testid=quantity]", "6")
    page.screenshot(path="/tmp/omni-browser-movement-form.png", full_page=True)
    page.click("[data-testid=movement-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=level-on-hand]").inner_text() == "6"
    assert page.locator("[data-testid=movements] [data-testid=movement-receipt]").count() == 1
    assert level(milano, sweater).on_hand == 6
