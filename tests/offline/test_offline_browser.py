"""The store tablet offline, in a real browser (Playwright driving Debian's chromium, the context set
offline): the service worker installs and caches the app shell, the till reloads from it with the network
gone; three items sold (two lines, a loyalty card), ten count scans and one damage are queued in IndexedDB
and shown as pending; back online the queue drains and the database has the order, the ledger's movements,
the count's entries and the points exactly once. The same queue replayed from a second browser context
(another tablet) changes nothing. A price raised and the stock sold online while the tablet was offline: the
order keeps the price paid and the shortfall is flagged for the manager. A page that needs the server shows,
offline, the page that says so and links to what works offline."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from inventory.models import StockCountLine, StockMovement
from inventory.services import start_count
from loyalty.models import LedgerEntry
from offline.models import Device, OfflineAction, Shortfall
from omni.actors import Actor
from orders.models import Order
from orders.services import CustomerInput, FulfilmentInput, LineInput, place_order
from tests.conftest import browser_login
from tests.offline.conftest import TEE_GTIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HQ = Actor.system()
DRAIN_TIMEOUT = 20000


@pytest.fixture
def new_tablet(chromium_browser, live_server) -> Iterator[Callable[[], Any]]:  # type: ignore[no-untyped-def]
    """Each call: a fresh browser context (a tablet with its own IndexedDB and service worker), 1024x768,
    in Italian. As the shared `page` fixture, any Content-Security-Policy violation fails the test."""
    contexts: list[Any] = []
    violations: list[str] = []

    def make() -> Any:
        context = chromium_browser.new_context(viewport={"width": 1024, "height": 768}, locale="it-IT")
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        page.base_url = live_server.url
        page.on(
            "console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


def open_online(page: Any, path: str = "/offline/till/") -> None:
    """Opens a tablet page online and waits until the worker controls it (the shell is cached) and the
    location's catalog is stored in IndexedDB."""
    page.goto(page.base_url + path)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_selector("[data-catalog-status][data-version]")


def scan(page: Any, code: str) -> None:
    """A USB scanner: types into the focused scan box, then Enter."""
    page.wait_for_function("() => document.activeElement && document.activeElement.dataset.testid === 'scan'")
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def pending(page: Any) -> str:
    """The badge's count of actions waiting, once the badge shows the queue's state: it renders after each
    change of the queue (asynchronously: an auth problem or a sync may render first), so this waits a little
    for the IndexedDB queue and the badge to agree and then reads the badge."""
    page.wait_for_function(
        """() => window.OmniOffline.actions().then(a =>
             String(a.length) === document.querySelector('[data-offline-status]').dataset.pending)""",
        timeout=DRAIN_TIMEOUT,
    )
    return page.get_attribute("[data-offline-status]", "data-pending")


def wait_drained(page: Any) -> None:
    page.wait_for_function(
        "() => window.OmniOffline.actions().then(a => a.length === 0)", timeout=DRAIN_TIMEOUT
    )
    page.wait_for_function(
        "() => document.querySelector('[data-offline-status]').dataset.pending === '0'", timeout=DRAIN_TIMEOUT
    )


def go_offline_and_reload(page: Any) -> None:
    page.context.set_offline(True)
    response = page.reload()
    assert response is not None and response.ok and response.from_service_worker
    page.wait_for_selector("[data-catalog-status][data-version]")  # the catalog, from IndexedDB
    assert page.inner_text("[data-testid=offline-net]") == "Offline"


def sell(page: Any, codes: list[str], *, card: str = "", method: str = "cash") -> None:
    for code in codes:
        scan(page, code)
    if card:
        page.fill("[data-testid=loyalty-card]", card)
    page.check(f"[data-testid=method-{method}] input")
    page.click("[data-testid=take-payment]")
    page.wait_for_function("() => document.querySelector('[data-testid=till-result]').dataset.key")


def ledger(location: Any) -> list[tuple[str, str, int]]:
    return sorted(
        StockMovement.objects.filter(location=location).values_list("variant__sku", "kind", "delta")
    )


def test_sell_count_and_damage_offline_then_synced_once_and_a_replay_changes_nothing(
    new_tablet, world, member
):
    milano = world["milano"]
    count = start_count(actor=Actor.for_user(world["anna"]), location_id=milano.pk)
    before = ledger(milano)
    page = new_tablet()
    browser_login(page, "anna-off")
    open_online(page)
    assert page.inner_text("[data-testid=offline-net]") == "Online"

    go_offline_and_reload(page)
    sell(page, [TEE_GTIN, "JNS-OFF", "tee-off"], card=member.card_number, method="card")
    result = page.inner_text("[data-testid=till-result]")
    # 2 x 19.90 + 59.90, written as the back office writes money in Italian
    assert "€\u00a099,70" in result and "in attesa" in result
    assert page.inner_text("[data-testid=basket-empty]")  # the basket is empty again

    page.goto(page.base_url + "/offline/count/")  # offline: from the worker's cache
    page.select_option("[data-testid=count-select]", str(count.pk))
    for code in [TEE_GTIN] * 4 + ["TEE-OFF", "tee-off"] + ["JNS-OFF"] * 4:
        scan(page, code)
    assert page.inner_text("[data-testid=count-total]") == "10"
    assert page.inner_text("[data-testid=count-line-TEE-OFF] [data-testid=count-quantity]") == "6"
    page.click("[data-testid=count-save]")
    page.wait_for_function("() => document.querySelector('[data-testid=count-result]').dataset.key")

    page.goto(page.base_url + "/offline/damage/")
    page.fill("[data-testid=scan]", "JNS-OFF")
    page.fill("[data-testid=damage-quantity]", "1")
    page.fill("[data-testid=damage-note]", "Scucito")
    page.click("[data-testid=damage-save]")
    page.wait_for_function("() => document.querySelector('[data-testid=damage-result]').dataset.key")

    page.wait_for_function("() => document.querySelector('[data-offline-status]').dataset.pending === '3'")
    assert page.inner_text("[data-testid=offline-net]") == "Offline"
    assert page.inner_text("[data-testid=offline-pending]") == "3 in attesa"
    assert page.locator("[data-testid=queue-row]").count() == 3
    assert page.is_visible("[data-testid=offline-banner]")
    queue = page.evaluate("() => window.OmniOffline.actions()")
    assert [a["kind"] for a in queue] == ["sale", "count", "damage"]
    assert queue[0]["payload"] == {
        "lines": [
            {"sku": "TEE-OFF", "quantity": 2, "unit_price": "19.90"},
            {"sku": "JNS-OFF", "quantity": 1, "unit_price": "59.90"},
        ],
        "payment": {"method": "card"},
        "total": "99.70",
        "card_number": member.card_number,
    }
    assert queue[1]["payload"] == {
        "count": count.pk,
        "scans": [{"code": "TEE-OFF", "quantity": 6}, {"code": "JNS-OFF", "quantity": 4}],
    }
    assert queue[2]["payload"] == {"sku": "JNS-OFF", "quantity": 1, "note": "Scucito"}
    assert all(a["happened_at"][-6] in "+-" for a in queue)  # the tablet's time, with its offset
    assert not Order.objects.exists() and not OfflineAction.objects.exists() and ledger(milano) == before

    page.context.set_offline(False)  # the wifi is back: the queue drains by itself
    wait_drained(page)
    assert page.inner_text("[data-testid=offline-net]") == "Online"
    assert page.is_hidden("[data-testid=offline-banner]")

    order = Order.objects.get()
    assert (order.location, order.channel, order.fulfilment_type) == (milano, "store", "carry_out")
    assert order.total == Decimal("99.70")
    assert sorted(order.lines.values_list("variant__sku", "quantity", "unit_price")) == [
        ("JNS-OFF", 1, Decimal("59.90")),
        ("TEE-OFF", 2, Decimal("19.90")),
    ]
    assert order.payments.get().method == "card"
    sold = [*before, ("JNS-OFF", "damage", -1), ("JNS-OFF", "sale", -1), ("TEE-OFF", "sale", -2)]
    assert ledger(milano) == sorted(sold)
    counted = dict(StockCountLine.objects.filter(count=count).values_list("variant__sku", "counted"))
    assert counted == {"TEE-OFF": 6, "JNS-OFF": 4}
    # points per line on what was paid: floor(39.80) + floor(59.90)
    assert sum(LedgerEntry.objects.filter(member=member, kind="earn").values_list("points", flat=True)) == 98
    member.refresh_from_db()
    assert member.points_balance == 98
    actions = list(OfflineAction.objects.order_by("happened_at", "id"))
    assert [(a.kind, a.status, a.replays) for a in actions] == [
        ("sale", "applied", 0),
        ("count", "applied", 0),
        ("damage", "applied", 0),
    ]
    assert [a.key for a in actions] == [a["key"] for a in queue]

    page.goto(page.base_url + "/offline/till/")  # the last sale now names its order
    page.wait_for_function(
        "n => document.querySelector('[data-testid=till-result]').textContent.includes(n)", arg=order.number
    )
    assert page.inner_text("[data-testid=till-result]") == f"Sincronizzata: ordine {order.number}"
    # the heartbeat after the drain told the server the tablet's queue is empty
    page.wait_for_function("() => window.OmniOffline.heartbeat(true).then(answer => answer !== null)")
    device = Device.objects.get()
    assert (device.location, device.pending_actions, device.oldest_pending_at) == (milano, 0, None)

    # (b) the same queue, replayed from a second tablet by another member of the store: nothing changes
    snapshot = (
        ledger(milano),
        dict(StockCountLine.objects.filter(count=count).values_list("variant__sku", "counted")),
    )
    other = new_tablet()
    browser_login(other, "marco-off")
    open_online(other)
    copied = other.evaluate(
        """async (actions) => {
          const db = await window.OmniOffline.db();
          await new Promise((resolve, reject) => {
            const t = db.transaction("actions", "readwrite");
            actions.forEach(a => t.objectStore("actions").put(Object.assign({}, a, {state: "pending"})));
            t.oncomplete = resolve;
            t.onerror = () => reject(t.error);
          });
          return (await window.OmniOffline.actions()).length;
        }""",
        queue,
    )
    assert copied == 3
    other.evaluate("() => window.OmniOffline.drain(true)")
    wait_drained(other)
    answers = other.evaluate("() => window.OmniOffline.synced()")
    assert sorted((a["kind"], a["status"], a["replayed"]) for a in answers) == [
        ("count", "applied", True),
        ("damage", "applied", True),
        ("sale", "applied", True),
    ]
    assert next(a for a in answers if a["kind"] == "sale")["result"]["order"] == order.number
    assert Order.objects.count() == 1
    assert (
        ledger(milano),
        dict(StockCountLine.objects.filter(count=count).values_list("variant__sku", "counted")),
    ) == snapshot
    assert LedgerEntry.objects.filter(member=member, kind="earn").count() == 2
    member.refresh_from_db()
    assert member.points_balance == 98
    assert list(OfflineAction.objects.order_by("happened_at", "id").values_list("replays", flat=True)) == [
        1,
        1,
        1,
    ]


def test_a_price_raised_and_the_stock_sold_online_meanwhile(new_tablet, world):
    milano, tee = world["milano"], world["tee"]
    page = new_tablet()
    browser_login(page, "anna-off")
    open_online(page)
    version = page.get_attribute("[data-catalog-status]", "data-version")
    go_offline_and_reload(page)
    sell(page, [TEE_GTIN, TEE_GTIN])
    assert "€\u00a039,80" in page.inner_text("[data-testid=till-result]")

    # meanwhile, online: HQ raises the price and the web sells every tee this store had
    tee.price = Decimal("24.90")
    tee.save(update_fields=["price"])
    place_order(
        actor=HQ,
        channel="web",
        customer=CustomerInput(email="luca@example.it"),
        lines=[LineInput("TEE-OFF", 10)],
        fulfilment=FulfilmentInput(type="pickup", location="MI-OFF"),
    )

    page.context.set_offline(False)
    wait_drained(page)
    sale = Order.objects.get(channel="store")
    line = sale.lines.get()
    assert (line.variant.sku, line.quantity, line.unit_price, sale.total) == (
        "TEE-OFF",
        2,
        Decimal("19.90"),
        Decimal("39.80"),
    )
    action = OfflineAction.objects.get()
    assert action.result["price_changes"] == [{"sku": "TEE-OFF", "paid": "19.90", "catalog": "24.90"}]
    shortfall = Shortfall.objects.get()
    assert (shortfall.variant, shortfall.location, shortfall.quantity, shortfall.reviewed_at) == (
        tee,
        milano,
        2,
        None,
    )
    assert (shortfall.movement.kind, shortfall.movement.reason, shortfall.movement.delta) == (
        "adjustment",
        "found",
        2,
    )
    page.wait_for_function(
        "n => document.querySelector('[data-testid=till-result]').textContent.includes(n)", arg=sale.number
    )

    # back online the tablet takes the new catalog: the next sale is at the new price
    page.reload()
    page.wait_for_function(
        "v => document.querySelector('[data-catalog-status]').dataset.version !== v", arg=version
    )
    scan(page, "TEE-OFF")
    assert page.inner_text("[data-testid=basket-TEE-OFF] [data-testid=basket-line-total]") == "€\u00a024,90"


def test_a_page_that_needs_the_server_shows_the_fallback_offline(new_tablet, world):
    page = new_tablet()
    browser_login(page, "anna-off")
    open_online(page)
    page.goto(page.base_url + reverse("inventory:stock-lookup"))  # stock in other stores: needs the server
    assert page.is_hidden("[data-testid=offline-banner]")
    page.context.set_offline(True)  # the wifi drops while it is open: the page says it waits
    page.wait_for_selector("[data-testid=offline-banner]:visible")
    banner = page.inner_text("[data-testid=offline-banner]")
    assert "Questa pagina ha bisogno del server" in banner and "vendere in cassa" in banner
    assert page.inner_text("[data-testid=offline-net]") == "Offline"
    response = page.goto(page.base_url + "/orders/")  # never cached: it needs the server
    assert response is not None and response.from_service_worker
    assert page.is_visible("[data-testid=needs-connection]")
    assert "Serve la connessione" in page.inner_text("h1")
    assert page.is_hidden("[data-testid=offline-banner]")  # the page says it already
    page.click("text=Vendere in cassa (asporto)")  # what works offline is one tap away
    page.wait_for_selector("[data-testid=scan]")
    assert page.url.endswith("/offline/till/") and page.inner_text("[data-testid=offline-net]") == "Offline"


def test_refused_actions_stay_to_discard_and_an_expired_session_keeps_the_queue(new_tablet, world):
    milano, jeans = world["milano"], world["jeans"]
    page = new_tablet()
    browser_login(page, "anna-off")
    open_online(page)
    # one malformed action (400: kept as refused, shown with its reason) and one the server records but
    # cannot apply (an unknown SKU: 201 "rejected", on the server for the manager, out of the queue)
    page.evaluate(
        """async () => {
          await window.OmniOffline.enqueue("refund", {sku: "TEE-OFF"}, {location: "MI-OFF"});
          await window.OmniOffline.enqueue("sale", {lines: [{sku: "GONE-1", quantity: 1, unit_price: "5.00"}],
            payment: {method: "cash"}, total: "5.00"}, {location: "MI-OFF"});
          return window.OmniOffline.drain(true);
        }"""
    )
    page.wait_for_selector("[data-testid=queue-row][data-state=failed]")
    assert page.locator("[data-testid=queue-row]").count() == 1
    assert "validation_error" in page.inner_text("[data-testid=queue-row]")
    page.wait_for_selector("[data-testid=synced-item]")
    assert "GONE-1" in page.inner_text("[data-testid=synced-list]")
    assert OfflineAction.objects.get().status == "rejected" and not Order.objects.exists()
    assert pending(page) == "1"

    page.once("dialog", lambda dialog: dialog.dismiss())  # "discard?" cancelled: still there
    page.click("[data-testid=queue-discard]")
    assert page.locator("[data-testid=queue-row]").count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=queue-discard]")
    page.wait_for_selector("[data-testid=queue-empty]")
    assert pending(page) == "0"

    # the session ends while the page is open (expired, logged out elsewhere): the damage recorded then
    # waits in the queue and the badge asks to log in again
    page.goto(page.base_url + "/offline/damage/")
    page.context.clear_cookies()
    page.fill("[data-testid=scan]", "JNS-OFF")
    page.fill("[data-testid=damage-quantity]", "2")
    page.click("[data-testid=damage-save]")
    page.wait_for_selector("[data-testid=damage-result][data-key]")  # queued in IndexedDB
    page.wait_for_selector("[data-testid=offline-login]:visible")
    assert page.inner_text("[data-testid=offline-login]") == "Accedi di nuovo per sincronizzare"
    assert pending(page) == "1" and not StockMovement.objects.filter(kind="damage").exists()

    browser_login(page, "anna-off")
    page.goto(page.base_url + "/offline/damage/")
    wait_drained(page)
    damage = StockMovement.objects.get(location=milano, variant=jeans, kind="damage")
    assert damage.delta == -2
    assert page.is_hidden("[data-testid=offline-login]")


def test_a_sale_the_tablet_cannot_store_says_so_and_keeps_the_basket(new_tablet, world):
    page = new_tablet()
    browser_login(page, "anna-off")
    open_online(page)
    page.context.set_offline(True)
    scan(page, "TEE-OFF")
    page.evaluate(  # the browser's storage is full
        """() => {
          window.OmniOffline.enqueue = () => Promise.reject(new DOMException("full", "QuotaExceededError"));
        }"""
    )
    page.click("[data-testid=take-payment]")
    page.wait_for_selector("[data-testid=till-problem]:visible")
    assert "QuotaExceededError" in page.inner_text("[data-testid=till-problem]")
    assert "non è stato registrato nulla" in page.inner_text("[data-testid=till-problem]")
    assert page.inner_text("[data-testid=basket-TEE-OFF] [data-testid=basket-quantity]") == "1"
    assert page.is_enabled("[data-testid=take-payment]") and pending(page) == "0"
