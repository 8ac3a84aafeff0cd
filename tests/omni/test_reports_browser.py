"""The stock report in a real browser (Playwright driving Debian's chromium) on a 10-inch tablet: an HQ
manager opens the stock position, filters by one store, sees the chart and downloads the CSV."""

import csv
import io
from pathlib import Path

import pytest

from inventory import services
from omni.reports.base import get_report
from tests.conftest import browser_login
from tests.inventory.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def receive(location, variant, quantity):
    services.record_movement(
        actor=None, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def test_a_manager_filters_the_stock_report_by_store_and_downloads_the_csv(page):
    if get_report("stock-position") is None:
        pytest.skip("the stock-position report (inventory/reports) is not registered")
    milano = LocationFactory(code="MI-CORSO", name="Milano Corso")
    torino = LocationFactory(code="TO-CENTRO", name="Torino Centro")
    UserFactory(username="hqanna", role="hq_manager")
    knitwear = CategoryFactory(name="Maglieria")
    sweater = VariantFactory(product=ProductFactory(name="Maglione", category=knitwear), sku="MAG-BLU-M")
    coat = VariantFactory(
        product=ProductFactory(name="Cappotto", category=knitwear),
        sku="CAP-NER-L",
        price="150.00",
        cost_price="60.00",
    )
    receive(milano, sweater, 10)  # 10 x 19.90 = 199.00 at retail, 10 x 8.00 = 80.00 at cost
    receive(torino, sweater, 4)
    receive(torino, coat, 2)

    browser_login(page, "hqanna")
    page.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu
    page.click("[data-testid=nav-reports]")
    page.click("[data-testid=report-stock-position] a")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=report-chart]").count() == 1
    assert page.locator("[data-testid=report-table] tbody tr").count() == 2  # one row per store here

    page.select_option("[data-testid=report-filters] select[name=location]", str(milano.pk))
    page.click("[data-testid=report-apply]")
    page.wait_for_load_state("networkidle")
    assert f"location={milano.pk}" in page.url
    chart = page.locator("svg[data-testid=report-chart]")
    assert chart.get_attribute("role") == "img"
    assert chart.locator(".rc-bar").count() == 2  # value at retail and at cost, one store
    assert chart.bounding_box()["width"] > 300
    rows = page.locator("[data-testid=report-table] tbody tr")
    assert rows.count() == 1 and "MI-CORSO" in rows.first.inner_text()
    assert "TO-CENTRO" not in page.locator("[data-testid=report-table]").inner_text()
    page.screenshot(path="/tmp/omni-browser-stock-report.png", full_page=True)

    with page.expect_download() as download_info:
        page.click("[data-testid=export-csv]")
    download = download_info.value
    assert download.suggested_filename.startswith("stock-position-") and download.suggested_filename.endswith(
        ".csv"
    )
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    # the page is in Italian: the CSV is what Italian Excel splits and reads (";" and decimal commas)
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(table) == 2, table
    header, row = table
    values = dict(zip([c.key for c in get_report("stock-position").columns], row, strict=True))
    assert len(header) == len(row)
    assert (values["location"], values["group_name"], values["on_hand"]) == ("MI-CORSO", "Maglieria", "10")
    assert (values["value_retail"], values["value_cost"]) == ("199,00", "80,00")
