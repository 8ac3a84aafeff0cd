"""The approval journey in a real browser, in Italian: an associate posts a large adjustment that waits, the
store manager approves it from the dashboard's queue (confirming), and an associate undoes a small one of
her own from the ledger (confirming)."""

import pytest

from inventory import services
from inventory.models import AdjustmentRequest, StockLevel, StockMovement
from tests.conftest import browser_login
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def on_hand(location, variant) -> int:  # type: ignore[no-untyped-def]
    return StockLevel.objects.get(location=location, variant=variant).on_hand


def post_adjustment(page, quantity: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base_url + "/catalog/stock/movement/new/")
    page.fill("[data-testid=sku]", "TEE-M")
    page.check("input[name=kind][value=adjustment]")
    page.fill("[data-testid=quantity]", quantity)
    page.select_option("select[name=reason]", reason)
    with page.expect_navigation():
        page.click("[data-testid=movement-submit]")


def test_a_large_adjustment_waits_for_the_manager_and_a_small_one_is_undone(page):
    store = LocationFactory(code="MI-APPR", name="Milano Brera")
    tee = VariantFactory(sku="TEE-M", gtin=None)
    UserFactory(username="giulia", role="associate", locations=[store])
    UserFactory(username="marco", role="store_manager", locations=[store])
    services.record_movement(actor=None, location_id=store.pk, variant_id=tee.pk, kind="receipt", quantity=10)

    browser_login(page, "giulia")
    assert "20 unità" in page.goto(page.base_url + "/catalog/stock/movement/new/").text()
    post_adjustment(page, "5000", "damaged_in_store")
    assert "attende l'approvazione" in page.locator(".messages").inner_text()
    assert on_hand(store, tee) == 10
    request = AdjustmentRequest.objects.get()
    assert page.locator(f"[data-testid=approve-{request.pk}]").count() == 0  # an associate may not decide

    # a small one is recorded at once, and she undoes it from the ledger
    post_adjustment(page, "-2", "shrinkage")
    assert on_hand(store, tee) == 8
    movement = StockMovement.objects.get(kind="adjustment")
    assert "Ammanco" in page.locator("[data-testid=movements]").inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click(f"[data-testid=undo-{movement.pk}]")
    assert on_hand(store, tee) == 10
    assert "annullata" in page.locator("[data-testid=movements]").inner_text()

    page.context.clear_cookies()
    browser_login(page, "marco")
    page.goto(page.base_url + "/")
    page.get_by_text("Coda delle approvazioni").click()
    card = page.locator(f"[data-testid=approval-{request.pk}]")
    assert "+5.000" in card.inner_text() and "Danneggiato in negozio" in card.inner_text()
    card.locator("input[type=text]").fill("visto in magazzino")
    dismissed = []
    page.once("dialog", lambda dialog: (dismissed.append(dialog.message), dialog.dismiss()))
    card.locator(f"[data-testid=approve-{request.pk}]").click()
    assert dismissed and "5.000" in dismissed[0]
    assert AdjustmentRequest.objects.get().status == "pending"  # dismissed: nothing sent
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        card.locator(f"[data-testid=approve-{request.pk}]").click()
    assert "Approvata" in page.locator(".messages").inner_text()
    assert on_hand(store, tee) == 5010
    assert AdjustmentRequest.objects.get().decision_note == "visto in magazzino"
