"""Loyalty journeys in a real browser (Playwright driving Debian's chromium) on a 10-inch tablet: an
associate scans a member's card into the lookup box (a scanner types the digits, then Enter) and lands on
the customer; a store manager adjusts the points and sees the balance change, and a refused adjustment
stays on the form with its error."""

import re

import pytest

from loyalty.models import LedgerEntry
from loyalty.services import adjust, enroll_member
from omni.actors import Actor
from tests.conftest import browser_login
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HQ = Actor.system()


def member_with_points(points: int = 150):  # type: ignore[no-untyped-def]
    member = enroll_member(
        email="giulia.rossi@example.it", first_name="Giulia", last_name="Rossi", phone="3331234567", actor=HQ
    )
    adjust(member=member, points=points, reason="Welcome gift", actor=HQ)
    member.refresh_from_db()
    return member


def test_an_associate_scans_a_card_and_sees_the_customer(page):
    store = LocationFactory(code="MI-CORSO", name="Milano Corso")
    UserFactory(username="giulia", role="associate", locations=[store])
    member = member_with_points()

    browser_login(page, "giulia")
    page.click("[data-testid=nav-menu]")  # the navigation is in the top bar's menu
    page.click("[data-testid=nav-loyalty]")
    page.wait_for_load_state("networkidle")
    box = page.locator("[data-testid=member-lookup]")
    assert box.evaluate("el => el === document.activeElement"), "the lookup box has the focus"
    assert page.locator("[data-testid=camera-scan]").is_hidden(), "no BarcodeDetector here: no camera button"
    page.keyboard.type(member.card_number, delay=5)  # a USB scanner: the digits, then Enter
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")

    assert page.url.endswith(f"/loyalty/customers/{member.customer_id}/")
    assert "Giulia Rossi" in page.locator("[data-testid=customer-title]").inner_text()
    assert page.locator("[data-testid=member-card-number]").inner_text().strip() == member.card_number
    assert page.locator("[data-testid=member-balance]").inner_text().strip() == "150"
    assert "Welcome gift" in page.locator("[data-testid=member-ledger]").inner_text()
    assert page.locator("[data-testid=adjust-form]").count() == 0, "associates do not adjust"
    page.screenshot(path="/tmp/omni-browser-loyalty-lookup.png", full_page=True)

    # an email lists the customer; choosing it opens the same page
    page.goto(page.base_url + "/loyalty/")
    page.fill("[data-testid=member-lookup]", "giulia.rossi@example.it")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    with page.expect_navigation():
        page.locator(f"[data-testid=result-{member.customer_id}] a").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/loyalty/customers/{member.customer_id}/")


def test_a_store_manager_adjusts_the_points_and_sees_the_balance_change(page):
    store = LocationFactory(code="MI-CORSO", name="Milano Corso")
    UserFactory(username="marco", role="store_manager", locations=[store])
    member = member_with_points()

    browser_login(page, "marco")
    page.goto(page.base_url + f"/loyalty/customers/{member.customer_id}/")
    assert page.locator("[data-testid=member-balance]").inner_text().strip() == "150"
    form = page.locator("[data-testid=adjust-form]")
    form.locator("[data-testid=adjust-points]").fill("25")
    form.locator("[data-testid=adjust-reason]").fill("Late delivery, goodwill")
    with page.expect_navigation():
        form.locator("[data-testid=adjust-submit]").click()
    page.wait_for_load_state("networkidle")

    assert page.locator("[data-testid=member-balance]").inner_text().strip() == "175"
    assert re.search(r"\+25\b", page.locator(".messages").inner_text())
    first_row = page.locator("[data-testid=member-ledger] tbody tr").first
    assert "Late delivery, goodwill" in first_row.inner_text()
    assert first_row.locator("[data-testid=entry-points]").inner_text().strip() == "+25"

    # taking more than the balance: the service refuses, the form says why, nothing changes
    form = page.locator("[data-testid=adjust-form]")
    form.locator("[data-testid=adjust-points]").fill("-500")
    form.locator("[data-testid=adjust-reason]").fill("Wrong card")
    with page.expect_navigation():
        form.locator("[data-testid=adjust-submit]").click()
    page.wait_for_load_state("networkidle")
    assert "175" in page.locator("[data-testid=adjust-form] .errorlist").inner_text()
    assert page.locator("[data-testid=member-balance]").inner_text().strip() == "175"
    assert page.locator("[data-testid=adjust-points]").input_value() == "-500", (
        "the form keeps what was typed"
    )
    page.screenshot(path="/tmp/omni-browser-loyalty-adjust.png", full_page=True)

    member.refresh_from_db()
    assert member.points_balance == 175
    assert LedgerEntry.objects.filter(member=member).count() == 2
