"""Every staff page on the store's 10-inch tablets (768x1024 portrait and 1024x768 landscape) and on a
1440x900 desktop, in a real browser (Playwright driving Debian's chromium): no page is wider than the screen,
the top bar stays one compact row (at most 64px) with the navigation in its menu, and buttons are big enough
for a finger (44px). A store manager of a store that does click and collect and takes returns walks every
page reachable from the menu plus the detail pages, with an order, a pickup, a transfer, a count and a
customer in place. Each page's full-length screenshot goes to test-artifacts/<page>-<width>.png."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.services import CustomerInput as AppointmentCustomer
from appointments.services import book_appointment
from inventory.services import TransferLineInput, record_movement, request_transfer, start_count
from loyalty.services import enroll_member
from offline.services.devices import record_heartbeat
from omni.actors import Actor
from orders.services import CustomerInput, FulfilmentInput, LineInput, PaymentInput, mark_ready, place_order
from tests.appointments.factories import ServiceFactory, at, future_day, open_every_day
from tests.conftest import browser_login
from tests.feedback.factories import FollowUpFactory
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.loyalty.conftest import seed_tiers
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HQ = Actor.system()
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HEADER_MAX = 64
TAP = 44
PORTRAIT = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1024, "height": 768}
DESKTOP = {"width": 1440, "height": 900}

# What the page measures of itself: how wide the document is, the header's height, what sticks out on the
# right (to name the culprit in a failure) and the visible buttons shorter than a finger.
MEASURE = """() => {
  const width = window.innerWidth;
  const header = document.querySelector('header.topbar');
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const name = (el) => el.tagName.toLowerCase()
    + (el.dataset.testid ? '[data-testid=' + el.dataset.testid + ']' : '')
    + (typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && visible(el) && !el.closest('.table-wrap, .report-chart-wrap')) {
      wide.push(name(el) + ' right=' + Math.round(r.right));
      if (wide.length >= 5) break;
    }
  }
  const small = [];
  const targets = document.querySelectorAll(
    'main button, main .btn, main input[type=submit], header summary, header select, header button, '
    + '.mainnav a'
  );
  for (const el of targets) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.height < 44 - 0.5) small.push(name(el) + ' "' + (el.innerText || el.value || '').trim().slice(0, 30)
      + '" h=' + r.height.toFixed(1));
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: width,
    header: header ? header.getBoundingClientRect().height : null,
    wide: wide,
    small: small,
  };
}"""


# How many lines an element's text takes (the distinct tops of its text nodes' boxes).
LINES = """(el) => {
  const tops = new Set();
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const box of range.getClientRects()) tops.add(Math.round(box.top));
  }
  return tops.size;
}"""


@dataclass
class Shop:
    """The store manager's world and the pages to walk: (name for the screenshot, path)."""

    pages: list[tuple[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def receive(location: Any, variant: Any, quantity: int) -> None:
    record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def pickup(store: Any, sku: str) -> Any:
    return place_order(
        actor=HQ,
        channel="web",
        customer=CustomerInput(email="giulia@example.it", first_name="Giulia", last_name="Rossi"),
        lines=[LineInput(sku, 1)],
        fulfilment=FulfilmentInput(type="pickup", location=store.code),
    )


@pytest.fixture
def shop() -> Shop:
    seed_tiers()
    store = LocationFactory(
        code="MI-CORSO",
        name="Milano Corso Vittorio Emanuele",
        click_and_collect=True,
        accepts_returns=True,
    )
    other = LocationFactory(code="RM-VIA-DEL-CORSO", name="Roma Via del Corso", click_and_collect=True)
    hub = WarehouseFactory(code="WH-NORD", name="Magazzino Nord")
    manager = UserFactory(
        username="marco", first_name="Marco", last_name="Bianchi", role="store_manager", locations=[store]
    )
    product = ProductFactory(name="Maglione girocollo in lana merino extrafine")
    sweater = VariantFactory(
        product=product,
        sku="MAG-0001-BLU-M",
        gtin="8001234567897",
        size="M",
        color="Blu navy",
        price=Decimal("1234.50"),
    )
    cap = VariantFactory(product=ProductFactory(name="Cappello"), sku="CAP-0001", price=Decimal("19.90"))
    for location in (store, other, hub):
        receive(location, sweater, 1200)
        receive(location, cap, 40)
    sale = place_order(
        actor=HQ,
        channel="store",
        lines=[LineInput(sweater.sku, 1), LineInput(cap.sku, 2)],
        fulfilment=FulfilmentInput(type="carry_out", location=store.code),
        customer=CustomerInput(email="giulia@example.it", first_name="Giulia", last_name="Rossi"),
        payment=PaymentInput(method="card", status="captured"),
    )
    to_pick = pickup(store, cap.sku)
    ready = pickup(store, sweater.sku)
    mark_ready(actor=HQ, number=ready.number)
    transfer = request_transfer(
        actor=HQ,
        from_location_id=store.pk,
        to_location_id=other.pk,
        lines=[TransferLineInput(variant_id=cap.pk, quantity=3)],
    )
    count = start_count(actor=Actor.for_user(manager), location_id=store.pk, blind=False)
    member = enroll_member(email="giulia@example.it", first_name="Giulia", last_name="Rossi", actor=HQ)
    follow_up = FollowUpFactory(  # an unhappy customer's answer about the till sale, for the follow-up pages
        response__location=store,
        response__order=sale,
        response__nps=3,
        response__csat=2,
        response__comment="Ho aspettato a lungo alla cassa e nessuno sapeva dove fosse il mio maglione.",
        response__pickup_late_minutes=25,
        response__wait_minutes=12,
    )
    record_heartbeat(  # a store tablet with a queue waiting, for the tablets page
        actor=HQ,
        device_id=uuid.UUID(int=21),
        location=store,
        label="Cassa 2 vicino alle vetrine",
        pending=3,
        oldest_pending_at=timezone.now() - timedelta(minutes=40),
        catalog_version="v1",
    )

    open_every_day(store)  # a tailoring fitting booked for Giulia, for the agenda and the booking form
    ServiceFactory(location=store, code="sartoria", name="Prova sartoriale su misura", capacity=2)
    visit_day = future_day(3)
    book_appointment(
        actor=HQ,
        location_code=store.code,
        service_code="sartoria",
        start=at(visit_day, 10),
        customer=AppointmentCustomer(email="giulia@example.it", first_name="Giulia", last_name="Rossi"),
        note="Orlo dei pantaloni e giacca da stringere in vita prima del matrimonio",
    )

    sku = sweater.sku
    pages = [
        ("dashboard", reverse("dashboard")),
        ("catalog", reverse("inventory:catalog") + "?q=maglione"),
        ("sku-detail", reverse("inventory:sku-detail", args=[sku])),
        ("stock-lookup", reverse("inventory:stock-lookup") + f"?q={sku}"),
        ("stock-list", reverse("inventory:stock-list")),
        ("stock-movements", reverse("inventory:stock-movements", args=[sku])),
        ("stock-movement-new", reverse("inventory:stock-movement-new")),
        ("transfer-list", reverse("inventory:transfer-list")),
        ("transfer-new", reverse("inventory:transfer-new")),
        ("transfer-detail", reverse("inventory:transfer-detail", args=[transfer.pk])),
        ("count-list", reverse("inventory:count-list")),
        ("count-new", reverse("inventory:count-new")),
        ("count-detail", reverse("inventory:count-detail", args=[count.pk])),
        ("order-list", reverse("orders:list")),
        ("order-detail", reverse("orders:detail", args=[sale.number])),
        ("counter", reverse("orders:counter")),
        ("pickup-queue", reverse("orders:pickup-queue")),
        ("pickup-pick", reverse("orders:pickup-pick", args=[to_pick.number])),
        ("pickup-desk", reverse("orders:pickup-desk")),
        ("pickup-handover", reverse("orders:pickup-handover", args=[ready.number])),
        ("returns-desk", reverse("orders:returns-desk")),
        ("return-order", reverse("orders:return-order", args=[sale.number])),
        ("loyalty-lookup", reverse("loyalty:lookup") + "?q=giulia%40example.it"),
        ("loyalty-customer", reverse("loyalty:customer", args=[member.customer_id])),
        ("locations", reverse("stores:list")),
        ("location-detail", reverse("stores:detail", args=[store.code])),
        ("segments", reverse("orders:segment-list")),
        ("segment-new", reverse("orders:segment-create")),
        ("adjustments", reverse("inventory:stock-adjustments")),
        ("receipt", reverse("orders:receipt", args=[sale.number])),
        ("reports", reverse("reports:index")),
        ("report-sales", reverse("reports:report", args=["sales-by-channel"])),
        ("report-stock", reverse("reports:report", args=["stock-position"])),
        ("follow-ups", reverse("feedback:follow-up-list")),
        ("follow-up-detail", reverse("feedback:follow-up-detail", args=[follow_up.pk])),
        ("tablets", reverse("offline:devices")),
        ("appointments-agenda", reverse("appointments:agenda") + f"?date={visit_day.isoformat()}"),
        (
            "appointments-book",
            reverse("appointments:book") + f"?service=sartoria&date={visit_day.isoformat()}",
        ),
        ("appointments-services", reverse("appointments:services")),
    ]
    return Shop(pages=pages, extra={"store": store, "sale": sale})


def check(page: Any, name: str, path: str, viewport: dict[str, int], suffix: str = "") -> list[str]:
    """Open `path`, screenshot it, and list what is wrong with it at this size."""
    response = page.goto(page.base_url + path)
    page.wait_for_load_state("networkidle")
    problems: list[str] = []
    if response is None or response.status >= 400:
        problems.append(f"{name}: HTTP {response.status if response else '?'}")
        return problems
    width = viewport["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}{suffix}.png"), full_page=True)
    got = page.evaluate(MEASURE)
    if got["scrollWidth"] > got["innerWidth"]:
        problems.append(
            f"{name} @{width}: {got['scrollWidth']}px wide > {got['innerWidth']}px: {got['wide']}"
        )
    if got["header"] is None or got["header"] > HEADER_MAX:
        problems.append(f"{name} @{width}: header {got['header']}px tall")
    if got["small"]:
        problems.append(f"{name} @{width}: touch targets under {TAP}px: {got['small']}")
    return problems


def walk(
    page: Any, shop: Shop, viewport: dict[str, int], only: set[str] | None = None, suffix: str = ""
) -> None:
    page.set_viewport_size(viewport)
    browser_login(page, "marco")
    problems: list[str] = []
    for name, path in shop.pages:
        if only is None or name in only:
            problems += check(page, name, path, viewport, suffix)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait-768", "landscape-1024"])
def test_every_staff_page_fits_the_tablet_in_italian(page, shop, viewport):
    walk(page, shop, viewport)


ENGLISH = {
    "dashboard",
    "catalog",
    "stock-list",
    "order-list",
    "order-detail",
    "transfer-list",
    "count-list",
    "pickup-queue",
    "returns-desk",
    "loyalty-customer",
    "reports",
    "report-sales",
}


def test_the_main_pages_fit_the_portrait_tablet_in_english(page, shop):
    page.set_viewport_size(PORTRAIT)
    browser_login(page, "marco")
    page.click("[data-testid=nav-menu]")
    page.click("[data-testid=language-switcher] button[value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    problems: list[str] = []
    for name, path in shop.pages:
        if name in ENGLISH:
            problems += check(page, name, path, PORTRAIT, "-en")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE, DESKTOP], ids=["768", "1024", "1440"])
def test_the_menu_holds_the_navigation_the_bar_the_location_and_the_page_name(page, shop, viewport):
    page.set_viewport_size(viewport)
    browser_login(page, "marco")
    page.goto(page.base_url + reverse("inventory:stock-list"))
    header = page.locator("header.topbar")
    assert header.bounding_box()["height"] <= HEADER_MAX
    assert page.locator("[data-testid=location-switcher]").is_visible(), "the location stays in the bar"
    assert page.locator("[data-testid=nav-current]").inner_text() == "Magazzino"  # Stock, in Italian
    assert not page.locator("[data-testid=nav-orders]").is_visible(), "the menu starts closed"

    page.click("[data-testid=nav-menu]")
    links = page.locator(".mainnav a")
    assert links.count() >= 12
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["height"] >= TAP, links.nth(i).inner_text()
        assert box["x"] + box["width"] <= viewport["width"], links.nth(i).inner_text()
    for testid in (
        "nav-stock",
        "nav-orders",
        "nav-sell",
        "nav-pickup-queue",
        "nav-pickup-desk",
        "nav-returns",
        "nav-loyalty",
        "nav-reports",
        "nav-counts",
        "nav-transfers",
        "language-switcher",
        "logout",
    ):
        assert page.locator(f"[data-testid={testid}]").is_visible(), testid
    assert "Marco Bianchi" in page.locator("[data-testid=who]").inner_text()
    assert page.locator(".mainnav [aria-current=page]").inner_text() == "Magazzino"
    assert header.bounding_box()["height"] <= HEADER_MAX, "the open menu floats over the page"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"menu-open-{viewport['width']}.png"))

    page.keyboard.press("Escape")  # menu.js: Escape closes the menu
    assert not page.locator("[data-testid=nav-orders]").is_visible()
    page.click("[data-testid=nav-menu]")
    page.click("[data-testid=nav-orders]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=nav-current]").inner_text() == "Ordini"


def test_the_menu_works_without_javascript(chromium_browser, live_server, shop):
    context = chromium_browser.new_context(viewport=PORTRAIT, locale="it-IT", java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.base_url = live_server.url
        browser_login(tab, "marco")
        assert not tab.locator("[data-testid=nav-counts]").is_visible()
        tab.click("[data-testid=nav-menu]")  # a <details>: the browser opens it
        tab.click("[data-testid=nav-counts]")
        tab.wait_for_load_state("load")
        assert tab.url.endswith(reverse("inventory:count-list"))
        assert tab.evaluate("document.documentElement.scrollWidth") <= PORTRAIT["width"]
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["768", "1024"])
def test_the_dashboard_keeps_its_figures_apart_and_shows_the_pickup_work(page, shop, viewport):
    page.set_viewport_size(viewport)
    browser_login(page, "marco")
    figures = page.locator("[data-testid=figure]")
    boxes = [figures.nth(i).bounding_box() for i in range(figures.count())]
    for a, b in itertools.pairwise(boxes):
        if abs(a["y"] - b["y"]) < 1:  # side by side: a gap between them
            assert b["x"] - (a["x"] + a["width"]) >= 8
    for i in range(figures.count()):  # a figure's number on one line: € 1.274,30, never "€ 1.274,3" then "0"
        value = figures.nth(i).locator("dd")
        box = value.bounding_box()
        lines = value.evaluate(LINES)
        assert box is not None and lines == 1, figures.nth(i).inner_text()
        assert value.evaluate("el => el.scrollWidth <= el.clientWidth"), (
            f"{figures.nth(i).inner_text()} sticks out"
        )
    body = page.locator("main").inner_text()
    assert "€\u00a01.274,30" in body, "today's till sale in Italian money, with thousands separators"
    panel = page.locator("[data-testid=panel]", has_text="Ritiro in negozio")
    assert panel.locator("a[href$='?show=prepare']").inner_text() == "1"
    assert panel.locator("a[href$='?show=ready']").inner_text() == "1"
    assert panel.locator("a[href$='?show=late']").inner_text() == "0"


def test_a_wide_report_table_scrolls_in_its_box_and_says_so(page, shop):
    page.set_viewport_size(PORTRAIT)
    browser_login(page, "marco")
    store = shop.extra["store"]
    page.goto(page.base_url + reverse("reports:report", args=["sales-by-channel"]) + f"?location={store.pk}")
    wrap = page.locator("[data-testid=report-table]").locator("xpath=..")
    assert wrap.evaluate("el => el.classList.contains('table-wrap') && el.scrollWidth > el.clientWidth")
    assert page.locator(".scroll-hint").inner_text() == "Scorri di lato per vedere tutte le colonne"
    assert wrap.get_attribute("tabindex") == "0", "the keyboard can scroll it too"
    assert page.evaluate("document.documentElement.scrollWidth") <= PORTRAIT["width"]
    scope = page.locator("[data-testid=report-scope]").inner_text()
    assert "MI-CORSO · Milano Corso Vittorio Emanuele" in scope, "the filtered store, not 'Whole network'"

    page.set_viewport_size(DESKTOP)  # wide enough: the hint goes
    page.wait_for_timeout(400)
    assert page.locator(".scroll-hint").count() == 0
