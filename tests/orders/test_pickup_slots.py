"""Pickup windows (docs/TIME-IN-STORE.md): the listing, placing a pickup with `fulfilment.pickup_slot` all or
nothing with its stock reservation, changing the window, cancelling and expiring give the place back, and
orders racing for the last places of a window (threads, each with its own connection)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import Reservation, StockLevel
from inventory.services import record_movement
from omni.actors import Actor
from orders import services
from orders.models import Order, OrderEvent
from orders.services.slots import listable_slots
from stores.models import OpeningHours, SlotUsage
from stores.selectors.slots import PICKUP
from tests.conftest import assert_problem
from tests.inventory.factories import VariantFactory
from tests.races import run_together
from tests.stores.factories import LocationFactory, WarehouseFactory

HQ = Actor.system()
ROME = ZoneInfo("Europe/Rome")
ORDERS = "/api/v1/orders/"
CUSTOMER = {"email": "giulia@example.it", "first_name": "Giulia", "last_name": "Rossi"}


def url(number: str, action: str = "") -> str:
    return f"{ORDERS}{number}/" + (f"{action}/" if action else "")


def slots_url(code: str, day: object = None) -> str:
    return f"/api/v1/locations/{code}/pickup-slots/" + (f"?date={day}" if day is not None else "")


def open_every_day(location, opens: str = "09:00", closes: str = "18:00") -> None:  # type: ignore[no-untyped-def]
    for weekday in range(7):
        OpeningHours.objects.create(
            location=location,
            weekday=weekday,
            opens=time.fromisoformat(opens),
            closes=time.fromisoformat(closes),
        )


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ROME)


def in_days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


def make_store(code: str, *, capacity: int = 2, minutes: int = 30, units: int = 10, sku: str = "TEE-S"):  # type: ignore[no-untyped-def]
    store = LocationFactory(
        code=code,
        click_and_collect=True,
        timezone="Europe/Rome",
        pickup_slot_minutes=minutes,
        pickup_slot_capacity=capacity,
        preparation_minutes=120,
    )
    open_every_day(store)
    variant = VariantFactory(sku=sku, price=Decimal("19.90"))
    record_movement(actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=units)
    return store, variant


@pytest.fixture
def net(db):  # type: ignore[no-untyped-def]
    store, tee = make_store("MI-SL")
    WarehouseFactory(code="WH-SL")
    plain = LocationFactory(code="RM-NOCC", click_and_collect=False)
    return {"store": store, "tee": tee, "plain": plain}


@pytest.fixture
def clients(make_api_client, net):  # type: ignore[no-untyped-def]
    return {
        "shop": make_api_client("eshop"),
        "shop2": make_api_client("eshop"),
        "hq": make_api_client("integration"),
        "store": make_api_client("store", location=net["store"]),
        "kiosk": make_api_client("kiosk", location=net["store"]),
    }


def order_data(
    slot: datetime | str | None, quantity: int = 1, sku: str = "TEE-S", location: str = "MI-SL"
) -> dict:
    fulfilment: dict = {"type": "pickup", "location": location}
    if slot is not None:
        fulfilment["pickup_slot"] = slot if isinstance(slot, str) else slot.isoformat()
    return {
        "channel": "web",
        "customer": CUSTOMER,
        "lines": [{"sku": sku, "quantity": quantity}],
        "fulfilment": fulfilment,
        "payment": {"method": "card", "status": "captured"},
    }


def taken(store, start: datetime) -> int:  # type: ignore[no-untyped-def]
    row = SlotUsage.objects.filter(location=store, resource=PICKUP, start=start).first()
    return row.taken if row is not None else 0


def level(store, variant) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    stock = StockLevel.objects.get(location=store, variant=variant)
    return stock.on_hand, stock.reserved


# --- Listing ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_listing_leaves_out_windows_before_the_promised_ready_time(net):
    store = net["store"]
    # Monday 2027-01-04 at 10:10 in Rome, 120 minutes of preparation: ready by 12:10, so the first window
    # listed is 12:30-13:00 (18 windows of 30 minutes from 09:00 to 18:00, 7 left out)
    now = at(date(2027, 1, 4), 10, 10)
    got = listable_slots(store, date(2027, 1, 4), now=now)
    assert got[0].start == at(date(2027, 1, 4), 12, 30) and got[0].end == at(date(2027, 1, 4), 13)
    assert len(got) == 11 and got[-1].start == at(date(2027, 1, 4), 17, 30)
    assert all(s.remaining == 2 for s in got)
    # the evening before: preparation counted from the next opening (09:00 + 2 h): the first is 11:00
    evening = listable_slots(store, date(2027, 1, 4), now=at(date(2027, 1, 3), 21))
    assert evening[0].start == at(date(2027, 1, 4), 11) and len(evening) == 14


@pytest.mark.django_db
def test_the_listing_endpoint_answers_a_plain_array(clients, net):
    day = in_days(3)
    body = clients["shop"].get(slots_url("MI-SL", day)).json()
    assert isinstance(body, list) and len(body) == 18
    assert body[0] == {
        "start": at(day, 9).isoformat(),
        "end": at(day, 9, 30).isoformat(),
        "remaining": 2,
    }
    # a window with a place taken shows what remains; every role that reads locations may list
    SlotUsage.objects.create(location=net["store"], resource=PICKUP, start=at(day, 9), taken=2)
    for role in ("hq", "store", "kiosk"):
        assert clients[role].get(slots_url("mi-sl", day)).json()[0]["remaining"] == 0
    # a day in the past has no window left; a closed (far) promise lists nothing on that day
    assert clients["shop"].get(slots_url("MI-SL", in_days(-2))).json() == []
    store = net["store"]
    store.preparation_minutes = 7 * 24 * 60  # a week of open minutes: 9 hours a day, 18+ days away
    store.save(update_fields=["preparation_minutes"])
    assert clients["shop"].get(slots_url("MI-SL", day)).json() == []
    assert len(clients["shop"].get(slots_url("MI-SL", in_days(30))).json()) == 18


@pytest.mark.django_db
def test_the_listing_refuses_a_missing_or_bad_date_and_stores_without_click_and_collect(clients, net):
    body = assert_problem(clients["shop"].get(slots_url("MI-SL")), 400, "validation_error")
    assert "date" in body["errors"]
    body = assert_problem(clients["shop"].get(slots_url("MI-SL", "2027-02-30")), 400, "validation_error")
    assert "date" in body["errors"]
    body = assert_problem(clients["shop"].get(slots_url("MI-SL", "9999-12-31")), 400, "validation_error")
    assert "date" in body["errors"]  # more than a year away
    body = assert_problem(clients["shop"].get(slots_url("RM-NOCC", in_days(3))), 400, "validation_error")
    assert "location" in body["errors"]
    assert_problem(clients["shop"].get(slots_url("NOPE", in_days(3))), 404, "not_found")
    assert APIClient().get(slots_url("MI-SL", in_days(3))).status_code == 401  # no token


# --- Placing with a window --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_pickup_placed_with_a_window_takes_a_place_and_shows_it(clients, net):
    day = in_days(3)
    start = at(day, 10)
    response = clients["shop"].post(ORDERS, order_data(start.astimezone(UTC)), format="json")
    assert response.status_code == 201, response.content[:500]
    body = response.json()
    assert body["pickup"]["slot"] == {"start": start.isoformat(), "end": at(day, 10, 30).isoformat()}
    assert body["pickup"]["arrived_at"] is None
    order = Order.objects.get(number=body["number"])
    assert (order.pickup_slot_start, order.pickup_slot_end) == (start, at(day, 10, 30))
    assert taken(net["store"], start) == 1
    assert OrderEvent.objects.filter(order=order, kind="pickup_slot").count() == 1
    listed = clients["shop"].get(slots_url("MI-SL", day)).json()
    assert [s["remaining"] for s in listed if s["start"] == start.isoformat()] == [1]
    # the carts' checkout goes through the same placement: tested with the carts API elsewhere; a delivery
    # may not name a window
    data = order_data(start)
    data["fulfilment"] = {
        "type": "delivery",
        "pickup_slot": start.isoformat(),
        "address": {"line1": "Via Roma 1", "city": "Milano", "postcode": "20100", "country": "IT"},
    }
    body = assert_problem(clients["shop"].post(ORDERS, data, format="json"), 400, "validation_error")
    assert "fulfilment.pickup_slot" in body["errors"]


@pytest.mark.django_db
def test_a_window_off_the_grid_outside_hours_naive_or_before_the_promise_is_400(clients, net):
    day = in_days(3)
    store, tee = net["store"], net["tee"]
    for bad in (
        at(day, 10, 10).isoformat(),  # off the 30-minute grid
        at(day, 18).isoformat(),  # after closing
        "2030-01-01T10:00:00",  # no offset
        "tomorrow at ten",
    ):
        body = assert_problem(
            clients["shop"].post(ORDERS, order_data(bad), format="json"), 400, "validation_error"
        )
        assert "fulfilment.pickup_slot" in body["errors"], (bad, body)
    # a window before the promised ready time (a week of preparation): refused, naming the field
    store.preparation_minutes = 7 * 24 * 60
    store.save(update_fields=["preparation_minutes"])
    body = assert_problem(
        clients["shop"].post(ORDERS, order_data(at(day, 10)), format="json"), 400, "validation_error"
    )
    assert "fulfilment.pickup_slot" in body["errors"]
    assert Order.objects.count() == 0 and Reservation.objects.count() == 0
    assert level(store, tee) == (10, 0) and not SlotUsage.objects.exists()


@pytest.mark.django_db
def test_a_full_window_is_409_slot_full_and_nothing_is_reserved_or_written(clients, net):
    store, tee = net["store"], net["tee"]
    start = at(in_days(3), 11)
    for _ in range(2):
        assert clients["shop"].post(ORDERS, order_data(start, quantity=2), format="json").status_code == 201
    before = (
        Order.objects.count(),
        Reservation.objects.count(),
        OrderEvent.objects.count(),
        level(store, tee),
    )
    assert before[0] == 2 and before[3] == (10, 4)

    response = clients["shop"].post(ORDERS, order_data(start, quantity=3), format="json")

    assert_problem(response, 409, "slot_full")
    after = (
        Order.objects.count(),
        Reservation.objects.count(),
        OrderEvent.objects.count(),
        level(store, tee),
    )
    assert after == before
    assert taken(store, start) == 2
    # the next window still takes it
    response = clients["shop"].post(
        ORDERS, order_data(start + timedelta(minutes=30), quantity=3), format="json"
    )
    assert response.status_code == 201 and level(store, tee) == (10, 7)


@pytest.mark.django_db
def test_a_failed_reservation_leaves_the_window_untouched(clients, net):
    store = net["store"]
    start = at(in_days(3), 12)
    response = clients["shop"].post(ORDERS, order_data(start, quantity=11), format="json")  # 10 on hand
    assert_problem(response, 409, "insufficient_stock")
    assert taken(store, start) == 0 and Order.objects.count() == 0


# --- Changing the window; cancelling and expiring give it back --------------------------------------------


@pytest.mark.django_db
def test_changing_the_window_moves_the_place_and_a_full_one_keeps_the_old(clients, net):
    store = net["store"]
    day = in_days(3)
    first, second, third = at(day, 9), at(day, 9, 30), at(day, 10)
    number = clients["shop"].post(ORDERS, order_data(first), format="json").json()["number"]
    response = clients["shop"].post(
        url(number, "pickup-slot"), {"pickup_slot": second.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content[:500]
    assert response.json()["pickup"]["slot"]["start"] == second.isoformat()
    assert (taken(store, first), taken(store, second)) == (0, 1)
    # the third window is full: 409, the order keeps the second
    SlotUsage.objects.create(location=store, resource=PICKUP, start=third, taken=2)
    response = clients["shop"].post(
        url(number, "pickup-slot"), {"pickup_slot": third.isoformat()}, format="json"
    )
    assert_problem(response, 409, "slot_full")
    order = Order.objects.get(number=number)
    assert order.pickup_slot_start == second and (taken(store, second), taken(store, third)) == (1, 2)
    # off the grid: 400 naming pickup_slot; the same window again: nothing changes
    body = assert_problem(
        clients["shop"].post(
            url(number, "pickup-slot"), {"pickup_slot": at(day, 9, 40).isoformat()}, format="json"
        ),
        400,
        "validation_error",
    )
    assert "pickup_slot" in body["errors"]
    assert (
        clients["shop"]
        .post(url(number, "pickup-slot"), {"pickup_slot": second.isoformat()}, format="json")
        .status_code
        == 200
    )
    assert taken(store, second) == 1
    # another e-shop does not see the order; a store may not change it (the customer's call)
    assert_problem(
        clients["shop2"].post(url(number, "pickup-slot"), {"pickup_slot": first.isoformat()}, format="json"),
        404,
        "not_found",
    )
    assert_problem(
        clients["store"].post(url(number, "pickup-slot"), {"pickup_slot": first.isoformat()}, format="json"),
        403,
        "permission_denied",
    )
    # an order without a window may get one later (HQ)
    plain = clients["shop"].post(ORDERS, order_data(None), format="json").json()["number"]
    assert (
        clients["hq"]
        .post(url(plain, "pickup-slot"), {"pickup_slot": first.isoformat()}, format="json")
        .status_code
        == 200
    )
    assert taken(store, first) == 1


@pytest.mark.django_db
def test_cancelling_and_expiring_give_the_place_back_and_a_cancelled_order_cannot_change(clients, net):
    store = net["store"]
    start = at(in_days(3), 14)
    cancelled = clients["shop"].post(ORDERS, order_data(start), format="json").json()["number"]
    expiring = clients["shop"].post(ORDERS, order_data(start), format="json").json()["number"]
    assert taken(store, start) == 2

    assert clients["shop"].post(url(cancelled, "cancel"), {}, format="json").status_code == 200
    assert taken(store, start) == 1
    response = clients["shop"].post(
        url(cancelled, "pickup-slot"), {"pickup_slot": start.isoformat()}, format="json"
    )
    assert_problem(response, 409, "invalid_transition")
    assert taken(store, start) == 1

    Order.objects.filter(number=expiring).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert services.expire_pickups() == [expiring]
    assert taken(store, start) == 0


# --- Real concurrency ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_r_places_left_and_r_plus_five_orders_exactly_r_are_placed_and_reserved():
    store, tee = make_store("MI-SLRACE", capacity=6, units=50, sku="TEE-SLRACE")
    start = at(in_days(3), 15)
    SlotUsage.objects.create(location=store, resource=PICKUP, start=start, taken=2)
    remaining = 4  # R

    def place(n: int) -> Callable[[], str]:
        def job() -> str:
            order = services.place_order(
                actor=Actor(role="integration"),
                channel="web",
                lines=[services.LineInput(sku="TEE-SLRACE", quantity=2)],
                fulfilment=services.FulfilmentInput(type="pickup", location="MI-SLRACE", pickup_slot=start),
                customer=services.CustomerInput(email=f"race{n}@example.it"),
            )
            return order.number

        return job

    outcomes = run_together([place(n) for n in range(remaining + 5)], timeout=90)

    placed = [o for o in outcomes if o != "slot_full"]
    assert outcomes.count("slot_full") == 5 and len(placed) == remaining, outcomes
    assert set(Order.objects.values_list("number", flat=True)) == set(placed)
    assert taken(store, start) == 6
    assert level(store, tee) == (50, 2 * remaining)
    assert Reservation.objects.filter(owner__in=[f"order:{n}" for n in placed]).count() == remaining
    assert Reservation.objects.count() == remaining


# --- The store's pickup queue -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_queue_puts_arrivals_first_then_windows_then_the_rest(clients, net):
    from orders.selectors import pickup_queue

    day = in_days(3)
    plain = clients["shop"].post(ORDERS, order_data(None), format="json").json()["number"]
    late_window = clients["shop"].post(ORDERS, order_data(at(day, 16)), format="json").json()["number"]
    early_window = clients["shop"].post(ORDERS, order_data(at(day, 9)), format="json").json()["number"]
    arrived_second = clients["shop"].post(ORDERS, order_data(None), format="json").json()["number"]
    arrived_first = clients["shop"].post(ORDERS, order_data(at(day, 17)), format="json").json()["number"]
    now = timezone.now()
    Order.objects.filter(number=arrived_first).update(arrived_at=now - timedelta(minutes=9))
    Order.objects.filter(number=arrived_second).update(arrived_at=now - timedelta(minutes=2))
    queue = [o.number for o in pickup_queue(Actor.system(), net["store"])]
    assert queue == [arrived_first, arrived_second, early_window, late_window, plain]


@pytest.mark.django_db
def test_a_cart_checkout_takes_its_window_through_the_same_placement(clients, net):
    start = at(in_days(3), 13)
    shop = clients["shop"]
    cart = shop.post(
        "/api/v1/carts/",
        {
            "channel": "web",
            "customer": {"email": "giulia@example.it"},
            "lines": [{"sku": "TEE-S", "quantity": 1}],
        },
        format="json",
    )
    assert cart.status_code == 201, cart.content[:300]
    body = {
        "channel": "web",
        "fulfilment": {"type": "pickup", "location": "MI-SL", "pickup_slot": start.isoformat()},
    }
    response = shop.post(f"/api/v1/carts/{cart.json()['id']}/checkout/", body, format="json")
    assert response.status_code == 201, response.content[:300]
    assert Order.objects.get().pickup_slot_start == start and taken(net["store"], start) == 1


@pytest.mark.django_db
def test_changing_the_window_honours_the_idempotency_key(clients, net):
    day = in_days(3)
    number = clients["shop"].post(ORDERS, order_data(at(day, 9)), format="json").json()["number"]
    body = {"pickup_slot": at(day, 10).isoformat()}
    first = clients["shop"].post(url(number, "pickup-slot"), body, format="json", HTTP_IDEMPOTENCY_KEY="w-1")
    again = clients["shop"].post(url(number, "pickup-slot"), body, format="json", HTTP_IDEMPOTENCY_KEY="w-1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert (taken(net["store"], at(day, 9)), taken(net["store"], at(day, 10))) == (0, 1)
