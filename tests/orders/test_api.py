"""The orders API as API-CONTRACT.md fixes it: placing, reading, listing, cancelling and shipping orders,
every role, another client's and another location's orders, and the unhappy paths."""

from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from inventory import services as stock_services
from inventory.models import Reservation, StockLevel, StockMovement
from inventory.selectors import stock_drift
from omni.actors import Actor
from orders.models import Order
from orders.services import CustomerInput, FulfilmentInput, LineInput, place_order
from tests.conftest import assert_problem
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.orders.factories import PromotionFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
ORDERS = "/api/v1/orders/"
ADDRESS = {
    "line1": "Via Toledo 1",
    "city": "Napoli",
    "postcode": "80134",
    "country": "IT",
    "latitude": 40.84,
    "longitude": 14.25,
}
CUSTOMER = {"email": "Giulia.Rossi@example.it", "first_name": "Giulia", "last_name": "Rossi"}


def order_url(number: str, action: str = "") -> str:
    return f"{ORDERS}{number}/" + (f"{action}/" if action else "")


def stock(location, variant, quantity: int) -> None:
    stock_services.record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def level(location, variant) -> StockLevel:
    return StockLevel.objects.get(location=location, variant=variant)


def delivery(**overrides):
    data = {
        "channel": "web",
        "customer": dict(CUSTOMER),
        "lines": [{"sku": "TEE-1", "quantity": 2}, {"sku": "JNS-1", "quantity": 1}],
        "fulfilment": {"type": "delivery", "address": dict(ADDRESS)},
    }
    data.update(overrides)
    return data


def pickup(location: str = "MI-1", **overrides):
    data = {
        "channel": "web",
        "customer": dict(CUSTOMER),
        "lines": [{"sku": "TEE-1", "quantity": 1}],
        "fulfilment": {"type": "pickup", "location": location},
    }
    data.update(overrides)
    return data


def place(client: APIClient, data: dict, **headers) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(ORDERS, data, format="json", **headers)
    assert response.status_code == 201, response.content[:800]
    return response.json()


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


# --- Placing ---------------------------------------------------------------------------------------------


def test_a_delivery_is_placed_priced_from_the_catalog_and_reserved(api, net):
    response = api().post(ORDERS, delivery(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == order_url(body["number"])
    assert body["number"].startswith("W-") and body["status"] == "placed" and body["channel"] == "web"
    assert body["fulfilment"] == {
        "type": "delivery",
        "location": None,
        "address": ADDRESS,
        "allow_transfer": False,
    }
    assert body["customer"] == {
        "email": "giulia.rossi@example.it",
        "first_name": "Giulia",
        "last_name": "Rossi",
        "phone": "",
    }
    assert (body["subtotal"], body["discount"], body["total"]) == ("99.70", "0.00", "99.70")
    assert body["vat_total"] == "17.98" and body["currency"] == "EUR" and body["points_redeemed"] == 0
    tee_line = body["lines"][0]
    assert tee_line == {
        "sku": "TEE-1",
        "name": tee_line["name"],
        "quantity": 2,
        "unit_price": "19.90",
        "line_total": "39.80",
        "vat_rate": "22.00",
        "vat_amount": "7.18",
        "discount": "0.00",
        "promotion": None,
        "allocations": [{"location": "WH-1", "quantity": 2}],
        "picked_quantity": 0,
        "short_quantity": 0,
        "cancelled_quantity": 0,
    }
    assert [s["location"] for s in body["shipments"]] == ["WH-1"]
    assert body["shipments"][0]["status"] == "pending" and body["shipments"][0]["shipped_at"] is None
    assert body["payments"][0]["method"] == "card" and body["payments"][0]["status"] == "pending"
    assert body["payments"][0]["amount"] == "99.70"
    assert body["cancel_reason"] == "" and body["created_at"]
    assert body["timeline"][0]["kind"] == "placed"
    assert body["timeline"][0]["actor"].startswith("api:") and body["timeline"][0]["device"]
    assert (level(net["hub"], net["tee"]).reserved, level(net["hub"], net["tee"]).on_hand) == (2, 10)
    assert stock_drift() == []


def test_a_client_never_sets_the_price_or_the_status(api, net):
    data = pickup()
    data["lines"][0]["unit_price"] = "0.01"
    data["status"] = "shipped"
    data["total"] = "0.00"
    body = place(api(), data)
    assert body["lines"][0]["unit_price"] == "19.90" and body["total"] == "19.90"
    assert body["status"] == "placed"


def test_a_promotion_shows_on_the_line(api, net):
    PromotionFactory(name="-10% tees", variant=net["tee"], kind="percent", value=Decimal("10"))
    body = place(api("eshop"), pickup())
    line = body["lines"][0]
    assert line["promotion"] == "-10% tees" and line["discount"] == "1.99" and line["line_total"] == "17.91"
    assert (body["subtotal"], body["discount"], body["total"]) == ("19.90", "1.99", "17.91")


def test_the_eshop_places_a_pickup_held_at_the_store(api, net):
    body = place(api("eshop"), pickup(channel="app", payment={"method": "card", "status": "authorised"}))
    assert body["channel"] == "app" and body["number"].startswith("A-")
    assert body["fulfilment"] == {
        "type": "pickup",
        "location": "MI-1",
        "address": None,
        "allow_transfer": False,
    }
    assert body["lines"][0]["allocations"] == [{"location": "MI-1", "quantity": 1}]
    assert body["shipments"] == []
    assert body["payments"][0]["status"] == "authorised"
    assert level(net["milano"], net["tee"]).reserved == 1


def test_a_pickup_with_transfer_holds_the_rest_at_a_warehouse(api, net):
    data = pickup(lines=[{"sku": "TEE-1", "quantity": 7}])
    data["fulfilment"]["allow_transfer"] = True
    body = place(api(), data)
    parts = sorted((a["location"], a["quantity"]) for a in body["lines"][0]["allocations"])
    assert parts == [("MI-1", 5), ("WH-1", 2)] and body["fulfilment"]["allow_transfer"] is True


def test_a_store_sells_at_the_till(api, net):
    data = {
        "channel": "store",
        "lines": [{"sku": "TEE-1", "quantity": 2}],
        "fulfilment": {"type": "carry_out", "location": "MI-1"},
    }
    body = place(api("store"), data)
    assert body["status"] == "completed" and body["number"].startswith("S-")
    assert body["payments"][0]["status"] == "captured"
    lvl = level(net["milano"], net["tee"])
    assert (lvl.on_hand, lvl.reserved) == (3, 0)
    assert StockMovement.objects.filter(kind="sale", reference=body["number"]).count() == 1
    assert stock_drift() == []
    # ... and the store reads it afterwards
    assert api("store").get(order_url(body["number"])).status_code == 200


def test_a_kiosk_places_an_endless_aisle_order(api, net):
    body = place(api("kiosk"), delivery(channel="kiosk", lines=[{"sku": "JNS-1", "quantity": 1}]))
    assert body["channel"] == "kiosk" and body["number"].startswith("K-")


def _split_delivery():
    # 7 tees: 5 at MI-1 cannot ship, so all 7 come from the hub; 1 pair of jeans from the hub too
    return delivery(lines=[{"sku": "TEE-1", "quantity": 7}, {"sku": "JNS-1", "quantity": 1}])


def _pickup_with_transfer():
    data = pickup(lines=[{"sku": "TEE-1", "quantity": 7}, {"sku": "JNS-1", "quantity": 1}])
    data["fulfilment"]["allow_transfer"] = True
    return data


def _till_sale():
    return {
        "channel": "store",
        "lines": [{"sku": "TEE-1", "quantity": 2}],
        "fulfilment": {"type": "carry_out", "location": "MI-1"},
    }


@pytest.mark.parametrize("make_data", [_split_delivery, _pickup_with_transfer, _till_sale])
def test_the_placement_answer_is_the_order_as_read_back(api, net, make_data):
    """The 201 body is built from what placement wrote, without reading it back: it must be exactly
    what a later GET answers (lines, allocations, transfers, shipments, payments, timeline)."""
    client = api()
    PromotionFactory(kind="percent", value=Decimal("10"), variant=net["jeans"])
    # nothing about the order is selected again after it is written
    with mock.patch("orders.api.orders.order_detail", side_effect=AssertionError("read back")):
        created = place(client, make_data())
    read = client.get(order_url(created["number"])).json()
    assert created == read
    assert created["timeline"] and created["payments"]


# --- Placing: refused ------------------------------------------------------------------------------------


def test_placing_needs_a_token(net):
    assert_problem(APIClient().post(ORDERS, delivery(), format="json"), 401, "not_authenticated")
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_problem(bad.post(ORDERS, delivery(), format="json"), 401, "not_authenticated")
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("role", "channel"),
    [("eshop", "store"), ("eshop", "kiosk"), ("kiosk", "web"), ("kiosk", "store"), ("store", "web")],
)
def test_a_channel_the_role_may_not_use_is_403(api, net, role, channel):
    response = api(role).post(ORDERS, delivery(channel=channel), format="json")
    assert_problem(response, 403, "permission_denied")
    assert not Order.objects.exists() and not Reservation.objects.exists()


def test_a_store_sells_at_its_own_till_only(api, net):
    stock(net["roma"], net["tee"], 3)
    roma_store = LocationFactory(code="RM-2", kind="store")
    stock(roma_store, net["tee"], 3)
    data = {
        "channel": "store",
        "lines": [{"sku": "TEE-1", "quantity": 1}],
        "fulfilment": {"type": "carry_out", "location": "RM-2"},
    }
    assert_problem(api("store").post(ORDERS, data, format="json"), 403, "permission_denied")
    assert not Order.objects.exists()


def _bad(lines=None, **overrides):
    data = delivery(**overrides)
    if lines is not None:
        data["lines"] = lines
    return data


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_bad(lines=[{"sku": "NOPE-1", "quantity": 1}]), "lines.0.sku"),
        (_bad(lines=[{"sku": "TEE-1", "quantity": 1}, {"sku": "INACTIVE-1", "quantity": 1}]), "lines.1.sku"),
        (_bad(lines=[{"sku": "TEE-1", "quantity": 0}]), "lines.0.quantity"),
        (_bad(lines=[{"sku": "TEE-1", "quantity": -1}]), "lines.0.quantity"),
        (_bad(lines=[{"sku": "TEE-1", "quantity": 100000}]), "lines.0.quantity"),
        (_bad(lines=[{"sku": "TEE-1", "quantity": 1}, {"sku": "JNS-1", "quantity": 0}]), "lines.1.quantity"),
        (_bad(lines=[{"sku": "TEE-1", "quantity": "two"}]), "lines.0.quantity"),
        (_bad(lines=[{"sku": "TEE-1", "quantity": 1.5}]), "lines.0.quantity"),
        (_bad(lines=[{"quantity": 1}]), "lines.0.sku"),
        (_bad(lines=[]), "lines"),
        (_bad(lines="TEE-1"), "lines"),
        (_bad(fulfilment={"type": "pickup", "location": "RM-1"}), "fulfilment.location"),
        (_bad(fulfilment={"type": "pickup"}), "fulfilment.location"),
        (_bad(fulfilment={"type": "pickup", "location": "XX-NONE"}), "fulfilment.location"),
        (_bad(fulfilment={"type": "carry_out", "location": "WH-1"}), "fulfilment.location"),
        (_bad(fulfilment={"type": "teleport"}), "fulfilment.type"),
        (
            _bad(fulfilment={"type": "delivery", "address": {"line1": "Via Roma 1"}}),
            "fulfilment.address.city",
        ),
        (_bad(fulfilment={"type": "delivery"}), "fulfilment.address.line1"),
        (
            _bad(fulfilment={"type": "delivery", "address": {**ADDRESS, "latitude": 91}}),
            "fulfilment.address.latitude",
        ),
        (_bad(fulfilment=None), "fulfilment"),
        (_bad(channel="fax"), "channel"),
        (_bad(customer={"email": "not-an-email"}), "customer.email"),
        (_bad(customer={"first_name": "Giulia"}), "customer.email"),
        (_bad(customer={**CUSTOMER, "first_name": "G" * 81}), "customer.first_name"),
        (_bad(payment={"method": "cheque", "status": "pending"}), "payment.method"),
        (_bad(payment={"method": "card", "status": "refunded"}), "payment.status"),
        (_bad(redeem_points=-1), "redeem_points"),
        (_bad(redeem_points=100), "redeem_points"),
    ],
)
def test_bad_orders_are_400_naming_the_field(api, net, data, field):
    VariantFactory(sku="INACTIVE-1", active=False)
    if data.get("fulfilment") is None:
        data = {k: v for k, v in data.items() if k != "fulfilment"}
    body = assert_problem(api().post(ORDERS, data, format="json"), 400, "validation_error")
    assert field in body["errors"], body
    assert not Order.objects.exists() and not Reservation.objects.exists()


def test_bad_json_is_a_400(api, net):
    response = api().post(ORDERS, '{"channel": "web", ', content_type="application/json")
    assert_problem(response, 400, "parse_error")
    response = api().post(ORDERS, "[1, 2]", content_type="application/json")
    assert_problem(response, 400, "validation_error")
    assert not Order.objects.exists()


def test_a_line_that_cannot_be_had_is_409_naming_the_skus_and_nothing_is_written(api, net):
    movements = StockMovement.objects.count()
    data = delivery(lines=[{"sku": "TEE-1", "quantity": 2}, {"sku": "JNS-1", "quantity": 11}])
    body = assert_problem(api().post(ORDERS, data, format="json"), 409, "insufficient_stock")
    assert body["skus"] == ["JNS-1"] and "JNS-1" in body["detail"]
    assert {s["sku"] for s in body["shortages"]} == {"JNS-1"}
    assert not Order.objects.exists() and not Reservation.objects.exists()
    assert StockMovement.objects.count() == movements
    assert level(net["hub"], net["tee"]).reserved == 0 and level(net["hub"], net["jeans"]).reserved == 0
    # a pickup at a store that lacks it
    body = assert_problem(
        api().post(ORDERS, pickup(lines=[{"sku": "JNS-1", "quantity": 1}]), format="json"),
        409,
        "insufficient_stock",
    )
    assert body["skus"] == ["JNS-1"]
    assert not Order.objects.exists() and not Reservation.objects.exists()


# --- Idempotency -----------------------------------------------------------------------------------------


def test_placing_is_idempotent(api, net):
    client = api("eshop")
    first = client.post(ORDERS, delivery(), format="json", HTTP_IDEMPOTENCY_KEY="ord-1")
    again = client.post(ORDERS, delivery(), format="json", HTTP_IDEMPOTENCY_KEY="ord-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert Order.objects.count() == 1 and level(net["hub"], net["tee"]).reserved == 2

    other = client.post(
        ORDERS, delivery(lines=[{"sku": "TEE-1", "quantity": 1}]), format="json", HTTP_IDEMPOTENCY_KEY="ord-1"
    )
    assert_problem(other, 422, "idempotency_key_reused")
    assert Order.objects.count() == 1
    # another client's key is its own
    assert (
        api("eshop").post(ORDERS, delivery(), format="json", HTTP_IDEMPOTENCY_KEY="ord-1").status_code == 201
    )
    assert Order.objects.count() == 2


def test_a_refused_order_is_replayed_not_retried(api, net):
    client = api()
    data = delivery(lines=[{"sku": "JNS-1", "quantity": 20}])
    assert_problem(
        client.post(ORDERS, data, format="json", HTTP_IDEMPOTENCY_KEY="ord-2"), 409, "insufficient_stock"
    )
    stock(net["hub"], net["jeans"], 20)
    again = client.post(ORDERS, data, format="json", HTTP_IDEMPOTENCY_KEY="ord-2")
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    assert not Order.objects.exists()


def test_a_bad_idempotency_key_is_a_400(api, net):
    response = api().post(ORDERS, delivery(), format="json", HTTP_IDEMPOTENCY_KEY="x" * 256)
    assert "Idempotency-Key" in assert_problem(response, 400, "validation_error")["errors"]
    assert not Order.objects.exists()


# --- Reading ---------------------------------------------------------------------------------------------


def test_an_order_is_read_by_number(api, net):
    client = api("eshop")
    placed = place(client, delivery())
    response = client.get(order_url(placed["number"]))
    assert response.status_code == 200
    assert response.json() == placed
    assert_problem(client.get(order_url("W-999999")), 404, "not_found")
    assert_problem(APIClient().get(order_url(placed["number"])), 401, "not_authenticated")


def test_another_clients_or_locations_order_is_not_found(api, net):
    stock(net["roma"], net["jeans"], 5)
    shop = api("eshop")
    shop_order = place(shop, pickup())["number"]  # held at MI-1
    roma_delivery = place(
        api(),
        delivery(
            lines=[{"sku": "JNS-1", "quantity": 1}],
            fulfilment={"type": "delivery", "address": {**ADDRESS, "latitude": 41.9, "longitude": 12.5}},
        ),
    )
    assert roma_delivery["lines"][0]["allocations"] == [{"location": "RM-1", "quantity": 1}]
    kiosk_order = place(api("kiosk"), pickup(channel="kiosk"))["number"]

    other_shop = api("eshop")
    for number in (shop_order, roma_delivery["number"], kiosk_order):
        assert_problem(other_shop.get(order_url(number)), 404, "not_found")
        assert_problem(other_shop.post(order_url(number, "cancel"), {}, format="json"), 404, "not_found")
    assert_problem(api("kiosk").get(order_url(shop_order)), 404, "not_found")
    assert api("kiosk").get(order_url(kiosk_order)).status_code == 404  # another kiosk's

    roma_store = api("store", location=net["roma"])
    assert_problem(roma_store.get(order_url(shop_order)), 404, "not_found")
    assert_problem(roma_store.post(order_url(shop_order, "cancel"), {}, format="json"), 404, "not_found")
    assert roma_store.get(order_url(roma_delivery["number"])).status_code == 200
    milano_store = api("store")
    assert milano_store.get(order_url(shop_order)).status_code == 200
    assert_problem(milano_store.get(order_url(roma_delivery["number"])), 404, "not_found")
    assert_problem(
        milano_store.post(order_url(roma_delivery["number"], "ship"), {}, format="json"), 404, "not_found"
    )
    assert Order.objects.get(number=roma_delivery["number"]).status == "placed"


def test_the_list_with_filters(api, net):
    hq, shop = api(), api("eshop")
    a = place(shop, pickup(customer={**CUSTOMER, "email": "anna@example.it"}))
    b = place(hq, delivery(channel="phone"))
    c = place(
        api("store"),
        {
            "channel": "store",
            "lines": [{"sku": "TEE-1", "quantity": 1}],
            "fulfilment": {"type": "carry_out", "location": "MI-1"},
        },
    )
    hq.post(order_url(b["number"], "cancel"), {}, format="json")

    numbers = [o["number"] for o in results(hq.get(ORDERS))]
    assert numbers == [c["number"], b["number"], a["number"]]  # newest first
    first = results(hq.get(ORDERS))[2]
    assert set(first) >= {
        "number",
        "status",
        "channel",
        "fulfilment",
        "customer",
        "lines",
        "total",
        "created_at",
    }
    assert first["lines"] == [
        {
            "sku": "TEE-1",
            "name": first["lines"][0]["name"],
            "quantity": 1,
            "unit_price": "19.90",
            "line_total": "19.90",
        }
    ]
    assert [o["number"] for o in results(hq.get(ORDERS, {"status": "cancelled"}))] == [b["number"]]
    assert [o["number"] for o in results(hq.get(ORDERS, {"status": "completed"}))] == [c["number"]]
    assert [o["number"] for o in results(hq.get(ORDERS, {"channel": "phone"}))] == [b["number"]]
    assert [o["number"] for o in results(hq.get(ORDERS, {"location": "MI-1"}))] == [c["number"], a["number"]]
    assert [o["number"] for o in results(hq.get(ORDERS, {"location": "WH-1"}))] == [b["number"]]
    assert [o["number"] for o in results(hq.get(ORDERS, {"customer_email": "ANNA@example.it"}))] == [
        a["number"]
    ]
    assert results(hq.get(ORDERS, {"location": "XX-NONE"})) == []
    page = hq.get(ORDERS, {"limit": 2}).json()
    assert len(page["results"]) == 2 and page["next"] and page["count"] == 3

    # who sees what
    assert [o["number"] for o in results(shop.get(ORDERS))] == [a["number"]]
    assert results(api("eshop").get(ORDERS)) == []
    assert [o["number"] for o in results(api("store").get(ORDERS))] == [c["number"], a["number"]]
    assert results(api("store", location=net["roma"]).get(ORDERS)) == []
    assert results(api("store", location=net["roma"]).get(ORDERS, {"location": "MI-1"})) == []
    assert results(shop.get(ORDERS, {"channel": "phone"})) == []


@pytest.mark.parametrize("params", [{"status": "lost"}, {"channel": "fax"}, {"location": "X" * 21}])
def test_the_list_with_a_bad_filter_is_a_400_naming_it(api, params):
    response = api().get(ORDERS, params)
    assert next(iter(params)) in assert_problem(response, 400, "validation_error")["errors"]


def test_the_list_needs_a_token():
    assert_problem(APIClient().get(ORDERS), 401, "not_authenticated")


def test_store_staff_see_the_orders_of_their_location(client, api, net):
    here = place(api(), pickup())
    place(api(), delivery())  # held at WH-1
    client.force_login(UserFactory(role="store_manager", locations=[net["milano"]]))
    assert [o["number"] for o in results(client.get(ORDERS))] == [here["number"]]
    assert client.get(order_url(here["number"])).status_code == 200


def test_the_list_costs_the_same_queries_for_1_or_20_orders(api, net, django_assert_max_num_queries):
    client = api()
    client.get(ORDERS)  # warm up the token's last_used_at
    for variant in (net["tee"], net["jeans"]):
        stock(net["hub"], variant, 100)

    def add(n: int) -> None:
        for i in range(n):
            place_order(
                actor=HQ,
                channel="web",
                customer=CustomerInput(email=f"c{i}@example.it"),
                lines=[LineInput("TEE-1", 1), LineInput("JNS-1", 1)],
                fulfilment=FulfilmentInput(type="delivery", address=ADDRESS),
            )

    def queries(params=None) -> int:  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as ctx:
            assert len(results(client.get(ORDERS, params or {}))) >= 1
        return len(ctx.captured_queries)

    add(1)
    one = queries()
    one_filtered = queries({"location": "WH-1", "status": "placed"})
    add(19)
    with django_assert_max_num_queries(one):
        assert len(results(client.get(ORDERS))) == 20
    with django_assert_max_num_queries(one_filtered):
        assert len(results(client.get(ORDERS, {"location": "WH-1", "status": "placed"}))) == 20


def test_reading_an_order_costs_the_same_queries_for_1_or_20_lines(api, net, django_assert_max_num_queries):
    client = api()
    client.get(ORDERS)
    variants = [VariantFactory(sku=f"Q-{i:02d}") for i in range(20)]
    for variant in variants:
        stock(net["hub"], variant, 5)
    PromotionFactory(variant=variants[0])
    PromotionFactory(variant=variants[1])
    small = place(client, delivery(lines=[{"sku": "Q-00", "quantity": 1}]))["number"]
    big = place(client, delivery(lines=[{"sku": v.sku, "quantity": 1} for v in variants]))["number"]
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(order_url(small)).status_code == 200
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        assert len(client.get(order_url(big)).json()["lines"]) == 20


# --- Cancelling ------------------------------------------------------------------------------------------


def test_cancelling_releases_the_stock(api, net):
    client = api()
    placed = place(client, delivery(payment={"method": "card", "status": "captured"}))
    response = client.post(order_url(placed["number"], "cancel"), {"cancel_reason": "fraud"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "fraud"
    assert body["shipments"][0]["status"] == "cancelled" and body["payments"][0]["status"] == "refunded"
    assert body["timeline"][-1]["kind"] == "cancelled"
    assert level(net["hub"], net["tee"]).reserved == 0 and level(net["hub"], net["jeans"]).reserved == 0
    assert stock_drift() == []

    again = assert_problem(
        client.post(order_url(placed["number"], "cancel"), {}, format="json"), 409, "invalid_transition"
    )
    assert again["detail"]


def test_the_eshop_cancels_its_own_orders_and_a_store_those_of_its_location(api, net):
    shop = api("eshop")
    number = place(shop, pickup())["number"]
    body = shop.post(order_url(number, "cancel"), format="json").json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "customer_request"

    number = place(api(), pickup())["number"]
    response = api("store").post(
        order_url(number, "cancel"), {"cancel_reason": "out_of_stock"}, format="json"
    )
    assert response.status_code == 200 and response.json()["cancel_reason"] == "out_of_stock"
    assert level(net["milano"], net["tee"]).reserved == 0


def test_a_kiosk_may_not_cancel(api, net):
    number = place(api("kiosk"), pickup(channel="kiosk"))["number"]
    assert_problem(
        api("kiosk").post(order_url(number, "cancel"), {}, format="json"), 403, "permission_denied"
    )
    assert Order.objects.get(number=number).status == "placed"
    assert_problem(APIClient().post(order_url(number, "cancel"), {}, format="json"), 401, "not_authenticated")


def test_a_bad_cancel_reason_is_a_400(api, net):
    number = place(api(), pickup())["number"]
    response = api().post(order_url(number, "cancel"), {"cancel_reason": "bored"}, format="json")
    assert "cancel_reason" in assert_problem(response, 400, "validation_error")["errors"]
    assert Order.objects.get(number=number).status == "placed"


def test_cancelling_is_idempotent(api, net):
    client = api()
    number = place(client, pickup())["number"]
    url = order_url(number, "cancel")
    first = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="cancel-1")
    again = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert first.status_code == again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


# --- Shipping --------------------------------------------------------------------------------------------


def test_shipping_sells_the_reserved_stock(api, net):
    client = api()
    placed = place(client, delivery())
    response = client.post(
        order_url(placed["number"], "ship"), {"carrier": "BRT", "tracking": "123456"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "shipped"
    shipment = body["shipments"][0]
    assert (shipment["location"], shipment["status"], shipment["carrier"], shipment["tracking"]) == (
        "WH-1",
        "shipped",
        "BRT",
        "123456",
    )
    assert shipment["shipped_at"]
    lvl = level(net["hub"], net["tee"])
    assert (lvl.on_hand, lvl.reserved) == (8, 0)
    assert StockMovement.objects.filter(kind="sale", reference=placed["number"]).count() == 2
    assert stock_drift() == []

    assert_problem(
        client.post(order_url(placed["number"], "ship"), {}, format="json"), 409, "invalid_transition"
    )
    assert_problem(
        client.post(order_url(placed["number"], "cancel"), {}, format="json"), 409, "invalid_transition"
    )


def test_a_pickup_order_does_not_ship(api, net):
    number = place(api(), pickup())["number"]
    assert_problem(api().post(order_url(number, "ship"), {}, format="json"), 409, "invalid_transition")


def test_a_store_ships_only_its_own_part(api, net):
    cap = VariantFactory(sku="CAP-1")
    stock(net["roma"], cap, 5)  # the hub has the tee, only Roma the cap: two shipments
    number = place(api(), delivery(lines=[{"sku": "TEE-1", "quantity": 1}, {"sku": "CAP-1", "quantity": 1}]))[
        "number"
    ]
    roma_store = api("store", location=net["roma"])
    assert_problem(
        roma_store.post(order_url(number, "ship"), {"location": "WH-1"}, format="json"),
        403,
        "permission_denied",
    )
    response = roma_store.post(order_url(number, "ship"), {"carrier": "GLS"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "placed"
    by_location = {s["location"]: s for s in body["shipments"]}
    assert by_location["RM-1"]["status"] == "shipped" and by_location["RM-1"]["carrier"] == "GLS"
    assert by_location["WH-1"]["status"] == "pending"
    assert_problem(roma_store.post(order_url(number, "ship"), {}, format="json"), 403, "permission_denied")
    body = api().post(order_url(number, "ship"), {"carrier": "BRT"}, format="json").json()
    assert body["status"] == "shipped"
    assert stock_drift() == []


@pytest.mark.parametrize("role", ["eshop", "kiosk"])
def test_the_eshop_and_kiosks_may_not_ship(api, net, role):
    number = place(api(), delivery())["number"]
    assert_problem(api(role).post(order_url(number, "ship"), {}, format="json"), 403, "permission_denied")
    assert Order.objects.get(number=number).status == "placed"


def test_shipping_an_unknown_order_is_a_404(api):
    assert_problem(api().post(order_url("W-404404", "ship"), {}, format="json"), 404, "not_found")
    assert_problem(api().post(order_url("W-404404", "cancel"), {}, format="json"), 404, "not_found")
