"""Arrivals ("I'm here"): the API call (who may, in which states, idempotent), the ready email's signed link
and its public page (valid, tampered, expired), and the waiting time recorded at the handover."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inventory.services import record_movement
from omni.actors import Actor
from orders.models import Order, OrderEvent
from orders.services.notifications import render
from orders.services.slots import ARRIVAL_SALT, arrival_token
from orders.timeline import event_sentence
from tests.conftest import assert_problem
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
ORDERS = "/api/v1/orders/"
CUSTOMER = {"email": "giulia@example.it", "first_name": "Giulia", "last_name": "Rossi"}


def url(number: str, action: str = "") -> str:
    return f"{ORDERS}{number}/" + (f"{action}/" if action else "")


@pytest.fixture
def net():  # type: ignore[no-untyped-def]
    store = LocationFactory(code="MI-AR", click_and_collect=True, pickup_hold_days=3)
    other = LocationFactory(code="TO-AR", click_and_collect=True)
    hub = WarehouseFactory(code="WH-AR")
    tee = VariantFactory(sku="TEE-AR", price=Decimal("19.90"))
    for location in (store, other, hub):
        record_movement(actor=HQ, location_id=location.pk, variant_id=tee.pk, kind="receipt", quantity=10)
    return {"store": store, "other": other, "tee": tee}


@pytest.fixture
def clients(make_api_client, net):  # type: ignore[no-untyped-def]
    return {
        "shop": make_api_client("eshop"),
        "shop2": make_api_client("eshop"),
        "hq": make_api_client("integration"),
        "store": make_api_client("store", location=net["store"]),
        "kiosk": make_api_client("kiosk", location=net["store"]),
    }


def place(client, location: str = "MI-AR", kind: str = "pickup") -> str:  # type: ignore[no-untyped-def]
    fulfilment: dict = {"type": kind, "location": location}
    if kind == "delivery":
        fulfilment = {
            "type": "delivery",
            "address": {"line1": "Via Roma 1", "city": "Milano", "postcode": "20100", "country": "IT"},
        }
    response = client.post(
        ORDERS,
        {
            "channel": "web",
            "customer": CUSTOMER,
            "lines": [{"sku": "TEE-AR", "quantity": 1}],
            "fulfilment": fulfilment,
            "payment": {"method": "card", "status": "captured"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content[:500]
    return response.json()["number"]


# --- The API ------------------------------------------------------------------------------------------------


def test_the_eshop_marks_its_own_pickup_arrived_once_and_may_update_the_note(clients):
    number = place(clients["shop"])
    response = clients["shop"].post(url(number, "arrived"), {"note": "Bay 3, red Panda"}, format="json")
    assert response.status_code == 200, response.content[:500]
    pickup = response.json()["pickup"]
    assert pickup["arrival_note"] == "Bay 3, red Panda" and pickup["arrived_at"] is not None
    first = Order.objects.get(number=number).arrived_at
    assert first is not None and timezone.now() - first < timedelta(minutes=1)

    again = clients["shop"].post(url(number, "arrived"), {"note": "Bay 4"}, format="json").json()["pickup"]
    assert again["arrival_note"] == "Bay 4"
    assert Order.objects.get(number=number).arrived_at == first  # the first arrival is kept
    # no note: keeps the last one
    assert (
        clients["shop"].post(url(number, "arrived"), {}, format="json").json()["pickup"]["arrival_note"]
        == "Bay 4"
    )
    events = list(OrderEvent.objects.filter(order__number=number, kind="arrived"))
    assert len(events) == 1 and events[0].data["note"] == "Bay 3, red Panda"
    assert event_sentence(events[0]) == "The customer is at the store: Bay 3, red Panda"


def test_who_may_mark_an_arrival(clients, net):
    number = place(clients["shop"])
    # another e-shop client does not see the order (404, as GET answers); store and kiosk roles: 403
    assert_problem(clients["shop2"].post(url(number, "arrived"), {}, format="json"), 404, "not_found")
    assert clients["shop2"].get(url(number)).status_code == 404
    assert_problem(clients["store"].post(url(number, "arrived"), {}, format="json"), 403, "permission_denied")
    assert_problem(clients["kiosk"].post(url(number, "arrived"), {}, format="json"), 403, "permission_denied")
    assert Order.objects.get(number=number).arrived_at is None
    assert clients["hq"].post(url(number, "arrived"), {}, format="json").status_code == 200
    assert_problem(clients["hq"].post(url("W-999999", "arrived"), {}, format="json"), 404, "not_found")
    # a note too long is a 400 naming it
    body = assert_problem(
        clients["hq"].post(url(number, "arrived"), {"note": "x" * 201}, format="json"),
        400,
        "validation_error",
    )
    assert "note" in body["errors"]


def test_only_a_pickup_waiting_to_be_collected_can_be_arrived(clients):
    ready = place(clients["shop"])
    assert clients["store"].post(url(ready, "ready-for-pickup")).status_code == 200
    assert clients["shop"].post(url(ready, "arrived"), {}, format="json").status_code == 200  # ready: fine
    cancelled = place(clients["shop"])
    assert clients["shop"].post(url(cancelled, "cancel"), {}, format="json").status_code == 200
    assert_problem(
        clients["shop"].post(url(cancelled, "arrived"), {}, format="json"), 409, "invalid_transition"
    )
    delivery = place(clients["shop"], kind="delivery")
    assert_problem(
        clients["shop"].post(url(delivery, "arrived"), {}, format="json"), 409, "invalid_transition"
    )


def test_the_handover_records_how_long_the_customer_waited(clients):
    number = place(clients["shop"])
    assert clients["store"].post(url(number, "ready-for-pickup")).status_code == 200
    assert clients["shop"].post(url(number, "arrived"), {"note": "Bay 1"}, format="json").status_code == 200
    Order.objects.filter(number=number).update(arrived_at=timezone.now() - timedelta(minutes=7, seconds=30))
    code = clients["shop"].get(url(number)).json()["pickup"]["code"]
    response = clients["store"].post(url(number, "collect"), {"pickup_code": code}, format="json")
    assert response.status_code == 200, response.content[:500]
    order = Order.objects.get(number=number)
    assert order.completed_at is not None and order.arrived_at is not None
    assert 7 * 60 <= (order.completed_at - order.arrived_at).total_seconds() < 8 * 60
    collected = OrderEvent.objects.get(order=order, kind="collected")
    assert collected.data["waited_minutes"] == 7
    assert "The customer waited 7 minutes after arriving." in event_sentence(collected)


# --- The ready email's link and its public page -----------------------------------------------------------


def test_the_ready_email_names_the_window_and_carries_a_working_link(clients, net, settings):
    settings.OMNI_BASE_URL = "https://omni.example"
    number = place(clients["shop"])
    order = Order.objects.select_related("location").get(number=number)
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    Order.objects.filter(pk=order.pk).update(
        pickup_slot_start=start, pickup_slot_end=start + timedelta(minutes=30)
    )
    assert clients["store"].post(url(number, "ready-for-pickup")).status_code == 200
    order = Order.objects.select_related("location").get(number=number)
    _subject, text, html = render(order, "ready")
    local = timezone.localtime(start)
    assert f"{local:%H:%M}-{timezone.localtime(start + timedelta(minutes=30)):%H:%M}" in text
    links = [word for word in text.split() if word.startswith("https://omni.example/orders/here/")]
    assert len(links) == 1 and links[0] in html
    # the link opens the page without a login
    path = links[0].removeprefix("https://omni.example")
    page = Client(enforce_csrf_checks=True).get(path)
    assert page.status_code == 200 and b"arrival-form" in page.content and number.encode() in page.content


def test_the_public_page_marks_the_arrival_with_a_note_and_keeps_csrf(clients):
    number = place(clients["shop"])
    order = Order.objects.get(number=number)
    path = reverse("orders:arrival", args=[arrival_token(order)])
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200 and b'data-testid="arrival-form"' in page.content
    # without the CSRF token: refused
    assert browser.post(path, {"note": "Bay 2"}).status_code == 403
    assert Order.objects.get(pk=order.pk).arrived_at is None
    token = browser.cookies["csrftoken"].value
    answer = browser.post(path, {"note": "Bay 2", "csrfmiddlewaretoken": token})
    assert answer.status_code == 200 and b'data-testid="arrival-thanks"' in answer.content
    order.refresh_from_db()
    assert order.arrived_at is not None and order.arrival_note == "Bay 2"
    event = OrderEvent.objects.get(order=order, kind="arrived")
    assert event.data["via"] == "link" and event.actor_label == "system"
    # opened again: it says so, and the note may change; the arrival time stays
    first = order.arrived_at
    assert b'data-testid="arrival-arrived"' in browser.get(path).content
    browser.post(path, {"note": "Bay 5", "csrfmiddlewaretoken": token})
    order.refresh_from_db()
    assert (order.arrived_at, order.arrival_note) == (first, "Bay 5")
    # in Italian
    italian = Client().get(path, HTTP_ACCEPT_LANGUAGE="it")
    assert b"Grazie: il negozio sa che sei qui" in italian.content


def test_a_tampered_link_is_404_and_an_expired_one_says_so(clients):
    number = place(clients["shop"])
    order = Order.objects.get(number=number)
    token = arrival_token(order)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert Client().get(reverse("orders:arrival", args=[tampered])).status_code == 404
    other = signing.dumps({"o": order.pk, "n": order.number}, salt="another-salt", compress=True)
    assert Client().get(reverse("orders:arrival", args=[other])).status_code == 404
    forged = signing.dumps({"o": order.pk, "n": "W-1"}, salt=ARRIVAL_SALT, compress=True)
    assert Client().get(reverse("orders:arrival", args=[forged])).status_code == 404
    # past the pickup hold: 410 and nothing marked, GET or POST
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    path = reverse("orders:arrival", args=[token])
    page = Client().get(path)
    assert page.status_code == 410 and b'data-testid="arrival-expired"' in page.content
    assert Client().post(path, {"note": "late"}).status_code == 410
    assert Order.objects.get(pk=order.pk).arrived_at is None
    # a link signed longer ago than the hold (3 days): expired too
    Order.objects.filter(pk=order.pk).update(expires_at=None)
    signer = signing.TimestampSigner(salt=ARRIVAL_SALT)
    old = signer.sign_object({"o": order.pk, "n": order.number}, compress=True)
    assert Client().get(reverse("orders:arrival", args=[old])).status_code == 200
    signer.timestamp = lambda: signing.b62_encode(int((timezone.now() - timedelta(days=4)).timestamp()))  # type: ignore[method-assign]
    stale = signer.sign_object({"o": order.pk, "n": order.number}, compress=True)
    assert Client().get(reverse("orders:arrival", args=[stale])).status_code == 410


def test_a_collected_order_s_link_has_nothing_more_to_do(clients):
    number = place(clients["shop"])
    order = Order.objects.get(number=number)
    assert clients["shop"].post(url(number, "cancel"), {}, format="json").status_code == 200
    path = reverse("orders:arrival", args=[arrival_token(order)])
    page = Client().get(path)
    assert page.status_code == 200 and b'data-testid="arrival-closed"' in page.content
    assert b"arrival-form" not in page.content
    assert Client().post(path, {"note": "x"}).status_code == 200
    assert Order.objects.get(pk=order.pk).arrived_at is None


def test_the_dashboard_shows_customers_waiting_and_the_timeline_speaks_italian(clients, net):
    from django.test import RequestFactory
    from django.utils import translation

    from orders.panels import pickup_panel
    from tests.omni.factories import UserFactory

    number = place(clients["shop"])
    request = RequestFactory().get("/")
    request.user = UserFactory(username="gm-ar", role="store_manager", locations=[net["store"]])
    with translation.override("en"):
        labels = [str(f.label) for f in pickup_panel(request, net["store"]).figures]  # type: ignore[union-attr]
    assert "Arrived, waiting" not in labels  # shown only while someone waits
    clients["shop"].post(url(number, "arrived"), {"note": "Bay 7"}, format="json")
    with translation.override("en"):
        panel = pickup_panel(request, net["store"])
        assert panel is not None
        figures = {str(f.label): (f.value, f.url) for f in panel.figures}
    assert figures["Arrived, waiting"] == (1, reverse("orders:pickup-queue") + "?show=arrived")
    arrived = OrderEvent.objects.get(order__number=number, kind="arrived")
    with translation.override("it"):
        assert event_sentence(arrived) == "Il cliente è in negozio: Bay 7"
