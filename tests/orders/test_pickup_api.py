"""Click and collect through the API, as API-CONTRACT.md promises it: ready (code, ready_at, expires_at =
ready + hold days), collect (the right code sells the reserved stock; a wrong one is 400
invalid_pickup_code; the 5th locks: 409 pickup_locked even with the right code), unlock by a manager,
who sees the code (the e-shop and HQ; never a store), other locations, invalid transitions, pick and
short-pick."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory.models import Reservation, StockLevel, StockMovement
from inventory.selectors import stock_drift
from inventory.services import record_movement
from omni.actors import Actor
from orders.models import Order
from tests.conftest import assert_problem
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
ORDERS = "/api/v1/orders/"
CUSTOMER = {"email": "giulia@example.it", "first_name": "Giulia", "last_name": "Rossi"}


def url(number: str, action: str = "") -> str:
    return f"{ORDERS}{number}/" + (f"{action}/" if action else "")


@pytest.fixture
def net():
    milano = LocationFactory(code="MI-C", pickup_hold_days=5, click_and_collect=True)
    roma = LocationFactory(code="RM-C", latitude="41.902800", longitude="12.496400", click_and_collect=True)
    hub = WarehouseFactory(code="WH-C", latitude="45.052000", longitude="9.693000")
    tee = VariantFactory(sku="TEE-C", price=Decimal("19.90"))
    jeans = VariantFactory(sku="JNS-C", price=Decimal("59.90"))
    for location, variant, quantity in ((milano, tee, 5), (milano, jeans, 2), (hub, tee, 10), (roma, tee, 3)):
        record_movement(
            actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
        )
    return {"milano": milano, "roma": roma, "hub": hub, "tee": tee, "jeans": jeans}


@pytest.fixture
def clients(make_api_client, net):
    return {
        "shop": make_api_client("eshop"),
        "hq": make_api_client("integration"),
        "store": make_api_client("store", location=net["milano"]),
        "desk2": make_api_client("store", location=net["milano"]),
        "kiosk": make_api_client("kiosk", location=net["milano"]),
        "roma": make_api_client("store", location=net["roma"]),
    }


def staff_client(role: str, location) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_login(UserFactory(role=role, locations=[location] if location else None))
    return client


def place(client: APIClient, lines=(("TEE-C", 2),), payment=None, location="MI-C", **fulfilment) -> dict:  # type: ignore[no-untyped-def]
    data = {
        "channel": "web",
        "customer": CUSTOMER,
        "lines": [{"sku": sku, "quantity": q} for sku, q in lines],
        "fulfilment": {"type": "pickup", "location": location, **fulfilment},
        "payment": payment or {"method": "card", "status": "captured"},
    }
    response = client.post(ORDERS, data, format="json")
    assert response.status_code == 201, response.content[:500]
    return response.json()


def make_ready(clients, **kwargs) -> dict:  # type: ignore[no-untyped-def]
    number = place(clients["shop"], **kwargs)["number"]
    response = clients["store"].post(url(number, "ready-for-pickup"))
    assert response.status_code == 200, response.content[:500]
    return response.json()


def code_of(clients, number: str) -> str:  # type: ignore[no-untyped-def]
    code = clients["shop"].get(url(number)).json()["pickup"]["code"]
    assert code is not None and len(code) == 6 and code.isdigit()
    return code


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- Ready -------------------------------------------------------------------------------------------------


def test_ready_sets_code_ready_at_and_expires_at_and_hides_the_code_from_the_store(clients, net):
    placed = place(clients["shop"])
    assert placed["pickup"] == {
        "code": None,
        "promised_ready_at": placed["pickup"]["promised_ready_at"],
        "ready_at": None,
        "expires_at": None,
        "locked": False,
        "failed_attempts": 0,
        "slot": None,  # no window chosen
        "arrived_at": None,
        "arrival_note": "",
    }
    assert placed["pickup"]["promised_ready_at"] is not None

    body = clients["store"].post(url(placed["number"], "ready-for-pickup")).json()
    assert body["status"] == "ready_for_pickup"
    pickup = body["pickup"]
    assert pickup["code"] is None  # a store never sees it
    assert parse(pickup["expires_at"]) - parse(pickup["ready_at"]) == timedelta(days=5)
    assert [line["picked_quantity"] for line in body["lines"]] == [2]

    # the e-shop (its own order) and HQ see it; a kiosk, a store and staff do not
    code = code_of(clients, placed["number"])
    assert clients["hq"].get(url(placed["number"])).json()["pickup"]["code"] == code
    assert clients["store"].get(url(placed["number"])).json()["pickup"]["code"] is None
    manager = staff_client("store_manager", net["milano"])
    assert manager.get(url(placed["number"])).json()["pickup"]["code"] is None
    hq_staff = staff_client("hq_manager", None)
    assert hq_staff.get(url(placed["number"])).json()["pickup"]["code"] is None
    listed = clients["store"].get(ORDERS, {"status": "ready_for_pickup"}).json()["results"]
    assert [o["pickup"]["code"] for o in listed] == [None]
    assert clients["shop"].get(ORDERS).json()["results"][0]["pickup"]["code"] == code
    # nor in the timeline a store reads
    timeline = clients["store"].get(url(placed["number"])).json()["timeline"]
    assert all(code not in event["message"] for event in timeline)


def test_only_the_pickup_store_or_hq_marks_ready(clients, net):
    number = place(clients["shop"])["number"]
    for role in ("shop", "kiosk"):
        assert_problem(clients[role].post(url(number, "ready-for-pickup")), 403, "permission_denied")
    assert_problem(clients["roma"].post(url(number, "ready-for-pickup")), 404, "not_found")
    assert_problem(APIClient().post(url(number, "ready-for-pickup")), 401, "not_authenticated")
    assert clients["hq"].post(url(number, "ready-for-pickup")).status_code == 200
    assert_problem(clients["store"].post(url(number, "ready-for-pickup")), 409, "invalid_transition")


def test_a_store_that_took_an_order_for_another_store_cannot_prepare_it(clients, net, make_api_client):
    roma_tablet = clients["roma"]
    response = roma_tablet.post(
        ORDERS,
        {
            "channel": "store",
            "customer": CUSTOMER,
            "lines": [{"sku": "TEE-C", "quantity": 1}],
            "fulfilment": {"type": "pickup", "location": "MI-C"},
        },
        format="json",
    )
    number = response.json()["number"]
    assert roma_tablet.get(url(number)).status_code == 200  # they took it
    assert_problem(roma_tablet.post(url(number, "ready-for-pickup")), 403, "permission_denied")


def test_invalid_transitions_are_409(clients, net):
    delivery = (
        clients["shop"]
        .post(
            ORDERS,
            {
                "channel": "web",
                "customer": CUSTOMER,
                "lines": [{"sku": "TEE-C", "quantity": 1}],
                "fulfilment": {
                    "type": "delivery",
                    "address": {
                        "line1": "Via Toledo 1",
                        "city": "Napoli",
                        "postcode": "80134",
                        "country": "IT",
                    },
                },
            },
            format="json",
        )
        .json()
    )
    assert_problem(clients["hq"].post(url(delivery["number"], "ready-for-pickup")), 409, "invalid_transition")
    assert_problem(
        clients["hq"].post(url(delivery["number"], "collect"), {"pickup_code": "123456"}, format="json"),
        409,
        "invalid_transition",
    )
    placed = place(clients["shop"])
    assert_problem(
        clients["store"].post(url(placed["number"], "collect"), {"pickup_code": "123456"}, format="json"),
        409,
        "invalid_transition",
    )
    cancelled = place(clients["shop"])
    clients["shop"].post(url(cancelled["number"], "cancel"), {}, format="json")
    assert_problem(
        clients["store"].post(url(cancelled["number"], "ready-for-pickup")), 409, "invalid_transition"
    )
    assert Order.objects.get(number=placed["number"]).pickup_failed_attempts == 0


# --- Collect -----------------------------------------------------------------------------------------------


def level(net, location="milano") -> tuple[int, int]:  # type: ignore[no-untyped-def]
    row = StockLevel.objects.get(location=net[location], variant=net["tee"])
    return row.on_hand, row.reserved


def test_collect_with_the_right_code_sells_the_stock(clients, net):
    ready = make_ready(clients)
    number = ready["number"]
    assert level(net) == (5, 2)
    response = clients["desk2"].post(
        url(number, "collect"), {"pickup_code": code_of(clients, number)}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "collected" and body["pickup"]["code"] is None
    assert "collected" in [e["kind"] for e in body["timeline"]]
    assert level(net) == (3, 0)
    assert StockMovement.objects.get(kind="sale", reference=number).delta == -2
    assert not Reservation.objects.filter(owner=f"order:{number}", state="active").exists()
    assert stock_drift() == []
    assert_problem(
        clients["store"].post(url(number, "collect"), {"pickup_code": code_of_db(number)}, format="json"),
        409,
        "invalid_transition",
    )


def code_of_db(number: str) -> str:
    return Order.objects.get(number=number).pickup_code


def test_a_wrong_code_is_400_and_counted(clients, net):
    number = make_ready(clients)["number"]
    body = assert_problem(
        clients["store"].post(
            url(number, "collect"), {"pickup_code": wrong(code_of_db(number))}, format="json"
        ),
        400,
        "invalid_pickup_code",
    )
    assert body["attempts_left"] == 4 and body["locked"] is False
    # the count is kept although the request failed
    assert Order.objects.get(number=number).pickup_failed_attempts == 1
    assert clients["store"].get(url(number)).json()["pickup"]["failed_attempts"] == 1
    assert level(net) == (5, 2)


def test_five_wrong_codes_lock_until_a_manager_unlocks(clients, net):
    number = make_ready(clients)["number"]
    code = code_of_db(number)
    for attempt in range(1, 6):
        body = assert_problem(
            clients["store"].post(url(number, "collect"), {"pickup_code": wrong(code)}, format="json"),
            400,
            "invalid_pickup_code",
        )
        assert body["attempts_left"] == 5 - attempt
    assert body["locked"] is True
    assert clients["store"].get(url(number)).json()["pickup"]["locked"] is True
    # locked: even the right code is refused
    assert_problem(
        clients["store"].post(url(number, "collect"), {"pickup_code": code}, format="json"),
        409,
        "pickup_locked",
    )
    assert level(net) == (5, 2)

    associate = staff_client("associate", net["milano"])
    assert_problem(
        associate.post(url(number, "unlock-pickup"), {"reason": "known"}, format="json"),
        403,
        "permission_denied",
    )
    assert_problem(
        clients["store"].post(url(number, "unlock-pickup"), {"reason": "known"}, format="json"),
        403,
        "permission_denied",
    )
    assert_problem(
        clients["shop"].post(url(number, "unlock-pickup"), {"reason": "known"}, format="json"),
        403,
        "permission_denied",
    )
    other_manager = staff_client("store_manager", net["roma"])
    assert_problem(
        other_manager.post(url(number, "unlock-pickup"), {"reason": "known"}, format="json"), 404, "not_found"
    )
    manager = staff_client("store_manager", net["milano"])
    problem = assert_problem(
        manager.post(url(number, "unlock-pickup"), {}, format="json"), 400, "validation_error"
    )
    assert "reason" in problem["errors"]
    response = manager.post(url(number, "unlock-pickup"), {"reason": "ID card checked"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["pickup"]["locked"] is False and body["pickup"]["failed_attempts"] == 0
    unlocked = [e for e in body["timeline"] if e["kind"] == "pickup_unlocked"]
    assert (
        len(unlocked) == 1
        and "ID card checked" in unlocked[0]["message"]
        and unlocked[0]["actor"] in unlocked[0]["message"]
    )

    assert (
        clients["store"].post(url(number, "collect"), {"pickup_code": code}, format="json").status_code == 200
    )
    assert level(net) == (3, 0)


def test_hq_may_unlock(clients, net):
    number = make_ready(clients)["number"]
    clients["store"].post(url(number, "collect"), {"pickup_code": wrong(code_of_db(number))}, format="json")
    response = clients["hq"].post(url(number, "unlock-pickup"), {"reason": "call centre"}, format="json")
    assert response.status_code == 200 and response.json()["pickup"]["failed_attempts"] == 0
    assert_problem(
        clients["hq"].post(url(number, "unlock-pickup"), {"reason": "again"}, format="json"),
        409,
        "invalid_transition",
    )


def test_collect_needs_a_payment_for_pay_at_pickup(clients, net):
    number = place(clients["shop"], payment={"method": "pay_at_pickup", "status": "pending"})["number"]
    clients["store"].post(url(number, "ready-for-pickup"))
    code = code_of_db(number)
    problem = assert_problem(
        clients["store"].post(url(number, "collect"), {"pickup_code": code}, format="json"),
        400,
        "validation_error",
    )
    assert "payment" in problem["errors"]
    problem = assert_problem(
        clients["store"].post(
            url(number, "collect"), {"pickup_code": code, "payment": {"method": "paypal"}}, format="json"
        ),
        400,
        "validation_error",
    )
    assert "payment.method" in problem["errors"]
    response = clients["store"].post(
        url(number, "collect"),
        {"pickup_code": code, "payment": {"method": "cash", "reference": "R-9"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    [payment] = response.json()["payments"]
    assert (payment["method"], payment["status"], payment["amount"], payment["reference"]) == (
        "cash",
        "captured",
        "39.80",
        "R-9",
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"pickup_code": ""},
        {"pickup_code": ["123456"]},
        {"pickup_code": "x" * 40},
        {"pickup_code": "123456", "payment": "cash"},
    ],
)
def test_bad_collect_bodies_are_400_and_cost_no_attempt(clients, net, body):
    number = make_ready(clients)["number"]
    assert_problem(
        clients["store"].post(url(number, "collect"), body, format="json"), 400, "validation_error"
    )
    assert Order.objects.get(number=number).pickup_failed_attempts == 0


def test_collect_roles_and_locations(clients, net):
    number = make_ready(clients)["number"]
    code = code_of_db(number)
    for role in ("shop", "kiosk"):
        assert_problem(
            clients[role].post(url(number, "collect"), {"pickup_code": code}, format="json"),
            403,
            "permission_denied",
        )
    assert_problem(
        clients["roma"].post(url(number, "collect"), {"pickup_code": code}, format="json"), 404, "not_found"
    )
    assert Order.objects.get(number=number).status == "ready_for_pickup"


# --- Pick and short-pick -----------------------------------------------------------------------------------


def test_pick_by_sku_or_line_id(clients, net):
    placed = place(clients["shop"], lines=(("TEE-C", 2), ("JNS-C", 1)))
    number = placed["number"]
    line_ids = {
        line["sku"]: Order.objects.get(number=number).lines.get(sku=line["sku"]).pk
        for line in placed["lines"]
    }
    response = clients["store"].post(
        url(number, "pick"),
        {"lines": [{"sku": "TEE-C", "picked": 2}, {"line_id": line_ids["JNS-C"], "picked": 1}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert {line["sku"]: line["picked_quantity"] for line in response.json()["lines"]} == {
        "TEE-C": 2,
        "JNS-C": 1,
    }

    for body, field in (
        ({"lines": [{"sku": "NOPE", "picked": 1}]}, "lines.0.sku"),
        ({"lines": [{"sku": "TEE-C", "picked": 3}]}, "lines.0.picked"),
        ({"lines": [{"line_id": 999999, "picked": 1}]}, "lines.0.line_id"),
        ({"lines": [{"picked": 1}]}, "lines.0.line_id"),
        ({"lines": [{"sku": "TEE-C", "line_id": line_ids["TEE-C"], "picked": 1}]}, "lines.0.line_id"),
        ({"lines": [{"sku": "TEE-C", "picked": -1}]}, "lines.0.picked"),
        ({"lines": [{"sku": "TEE-C", "picked": 1}, {"sku": "TEE-C", "picked": 1}]}, "lines.1.sku"),
        ({"lines": []}, "lines"),
        ({"lines": "TEE-C"}, "lines"),
    ):
        problem = assert_problem(
            clients["store"].post(url(number, "pick"), body, format="json"), 400, "validation_error"
        )
        assert field in problem["errors"], (body, problem)
    assert_problem(
        clients["kiosk"].post(url(number, "pick"), {"lines": [{"sku": "TEE-C", "picked": 1}]}, format="json"),
        403,
        "permission_denied",
    )
    assert_problem(
        clients["roma"].post(url(number, "pick"), {"lines": [{"sku": "TEE-C", "picked": 1}]}, format="json"),
        404,
        "not_found",
    )


def test_short_pick_cancel_line_through_the_api(clients, net):
    number = place(clients["shop"], lines=(("TEE-C", 2), ("JNS-C", 1)))["number"]
    response = clients["store"].post(
        url(number, "short-pick"), {"sku": "TEE-C", "missing": 1, "resolution": "cancel_line"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    tee = next(line for line in body["lines"] if line["sku"] == "TEE-C")
    assert (tee["quantity"], tee["short_quantity"], tee["cancelled_quantity"], tee["line_total"]) == (
        1,
        1,
        1,
        "19.90",
    )
    assert (body["subtotal"], body["total"]) == ("79.80", "79.80")
    assert body["payments"][0]["refund_due"] == "19.90"
    assert level(net) == (4, 1)  # written off and released
    assert StockMovement.objects.get(kind="adjustment", reference=number).delta == -1

    for data, field in (
        ({"sku": "TEE-C", "missing": 1, "resolution": "later"}, "resolution"),
        ({"sku": "TEE-C", "missing": 0, "resolution": "cancel_line"}, "missing"),
        ({"sku": "TEE-C", "missing": 5, "resolution": "cancel_line"}, "missing"),
        ({"sku": "NOPE", "missing": 1, "resolution": "cancel_line"}, "sku"),
        ({"missing": 1, "resolution": "cancel_line"}, "sku"),
    ):
        problem = assert_problem(
            clients["store"].post(url(number, "short-pick"), data, format="json"), 400, "validation_error"
        )
        assert field in problem["errors"], (data, problem)
    assert level(net) == (4, 1)


def test_short_pick_resource_through_the_api_blocks_ready_until_received(clients, net):
    number = place(clients["shop"], lines=(("TEE-C", 2),))["number"]
    response = clients["store"].post(
        url(number, "short-pick"), {"sku": "TEE-C", "missing": 1, "resolution": "resource"}, format="json"
    )
    assert response.status_code == 200, response.content
    allocations = response.json()["lines"][0]["allocations"]
    travelling = [a for a in allocations if "transfer" in a]
    assert (
        len(travelling) == 1
        and travelling[0]["quantity"] == 1
        and travelling[0]["transfer"]["status"] == "requested"
    )
    assert travelling[0]["location"] == "WH-C"
    problem = assert_problem(
        clients["store"].post(url(number, "ready-for-pickup")), 409, "invalid_transition"
    )
    assert problem["transfers"] == [travelling[0]["transfer"]["number"]]


def test_ship_to_store_shows_the_transfer_on_the_allocation(clients, net):
    body = place(clients["shop"], lines=(("TEE-C", 7),), allow_transfer=True)
    parts = sorted(
        (a["location"], a["quantity"], a.get("transfer", {}).get("status"))
        for a in body["lines"][0]["allocations"]
    )
    assert parts == [("MI-C", 5, None), ("WH-C", 2, "requested")]
    assert_problem(clients["store"].post(url(body["number"], "ready-for-pickup")), 409, "invalid_transition")


def test_a_short_pick_retried_with_its_idempotency_key_is_written_off_once(clients, net):
    number = place(clients["shop"], lines=(("TEE-C", 3),))["number"]
    body = {"sku": "TEE-C", "missing": 1, "resolution": "cancel_line"}
    first = clients["store"].post(url(number, "short-pick"), body, format="json", HTTP_IDEMPOTENCY_KEY="sp-1")
    again = clients["store"].post(url(number, "short-pick"), body, format="json", HTTP_IDEMPOTENCY_KEY="sp-1")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert StockMovement.objects.filter(kind="adjustment", reference=number).count() == 1
    assert level(net) == (4, 2)


# --- Refused at the desk -------------------------------------------------------------------------------


def test_a_refused_unit_becomes_a_return_on_the_spot(clients, net):
    order = make_ready(clients, lines=(("TEE-C", 2), ("JNS-C", 1)))
    number = order["number"]
    body = {"pickup_code": code_of(clients, number), "refused": [{"sku": "JNS-C", "quantity": 1}]}
    response = clients["store"].post(url(number, "collect"), body, format="json")
    assert response.status_code == 200, response.content[:500]
    collected = response.json()
    assert collected["status"] == "collected"
    [ret] = collected["returns"]
    assert ret["location"] == "MI-C" and Decimal(ret["refund_amount"]) == Decimal("59.90")
    # the jeans went out as a sale and came back as a return at the desk: on hand again, nothing reserved
    jeans = StockLevel.objects.get(location=net["milano"], variant=net["jeans"])
    assert (jeans.on_hand, jeans.reserved) == (2, 0)
    movements = StockMovement.objects.filter(variant=net["jeans"], location=net["milano"])
    kinds = sorted(movements.values_list("kind", flat=True))
    assert kinds == ["receipt", "return", "sale"]
    assert stock_drift() == []


def test_a_bad_refusal_hands_nothing_over_and_names_the_line(clients, net):
    order = make_ready(clients, lines=(("TEE-C", 2),))
    number = order["number"]
    code = code_of(clients, number)
    body = {"pickup_code": code, "refused": [{"sku": "TEE-C", "quantity": 3}]}
    problem = assert_problem(
        clients["store"].post(url(number, "collect"), body, format="json"), 400, "validation_error"
    )
    assert "refused.TEE-C" in problem["errors"]
    assert Order.objects.get(number=number).status == "ready_for_pickup"
    tee = StockLevel.objects.get(location=net["milano"], variant=net["tee"])
    assert (tee.on_hand, tee.reserved) == (5, 2)
    # ... and the handover then goes through without the refusal
    response = clients["store"].post(url(number, "collect"), {"pickup_code": code}, format="json")
    assert response.status_code == 200 and response.json()["returns"] == []
