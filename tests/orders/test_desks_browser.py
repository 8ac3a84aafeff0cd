"""The returns and pickup desks in a real browser (Playwright driving Debian's chromium) on a 10-inch tablet,
landscape (1024x768) and portrait (768x1024), in Italian and English, with a simulated barcode scanner (it
types the code into whatever has the focus, then presses Enter): the receipt scanned opens the return, each
item scanned marks one unit more, Enter never confirms, the refund left due is recorded paid back; the
customer's QR code scanned at the pickup desk opens the handover with the code carried over, a missing
payment method loses nothing typed."""

from __future__ import annotations

import pytest

from orders.models import Order, OrderStatus, Payment, PaymentStatus, Return, ReturnStatus
from orders.services import CustomerInput, FulfilmentInput, LineInput, mark_ready, place_order
from tests.conftest import browser_login
from tests.omni.factories import UserFactory
from tests.orders.returns_helpers import EMAIL, HQ, make_net, till_sale

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [(1024, 768), (768, 1024)]
WORDS = {
    "it": {"desk": "Banco resi", "refunded": "Rimborsato", "due": "Rimborso dovuto", "kept": "conservato"},
    "en": {"desk": "Returns desk", "refunded": "Refunded", "due": "Refund due", "kept": "is kept"},
}


def _open(page, size, language: str) -> None:  # type: ignore[no-untyped-def]
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    browser_login(page, "anna")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])


def _scan(page, code: str) -> None:  # type: ignore[no-untyped-def]
    """A USB scanner: the code typed into the focused box, then Enter."""
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def _focused(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.evaluate("() => document.activeElement && document.activeElement.dataset.testid"))


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("size", SIZES, ids=["landscape", "portrait"])
def test_a_return_with_a_scanner_then_the_refund_paid_back(page, size, language):  # type: ignore[no-untyped-def]
    net = make_net()
    UserFactory(username="anna", role="associate", locations=[net["roma"]])
    order = till_sale(net["roma"], (("TEE-R", 2), ("CAP-R", 1)))
    words = WORDS[language]
    _open(page, size, language)

    page.goto(page.base_url + "/orders/returns/")
    assert words["desk"] in page.locator("h1").inner_text()
    assert _focused(page) == "return-search", "the scan box has the focus"
    _fits(page)
    _scan(page, order.number)  # the receipt's barcode
    assert order.number in page.locator("[data-testid=return-title]").inner_text()

    assert _focused(page) == "return-scan"
    tee = net["tee"]
    _scan(page, tee.gtin)
    _scan(page, tee.gtin)  # a second unit
    assert page.locator("[data-testid=return-qty-TEE-R]").input_value() == "2"
    _scan(page, tee.gtin)  # both are marked already: said by the box
    assert page.locator("[data-testid=return-scan-error]").count() == 1
    assert page.locator("[data-testid=return-qty-TEE-R]").input_value() == "2"
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter with nothing scanned: the return is not confirmed
    page.wait_for_load_state("networkidle")
    assert Return.objects.count() == 0
    _fits(page)

    # the reason has no default: the form says so and keeps what was marked
    page.click("[data-testid=return-preview-button]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=reason-error-TEE-R]").count() == 1
    assert page.locator("[data-testid=return-qty-TEE-R]").input_value() == "2"
    page.locator("[data-testid=return-reason-TEE-R]").select_option("wrong_size")
    page.click("[data-testid=return-preview-button]")
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=return-confirm]")
    page.wait_for_load_state("networkidle")
    ret = Return.objects.get()
    assert ret.status == ReturnStatus.REFUND_DUE
    assert words["due"] in page.locator("[data-testid=return-status]").inner_text()

    # later, the refund is paid back on the card terminal: recorded from the desk
    page.goto(page.base_url + "/orders/returns/")
    page.click(f"[data-testid=settle-{ret.number}]")
    page.wait_for_load_state("networkidle")
    _fits(page)
    page.click("[data-testid=settle-method-card]")
    page.fill("[data-testid=settle-reference]", "POS-0042")
    page.click("[data-testid=settle-submit]")
    page.wait_for_load_state("networkidle")
    assert words["refunded"] in page.locator("[data-testid=return-status]").inner_text()
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.REFUNDED
    assert Payment.objects.get(pk=ret.payment_id).reference == "POS-0042"
    page.goto(page.base_url + f"/orders/{order.number}/")
    assert words["refunded"] in page.locator("[data-testid=return-badge]").inner_text()
    _fits(page)


@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("size", SIZES, ids=["landscape", "portrait"])
def test_a_pickup_handed_over_with_a_scanner(page, size, language):  # type: ignore[no-untyped-def]
    net = make_net()
    UserFactory(username="anna", role="associate", locations=[net["roma"]])

    def ready_pickup() -> Order:
        order = place_order(
            actor=HQ,
            channel="web",
            customer=CustomerInput(email=EMAIL, first_name="Giulia", last_name="Rossi"),
            lines=[LineInput("TEE-R", 1)],
            fulfilment=FulfilmentInput(type="pickup", location=net["roma"].code),
        )  # paid at pickup
        mark_ready(actor=HQ, number=order.number)
        return Order.objects.get(pk=order.pk)

    scanned, typed = ready_pickup(), ready_pickup()
    _open(page, size, language)

    # the customer's QR code scanned: the handover opens with the code carried over
    page.goto(page.base_url + "/orders/pickup/desk/")
    assert _focused(page) == "desk-search"
    _fits(page)
    _scan(page, scanned.pickup_code)
    assert scanned.number in page.locator("[data-testid=handover-title]").inner_text()
    assert page.locator("[data-testid=code-checked]").count() == 1
    assert scanned.pickup_code not in page.content()
    page.click("[data-testid=method-card]")
    page.click("[data-testid=handover-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=handover-collected]").count() == 1
    assert Order.objects.get(pk=scanned.pk).status == OrderStatus.COLLECTED

    # found by its number; the code typed, then Enter with no payment method: the code is kept
    page.goto(page.base_url + "/orders/pickup/desk/")
    _scan(page, typed.number)
    assert _focused(page) == "handover-code"
    _fits(page)
    _scan(page, typed.pickup_code)
    assert page.locator("[data-testid=method-error]").count() == 1
    assert WORDS[language]["kept"] in page.locator("[data-testid=code-kept]").inner_text()
    assert Order.objects.get(pk=typed.pk).pickup_failed_attempts == 0
    page.click("[data-testid=method-cash]")
    page.click("[data-testid=handover-submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=handover-collected]").count() == 1
    typed.refresh_from_db()
    assert typed.status == OrderStatus.COLLECTED
    assert typed.payments.get().status == PaymentStatus.CAPTURED
