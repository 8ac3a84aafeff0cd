"""The returns desk in a real browser (Playwright driving Debian's chromium) on a 10-inch tablet: an
associate takes back a shipped web order (one unit resellable, one damaged) after seeing the refund, and
exchanges a T-shirt for jeans, scanning the new item, the customer paying the difference in cash."""

from decimal import Decimal

import pytest

from orders.models import Order, Return
from tests.conftest import browser_login
from tests.omni.factories import UserFactory
from tests.orders.returns_helpers import make_net, on_hand, shipped_web_order, till_sale

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _find(page, query: str) -> None:  # type: ignore[no-untyped-def]
    page.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu
    page.click("[data-testid=nav-returns]")
    page.wait_for_load_state("networkidle")
    search = page.locator("[data-testid=return-search]")
    assert search.evaluate("el => el === document.activeElement"), "the search box has the focus"
    search.fill(query)  # what a scanner types, then Enter
    search.press("Enter")
    page.wait_for_load_state("networkidle")


def test_an_associate_takes_back_a_web_order_after_seeing_the_refund(page):
    net = make_net()
    UserFactory(username="anna", role="associate", locations=[net["roma"]])
    order = shipped_web_order((("TEE-R", 2),))
    before = on_hand(net["roma"], net["tee"])

    browser_login(page, "anna")
    _find(page, order.number.lower())
    assert order.number in page.locator("[data-testid=return-title]").inner_text()
    line = page.locator("[data-testid=return-line-TEE-R]")
    line.locator("[data-testid=return-qty-TEE-R]").fill("2")
    line.locator("[data-testid=return-reason-TEE-R]").select_option("wrong_size")
    page.click("[data-testid=return-preview-button]")
    page.wait_for_load_state("networkidle")
    refund = page.locator("[data-testid=preview-refund]").inner_text().strip()
    assert refund in ("€\u00a039.80", "€\u00a039,80")
    assert Return.objects.count() == 0  # a preview writes nothing
    page.click("[data-testid=return-confirm]")
    page.wait_for_load_state("networkidle")

    ret = Return.objects.get()
    assert ret.number in page.locator("[data-testid=return-number]").inner_text()
    page.screenshot(path="/tmp/omni-browser-return.png")
    assert (ret.refund_amount, ret.location, ret.status) == (Decimal("39.80"), net["roma"], "refund_due")
    assert [(x.quantity, x.condition, x.reason) for x in ret.lines.all()] == [(2, "resellable", "wrong_size")]
    assert on_hand(net["roma"], net["tee"]) == before + 2


def test_an_associate_exchanges_a_tee_for_jeans_and_takes_the_difference_in_cash(page):
    net = make_net()
    UserFactory(username="anna", role="associate", locations=[net["roma"]])
    order = till_sale(net["roma"], (("TEE-R", 1),))

    browser_login(page, "anna")
    _find(page, order.number)
    page.locator("[data-testid=return-qty-TEE-R]").fill("1")
    page.locator("[data-testid=return-condition-TEE-R]").select_option("damaged")
    page.locator("[data-testid=return-reason-TEE-R]").select_option("damaged_on_arrival")  # no default reason
    scan = page.locator("[data-testid=exchange-scan]")
    scan.fill(net["jeans"].gtin)  # the new item's barcode, scanned
    scan.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=exchange-JNS-R]").count() == 1
    assert page.locator("[data-testid=return-qty-TEE-R]").input_value() == "1"  # what was typed is kept
    page.check("[data-testid=exchange-method-cash] input")
    page.click("[data-testid=return-preview-button]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=preview-charge]").inner_text().strip() in ("40.00", "40,00")
    page.click("[data-testid=return-confirm]")
    page.wait_for_load_state("networkidle")

    ret = Return.objects.get()
    assert ret.number in page.locator("[data-testid=return-number]").inner_text()
    assert page.locator("[data-testid=return-exchange]").count() == 1
    page.screenshot(path="/tmp/omni-browser-exchange.png")
    new = Order.objects.get(pk=ret.exchange_order_id)
    assert (new.status, new.location, new.total) == ("completed", net["roma"], Decimal("59.90"))
    assert sorted((p.method, p.amount) for p in new.payments.all()) == [
        ("cash", Decimal("40.00")),
        ("return_credit", Decimal("19.90")),
    ]
    assert on_hand(net["roma"], net["tee"]) == 10 - 1  # sold, and the damaged unit is not back
    assert on_hand(net["roma"], net["jeans"]) == 10 - 1
