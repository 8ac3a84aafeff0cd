"""The pickup queue in a real browser (Playwright driving Debian's chromium): an associate keeps the queue
open; a customer says "I'm here" through the e-shop's API; the page reloads itself (a meta refresh, no
JavaScript) and the order is first, with the customer's note."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.services import record_movement
from omni.actors import Actor
from orders.models import Order
from orders.services import CustomerInput, FulfilmentInput, LineInput, PaymentInput, place_order
from tests.conftest import browser_login
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_arrival_comes_first_after_the_queue_refreshes_itself(page, make_api_client, monkeypatch):
    monkeypatch.setattr("orders.views.pickup.QUEUE_REFRESH_SECONDS", 2)  # 30 in production
    store = LocationFactory(code="MI-QUEUE", name="Milano Queue", click_and_collect=True)
    UserFactory(username="marta", role="associate", locations=[store])
    tee = VariantFactory(sku="TEE-Q", price=Decimal("19.90"))
    record_movement(
        actor=Actor.system(), location_id=store.pk, variant_id=tee.pk, kind="receipt", quantity=10
    )
    shop = make_api_client("eshop")
    numbers = []
    for _ in range(2):
        response = shop.post(
            "/api/v1/orders/",
            {
                "channel": "web",
                "customer": {"email": "giulia@example.it", "first_name": "Giulia", "last_name": "Rossi"},
                "lines": [{"sku": "TEE-Q", "quantity": 1}],
                "fulfilment": {"type": "pickup", "location": "MI-QUEUE"},
                "payment": {"method": "card", "status": "captured"},
            },
            format="json",
        )
        assert response.status_code == 201, response.content[:300]
        numbers.append(response.json()["number"])
    first, later = numbers
    # the later one is promised later: without arrivals the queue shows `first` first
    Order.objects.filter(number=later).update(promised_ready_at=timezone.now() + timedelta(hours=5))
    # a third pickup, nobody arrived: after the other two
    place_order(
        actor=Actor.system(),
        channel="web",
        customer=CustomerInput(email="anna@example.it"),
        lines=[LineInput("TEE-Q", 1)],
        fulfilment=FulfilmentInput(type="pickup", location="MI-QUEUE"),
        payment=PaymentInput(method="card", status="captured"),
    )

    browser_login(page, "marta")
    page.goto(page.base_url + "/orders/pickup/")
    rows = page.locator("[data-testid=pickup-queue] tbody tr")
    assert rows.first.get_attribute("data-testid") == f"queue-{first}"
    assert page.locator("[data-testid=flag-arrived]").count() == 0
    assert page.locator("meta[http-equiv=refresh]").get_attribute("content") == "2"

    response = shop.post(
        f"/api/v1/orders/{later}/arrived/", {"note": "Parcheggio, auto rossa"}, format="json"
    )
    assert response.status_code == 200, response.content[:300]

    # no reload from the test: the page refreshes itself
    page.wait_for_function(
        "number => document.querySelector('[data-testid=pickup-queue] tbody tr')?.dataset.testid === "
        "'queue-' + number",
        arg=later,
        timeout=15000,
    )
    top = rows.first
    assert top.locator("[data-testid=arrival-note]").inner_text() == "Parcheggio, auto rossa"
    assert top.locator("[data-testid=flag-arrived]").count() == 1
    assert page.locator("[data-testid=count-arrived]").inner_text().strip() == "1"
    page.screenshot(path="/tmp/omni-browser-pickup-arrivals.png", full_page=True)
    assert page.csp_violations == []
