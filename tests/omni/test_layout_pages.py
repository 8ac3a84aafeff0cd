"""What the tablet layout shows, checked without a browser: money and counts in the reader's language, the
dashboard's click-and-collect work, the report's location and a capped chart's note, and the menu naming
the current page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from inventory.services import record_movement
from omni.actors import Actor
from omni.dashboard import Figure
from omni.formatting import format_money, format_number
from omni.reports import runner
from orders.models import Order
from orders.panels import pickup_panel
from orders.services import CustomerInput, FulfilmentInput, LineInput, mark_ready, place_order
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.omni.test_reports_platform import (
    HoldByDayReport,
    LocationsReport,
    everything,
    make_network,
    register_test_reports,
)
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HQ = Actor.system()


def test_money_and_counts_read_as_the_language_writes_them():
    with translation.override("it"):
        assert format_money("1234.5") == "€\u00a01.234,50"
        assert format_number(1234567) == "1.234.567"
        assert Figure("Ordini", 12345).text == "12.345"
    with translation.override("en"):
        assert format_money(1234.5) == "€\u00a01,234.50"
        assert format_money("-3", "GBP") == "£\u00a0-3.00"
        assert Figure("Orders", 12345).text == "12,345"
        assert Figure("Sales", format_money(848.2)).text == "€\u00a0848.20"
        assert Figure("Sales", format_money(1274.3)).wide and not Figure("Orders", 12345).wide


# --- the dashboard's click-and-collect work ----------------------------------------------------------------


def _pickup(store, sku: str) -> Order:
    return place_order(
        actor=HQ,
        channel="web",
        customer=CustomerInput(email="giulia@example.it", first_name="Giulia"),
        lines=[LineInput(sku, 1)],
        fulfilment=FulfilmentInput(type="pickup", location=store.code),
    )


@pytest.fixture
def pickups():
    milano = LocationFactory(code="MI-PK", name="Milano", click_and_collect=True)
    roma = LocationFactory(code="RM-PK", name="Roma", click_and_collect=True)
    outlet = LocationFactory(code="OU-PK", name="Outlet", click_and_collect=False)
    tee = VariantFactory(sku="TEE-PK")
    for store in (milano, roma, outlet):
        record_movement(actor=HQ, location_id=store.pk, variant_id=tee.pk, kind="receipt", quantity=10)
    late = _pickup(milano, "TEE-PK")
    Order.objects.filter(pk=late.pk).update(promised_ready_at=timezone.now() - dt.timedelta(hours=2))
    _pickup(milano, "TEE-PK")
    mark_ready(actor=HQ, number=_pickup(milano, "TEE-PK").number)
    _pickup(roma, "TEE-PK")
    return {"milano": milano, "roma": roma, "outlet": outlet}


def _figures(panel) -> dict[str, tuple[int, str | None]]:
    return {f.label: (f.value, f.url) for f in panel.figures}


def test_a_store_sees_its_pickups_to_prepare_ready_and_late_linked_to_the_queue(pickups):
    manager = UserFactory(username="gm", role="store_manager", locations=[pickups["milano"]])
    request = RequestFactory().get("/")
    request.user = manager
    with translation.override("en"):
        panel = pickup_panel(request, pickups["milano"])
    assert panel is not None and panel.title == "Click and collect at Milano"
    queue = reverse("orders:pickup-queue")
    assert _figures(panel) == {
        "To prepare": (2, f"{queue}?show=prepare"),
        "Ready for pickup": (1, f"{queue}?show=ready"),
        "Late": (1, f"{queue}?show=late"),
    }
    assert [f.tone for f in panel.figures] == ["warn", "good", "bad"]


def test_hq_sees_the_whole_networks_pickups_and_a_store_without_click_and_collect_none(pickups):
    hq = UserFactory(username="hq", role="hq_manager")
    request = RequestFactory().get("/")
    request.user = hq
    with translation.override("en"):
        panel = pickup_panel(request, None)
    assert panel is not None and panel.links == []
    assert _figures(panel) == {
        "To prepare": (3, None),  # two at Milano, one at Roma
        "Ready for pickup": (1, None),
        "Late": (1, None),
    }
    assert pickup_panel(request, pickups["outlet"]) is None
    assert pickup_panel(request, WarehouseFactory(code="WH-PK")) is None
    associate = UserFactory(username="ann", role="associate", locations=[pickups["roma"]])
    request.user = associate
    assert pickup_panel(request, None) is None, "only HQ sees the network"


def test_the_dashboard_shows_the_pickup_work_and_keeps_figures_in_their_own_boxes(client, pickups):
    client.force_login(UserFactory(username="gm", role="store_manager", locations=[pickups["milano"]]))
    html = client.get(reverse("dashboard"), **EN).content.decode()
    assert "Click and collect at Milano" in html
    assert f'<a href="{reverse("orders:pickup-queue")}?show=late">1</a>' in html
    figures = re.findall(r'<div class="figure[^"]*" data-testid="figure">', html)
    assert len(figures) >= 10, "each figure in its own box"


# --- the report's location and the capped chart ---------------------------------------------------------


@pytest.fixture
def network(db):
    return make_network()


def test_a_bar_chart_counts_the_labels_it_leaves_out(network):
    page = runner.run_page(LocationsReport(), everything())
    assert page.chart is not None and page.chart.labels == ["Roma", "Milano"]
    assert (page.chart.groups, page.chart.capped) == (4, True)  # Milano, Torino, Roma, Napoli
    line = runner.run_page(HoldByDayReport(), everything())
    assert line.chart is not None and not line.chart.capped


def test_the_report_says_what_its_chart_leaves_out_and_which_location_it_shows(client, monkeypatch, network):
    register_test_reports(monkeypatch)
    client.force_login(UserFactory(username="hq", role="hq_manager"))
    url = reverse("reports:report", args=["test-locations"])
    html = client.get(url, **EN).content.decode()
    note = "The chart shows only the largest 2 of 4; the table below lists all 4."
    assert f'data-testid="report-chart-note">{note}</figcaption>' in html
    assert re.search(r'data-testid="report-scope">.*<strong>Whole network</strong>', html)
    html = client.get(url).content.decode()  # Italian
    assert "Il grafico mostra solo i 2 più grandi su 4; la tabella qui sotto li elenca tutti e 4." in html

    roma = network["TA-04"]
    html = client.get(url, {"location": roma.pk}, **EN).content.decode()
    assert re.search(rf'data-testid="report-scope">.*<strong>TA-04 · {roma.name}</strong>', html)
    assert 'data-testid="report-chart-note"' not in html, "one location: nothing left out"
    html = client.get(reverse("reports:report", args=["test-hold-by-day"]), **EN).content.decode()
    assert 'data-testid="report-chart-note"' not in html


# --- the menu -----------------------------------------------------------------------------------------------


def test_the_bar_names_the_current_page_and_the_menu_marks_it(client):
    store = LocationFactory(code="MI-NAV", click_and_collect=False, accepts_returns=False)
    client.force_login(UserFactory(username="ann", role="associate", locations=[store]))
    html = client.get(reverse("inventory:count-list"), **EN).content.decode()
    assert '<span class="navmenu-current" data-testid="nav-current">Counts</span>' in html
    assert 'data-testid="nav-counts" aria-current="page">Counts</a>' in html
    menu = html.split('<nav class="mainnav"')[1].split("</nav>")[0]
    assert menu.count('aria-current="page"') == 1
    assert 'data-testid="nav-pickup-queue"' not in html and 'data-testid="nav-returns"' not in html
    assert 'data-testid="nav-reports"' not in html, "reports are for managers"
    html = client.get(reverse("orders:counter"), **EN).content.decode()
    assert 'data-testid="nav-current">Sell</span>' in html
    assert '<details class="navmenu" data-menu>' in html, "a menu that opens without JavaScript"
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script (CSP)"


# --- money over a thousand on the staff pages -----------------------------------------------------------


def test_an_order_and_the_till_show_money_over_a_thousand_as_the_language_writes_it(client):
    store = LocationFactory(code="MI-EUR", name="Milano", click_and_collect=False)
    coat = VariantFactory(sku="COAT-EUR", price=Decimal("637.15"))
    record_movement(actor=HQ, location_id=store.pk, variant_id=coat.pk, kind="receipt", quantity=1500)
    client.force_login(UserFactory(username="cassa", role="store_manager", locations=[store]))
    client.post(reverse("orders:counter"), {"action": "add", "sku": "COAT-EUR", "quantity": "2"}, **EN)

    def till(language: str) -> tuple[str, str]:
        html = client.get(reverse("orders:counter"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        total = html.split('data-testid="basket-total"><strong>')[1].split("</strong>")[0]
        available = html.split('data-testid="basket-available">')[1].split("<")[0]
        return total, available

    assert till("it") == ("€\u00a01.274,30", "1.500")
    assert till("en") == ("€\u00a01,274.30", "1,500")
    client.post(reverse("orders:counter"), {"action": "pay", "method": "cash"}, **EN)
    order = Order.objects.get(lines__variant=coat)
    assert order.total == Decimal("1274.30") and order.currency == "EUR"

    def order_page(language: str) -> str:
        html = client.get(reverse("orders:detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE=language)
        return html.content.decode().split('data-testid="order-total">')[1].split("</span>")[0]

    assert order_page("it") == "€\u00a01.274,30"
    assert order_page("en") == "€\u00a01,274.30"
    english = client.get(reverse("orders:detail", args=[order.number]), **EN).content.decode()
    assert "1274.30" not in english and "€\u00a01,274.30" in english
