"""The stock API as API-CONTRACT.md fixes it: availability, movements, levels, alerts and transfers, every
role, another location's data, and the unhappy paths."""

import pytest
from rest_framework.test import APIClient

from inventory import services
from inventory.models import LowStockAlert, Reservation, StockLevel, StockMovement, Transfer
from inventory.services import StockLine
from inventory.services.alerts import evaluate_low_stock
from omni.actors import Actor
from tests.conftest import assert_problem
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor(role="integration")
MOVEMENTS = "/api/v1/stock/movements/"
LEVELS = "/api/v1/stock/levels/"
ALERTS = "/api/v1/stock/alerts/"
TRANSFERS = "/api/v1/transfers/"
ALL_ROLES = ["integration", "eshop", "kiosk", "store"]


def availability_url(sku: str) -> str:
    return f"/api/v1/skus/{sku}/availability/"


@pytest.fixture
def milano():
    return LocationFactory(code="MI-1", latitude="45.464200", longitude="9.190000", default_safety_stock=1)


@pytest.fixture
def roma():
    return LocationFactory(code="RM-1", latitude="41.902800", longitude="12.496400")


@pytest.fixture
def warehouse():
    return WarehouseFactory(code="WH-1", latitude="45.052000", longitude="9.693000")


@pytest.fixture
def tee():
    return VariantFactory(sku="TEE-1")


@pytest.fixture
def api(make_api_client, milano):
    """api("store") -> a client of that role; kiosk and store are bound to MI-1 unless told otherwise."""

    def make(role: str = "integration", location=None) -> APIClient:
        if role in ("kiosk", "store") and location is None:
            location = milano
        return make_api_client(role, location=location)

    return make


def stock(location, variant, quantity: int) -> None:
    services.record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def level(location, variant) -> StockLevel:
    return StockLevel.objects.get(location=location, variant=variant)


def movement(**overrides):
    data = {"location": "MI-1", "sku": "TEE-1", "kind": "receipt", "quantity": 10}
    data.update(overrides)
    return data


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


# --- Availability ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_availability_for_every_role_nearest_first(api, role, milano, roma, warehouse, tee):
    closed = LocationFactory(code="XX-1", click_and_collect=False, ships=False)
    for loc, quantity in ((milano, 3), (roma, 5), (warehouse, 20), (closed, 7)):
        stock(loc, tee, quantity)
    services.reserve_stock(owner="order:1", lines=[StockLine(roma.pk, tee.pk, 2)])

    response = api(role).get(availability_url("TEE-1"), {"near": "41.9,12.5"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sku"] == "TEE-1"
    assert body["available"] == (3 - 1) + (5 - 2) + 20  # XX-1 neither ships nor does click-and-collect
    first = body["locations"][0]
    assert first["location"] == "RM-1" and first["distance_km"] < 1
    assert (first["on_hand"], first["reserved"], first["available"]) == (5, 2, 3)
    assert first["name"] and first["kind"] == "store"
    distances = [loc["distance_km"] for loc in body["locations"]]
    assert distances == sorted(distances)


def test_availability_without_near_and_click_and_collect_only(api, milano, roma, warehouse, tee):
    for loc in (milano, roma, warehouse):
        stock(loc, tee, 4)
    body = api("eshop").get(availability_url("TEE-1")).json()
    assert [loc["location"] for loc in body["locations"]] == ["MI-1", "RM-1", "WH-1"]
    assert all(loc["distance_km"] is None for loc in body["locations"])
    body = api("kiosk").get(availability_url("TEE-1"), {"click_and_collect": "true"}).json()
    assert {loc["location"] for loc in body["locations"]} == {"MI-1", "RM-1"}


def test_availability_of_a_sku_with_no_stock_is_empty(api, tee):
    body = api("eshop").get(availability_url("TEE-1")).json()
    assert body == {"sku": "TEE-1", "available": 0, "locations": []}


@pytest.mark.parametrize("near", ["abc", "91,0", "45,181", "1,2,3", "nan,nan", ","])
def test_availability_with_a_bad_near_is_a_400_naming_it(api, tee, near):
    body = assert_problem(
        api("eshop").get(availability_url("TEE-1"), {"near": near}), 400, "validation_error"
    )
    assert "near" in body["errors"]


def test_availability_with_a_bad_click_and_collect_is_a_400(api, tee):
    response = api("eshop").get(availability_url("TEE-1"), {"click_and_collect": "maybe"})
    assert "click_and_collect" in assert_problem(response, 400, "validation_error")["errors"]


def test_availability_of_an_unknown_sku_is_a_404(api):
    assert_problem(api("eshop").get(availability_url("NOPE-1")), 404, "not_found")


def test_availability_needs_a_token(tee):
    assert_problem(APIClient().get(availability_url("TEE-1")), 401, "not_authenticated")


@pytest.mark.parametrize("extra_locations", [0, 40])
def test_availability_is_one_query_for_the_stock_whatever_the_locations(
    api, milano, roma, warehouse, tee, django_assert_num_queries, extra_locations
):
    for loc in (milano, roma, warehouse, *(LocationFactory() for _ in range(extra_locations))):
        stock(loc, tee, 4)
    client = api("eshop")
    client.get(availability_url("TEE-1"))  # warm up the token's last_used_at and the locations' copy
    # the cache versions (of the token's and the locations' copies) + the SKU with its stock levels
    with django_assert_num_queries(2):
        response = client.get(availability_url("TEE-1"), {"near": "45,9"})
    assert response.status_code == 200 and len(response.json()["locations"]) == 3 + extra_locations


# --- Movements: writes ----------------------------------------------------------------------------------


def test_receipt_answers_the_movement_and_the_new_level(api, milano, tee):
    client = api()
    response = client.post(MOVEMENTS, movement(reference="DDT-1"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["location"] == "MI-1" and body["sku"] == "TEE-1" and body["kind"] == "receipt"
    assert body["delta"] == 10 and body["on_hand_after"] == 10 and body["reference"] == "DDT-1"
    assert body["actor"] == f"api:{client.client_row.name}" and body["created_at"]
    assert body["level"] == {
        "on_hand": 10,
        "reserved": 0,
        "safety_stock": 1,
        "reorder_point": 0,
        "available": 9,
    }
    assert level(milano, tee).on_hand == 10


@pytest.mark.parametrize(
    ("kind", "quantity", "reason", "delta", "on_hand"),
    [
        ("receipt", 5, "", 5, 15),
        ("damage", 2, "broken", -2, 8),
        ("adjustment", -3, "shrinkage", -3, 7),
        ("adjustment", 4, "found", 4, 14),
        ("count", 7, "", -3, 7),
        ("count", 12, "", 2, 12),
        ("count", 10, "", 0, 10),
    ],
)
def test_movement_kinds(api, milano, tee, kind, quantity, reason, delta, on_hand):
    stock(milano, tee, 10)
    response = api().post(MOVEMENTS, movement(kind=kind, quantity=quantity, reason=reason), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["delta"] == delta and body["on_hand_after"] == on_hand and body["level"]["on_hand"] == on_hand
    assert level(milano, tee).on_hand == on_hand


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (movement(quantity=0), "quantity"),
        (movement(quantity=-1), "quantity"),
        (movement(kind="damage", quantity=0), "quantity"),
        (movement(kind="count", quantity=-1), "quantity"),
        (movement(kind="adjustment", quantity=0, reason="found"), "quantity"),
        (movement(kind="adjustment", quantity=-1), "reason"),
        (movement(kind="adjustment", quantity=-1, reason="because"), "reason"),
        (movement(kind="sale"), "kind"),
        (movement(quantity="ten"), "quantity"),
        (movement(quantity=10**9), "quantity"),
        (movement(sku="NOPE-1"), "sku"),
        (movement(sku="bad sku!"), "sku"),
        (movement(location="NOPE"), "location"),
        ({"sku": "TEE-1", "kind": "receipt", "quantity": 1}, "location"),
    ],
)
def test_bad_movements_are_400_naming_the_field(api, milano, tee, data, field):
    body = assert_problem(api().post(MOVEMENTS, data, format="json"), 400, "validation_error")
    assert field in body["errors"], body
    assert not StockMovement.objects.exists()


def test_a_movement_that_would_go_below_reserved_is_409_and_changes_nothing(api, milano, tee):
    stock(milano, tee, 5)
    services.reserve_stock(owner="order:1", lines=[StockLine(milano.pk, tee.pk, 3)])
    client = api()
    for data in (
        movement(kind="damage", quantity=3),
        movement(kind="adjustment", quantity=-6, reason="shrinkage"),
        movement(kind="count", quantity=2),
    ):
        body = assert_problem(client.post(MOVEMENTS, data, format="json"), 409, "insufficient_stock")
        assert body["skus"] == ["TEE-1"]
    lvl = level(milano, tee)
    assert (lvl.on_hand, lvl.reserved) == (5, 3)
    assert StockMovement.objects.count() == 1


@pytest.mark.parametrize("role", ["eshop", "kiosk"])
def test_kiosk_and_eshop_may_not_record_movements(api, milano, tee, role):
    assert_problem(api(role).post(MOVEMENTS, movement(), format="json"), 403, "permission_denied")
    assert not StockMovement.objects.exists()


def test_a_store_records_at_its_own_location_only(api, milano, roma, tee):
    client = api("store", location=milano)
    assert client.post(MOVEMENTS, movement(), format="json").status_code == 201
    response = client.post(MOVEMENTS, movement(location="RM-1"), format="json")
    assert_problem(response, 403, "permission_denied")
    assert not StockMovement.objects.filter(location=roma).exists()


def test_store_staff_session_records_at_their_location(client, milano, roma, tee):
    user = UserFactory(locations=[milano])
    client.force_login(user)
    ok = client.post(MOVEMENTS, movement(), content_type="application/json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["actor"] == user.get_username()
    other = client.post(MOVEMENTS, movement(location="RM-1"), content_type="application/json")
    assert_problem(other, 403, "permission_denied")
    assert [r["location"] for r in results(client.get(MOVEMENTS))] == ["MI-1"]


def test_movements_need_a_token(tee, milano):
    assert_problem(APIClient().post(MOVEMENTS, movement(), format="json"), 401, "not_authenticated")
    assert_problem(APIClient().get(MOVEMENTS), 401, "not_authenticated")


def test_a_movement_is_idempotent(api, milano, tee):
    client = api()
    first = client.post(MOVEMENTS, movement(), format="json", HTTP_IDEMPOTENCY_KEY="mv-1")
    again = client.post(MOVEMENTS, movement(), format="json", HTTP_IDEMPOTENCY_KEY="mv-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert "Idempotent-Replayed" not in first
    assert StockMovement.objects.count() == 1 and level(milano, tee).on_hand == 10
    other = client.post(MOVEMENTS, movement(quantity=11), format="json", HTTP_IDEMPOTENCY_KEY="mv-1")
    assert_problem(other, 422, "idempotency_key_reused")
    # another client's key is its own
    assert api().post(MOVEMENTS, movement(), format="json", HTTP_IDEMPOTENCY_KEY="mv-1").status_code == 201
    assert StockMovement.objects.count() == 2


def test_a_refused_movement_is_replayed_not_retried(api, milano, tee):
    client = api()
    data = movement(kind="damage", quantity=1)
    first = client.post(MOVEMENTS, data, format="json", HTTP_IDEMPOTENCY_KEY="mv-2")
    assert_problem(first, 409, "insufficient_stock")
    stock(milano, tee, 5)
    again = client.post(MOVEMENTS, data, format="json", HTTP_IDEMPOTENCY_KEY="mv-2")
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"
    assert level(milano, tee).on_hand == 5


# --- Movements: the ledger ------------------------------------------------------------------------------


def test_the_ledger_newest_first_with_filters(api, milano, roma, tee):
    shirt = VariantFactory(sku="SHIRT-1")
    stock(milano, tee, 10)
    stock(milano, shirt, 4)
    stock(roma, tee, 6)
    services.record_movement(
        actor=HQ, location_id=milano.pk, variant_id=tee.pk, kind="damage", quantity=1, reason="torn"
    )
    client = api()
    rows = results(client.get(MOVEMENTS))
    assert [(r["location"], r["sku"], r["delta"]) for r in rows] == [
        ("MI-1", "TEE-1", -1),
        ("RM-1", "TEE-1", 6),
        ("MI-1", "SHIRT-1", 4),
        ("MI-1", "TEE-1", 10),
    ]
    assert rows[0]["kind"] == "damage" and rows[0]["reason"] == "torn" and rows[0]["actor"] == "system"
    assert rows[0]["on_hand_after"] == 9 and rows[0]["id"]
    assert [r["delta"] for r in results(client.get(MOVEMENTS, {"location": "MI-1", "sku": "TEE-1"}))] == [
        -1,
        10,
    ]
    assert [r["delta"] for r in results(client.get(MOVEMENTS, {"kind": "damage"}))] == [-1]
    assert [r["sku"] for r in results(client.get(MOVEMENTS, {"location": "mi-1", "sku": "SHIRT-1"}))] == [
        "SHIRT-1"
    ]
    assert results(client.get(MOVEMENTS, {"location": "NOPE"})) == []
    assert results(client.get(MOVEMENTS, {"sku": "NOPE-1"})) == []


def test_the_ledger_is_paginated(api, milano, tee):
    for _ in range(3):
        stock(milano, tee, 1)
    body = api().get(MOVEMENTS, {"limit": 2}).json()
    assert len(body["results"]) == 2 and body["next"] and body["count"] == 3


def test_the_ledger_with_a_bad_filter_is_a_400(api):
    body = assert_problem(api().get(MOVEMENTS, {"kind": "theft"}), 400, "validation_error")
    assert "kind" in body["errors"]


def test_a_store_sees_its_own_ledger_only(api, milano, roma, tee):
    stock(milano, tee, 2)
    stock(roma, tee, 3)
    client = api("store", location=milano)
    assert {r["location"] for r in results(client.get(MOVEMENTS))} == {"MI-1"}
    assert_problem(client.get(MOVEMENTS, {"location": "RM-1"}), 403, "permission_denied")
    assert {r["location"] for r in results(client.get(MOVEMENTS, {"sku": "TEE-1"}))} == {"MI-1"}


@pytest.mark.parametrize("role", ["eshop", "kiosk"])
def test_kiosk_and_eshop_may_not_read_the_ledger_or_levels(api, role):
    assert_problem(api(role).get(MOVEMENTS), 403, "permission_denied")
    assert_problem(api(role).get(LEVELS), 403, "permission_denied")
    assert_problem(api(role).get(ALERTS), 403, "permission_denied")


# --- Levels ---------------------------------------------------------------------------------------------


def test_levels_with_filters(api, milano, roma, tee):
    shirt = VariantFactory(sku="SHIRT-1")
    stock(milano, tee, 10)
    stock(milano, shirt, 1)
    services.set_stock_parameters(location_id=milano.pk, variant_id=shirt.pk, safety_stock=2)  # below it
    stock(roma, tee, 2)
    services.set_stock_parameters(location_id=roma.pk, variant_id=tee.pk, reorder_point=5)
    services.reserve_stock(owner="order:1", lines=[StockLine(milano.pk, tee.pk, 4)])
    client = api()
    rows = results(client.get(LEVELS))
    assert [(r["location"], r["sku"]) for r in rows] == [
        ("MI-1", "SHIRT-1"),
        ("MI-1", "TEE-1"),
        ("RM-1", "TEE-1"),
    ]
    assert rows[1] == {
        "location": "MI-1",
        "sku": "TEE-1",
        "on_hand": 10,
        "reserved": 4,
        "safety_stock": 1,
        "reorder_point": 0,
        "available": 5,
        "last_movement_at": rows[1]["last_movement_at"],
        "last_sale_at": None,
    }
    assert [r["sku"] for r in results(client.get(LEVELS, {"location": "MI-1", "sku": "TEE-1"}))] == ["TEE-1"]
    assert [(r["location"], r["sku"]) for r in results(client.get(LEVELS, {"below_safety": "true"}))] == [
        ("MI-1", "SHIRT-1"),
        ("RM-1", "TEE-1"),
    ]
    assert [(r["location"], r["sku"]) for r in results(client.get(LEVELS, {"out_of_stock": "true"}))] == [
        ("MI-1", "SHIRT-1")
    ]
    assert len(results(client.get(LEVELS, {"out_of_stock": "false"}))) == 2
    assert (
        "below_safety"
        in assert_problem(client.get(LEVELS, {"below_safety": "x"}), 400, "validation_error")["errors"]
    )


def test_a_store_sees_its_own_levels_only(api, milano, roma, tee):
    stock(milano, tee, 2)
    stock(roma, tee, 3)
    client = api("store", location=milano)
    assert [r["location"] for r in results(client.get(LEVELS))] == ["MI-1"]
    assert [r["location"] for r in results(client.get(LEVELS, {"sku": "TEE-1"}))] == ["MI-1"]
    assert_problem(client.get(LEVELS, {"location": "RM-1"}), 403, "permission_denied")


def test_every_level_equals_the_sum_of_its_ledger(api, milano, roma, warehouse, tee):
    """The contract's invariant, read through the API only."""
    shirt = VariantFactory(sku="SHIRT-1")
    client = api()
    for data in (
        movement(location="WH-1", quantity=30),
        movement(location="WH-1", sku="SHIRT-1", quantity=8),
        movement(location="MI-1", quantity=5),
        movement(location="MI-1", kind="adjustment", quantity=-2, reason="shrinkage"),
        movement(location="MI-1", kind="count", quantity=6),
        movement(location="WH-1", sku="SHIRT-1", kind="damage", quantity=1),
    ):
        assert client.post(MOVEMENTS, data, format="json").status_code == 201
    transfer = client.post(
        TRANSFERS,
        {"from_location": "WH-1", "to_location": "RM-1", "lines": [{"sku": "TEE-1", "quantity": 7}]},
        format="json",
    ).json()
    client.post(f"{TRANSFERS}{transfer['id']}/ship/", {}, format="json")
    client.post(
        f"{TRANSFERS}{transfer['id']}/receive/",
        {"lines": [{"sku": "TEE-1", "quantity": 6, "reason": "one missing"}]},
        format="json",
    )
    services.reserve_stock(owner="order:9", lines=[StockLine(milano.pk, tee.pk, 2)])
    services.consume_reservations(owner="order:9", actor=HQ)
    assert shirt.pk

    levels = results(client.get(LEVELS, {"limit": 200}))
    assert len(levels) == 4
    for row in levels:
        ledger = results(
            client.get(MOVEMENTS, {"location": row["location"], "sku": row["sku"], "limit": 200})
        )
        assert row["on_hand"] == sum(entry["delta"] for entry in ledger), row
        assert ledger[0]["on_hand_after"] == row["on_hand"]
    on_hand = {(r["location"], r["sku"]): r["on_hand"] for r in levels}
    assert on_hand == {
        ("WH-1", "TEE-1"): 23,
        ("WH-1", "SHIRT-1"): 7,
        ("MI-1", "TEE-1"): 4,
        ("RM-1", "TEE-1"): 6,
    }


# --- Alerts ---------------------------------------------------------------------------------------------


def test_open_low_stock_alerts(api, milano, roma, tee):
    stock(milano, tee, 3)
    stock(roma, tee, 3)
    for loc in (milano, roma):
        lvl = services.set_stock_parameters(location_id=loc.pk, variant_id=tee.pk, reorder_point=5)
        evaluate_low_stock([lvl.pk])
    assert LowStockAlert.objects.count() == 2
    rows = results(api().get(ALERTS))
    assert [(r["location"], r["sku"], r["reorder_point"]) for r in rows] == [
        ("MI-1", "TEE-1", 5),
        ("RM-1", "TEE-1", 5),
    ]
    store = api("store", location=milano)
    assert [r["location"] for r in results(store.get(ALERTS))] == ["MI-1"]
    assert_problem(store.get(ALERTS, {"location": "RM-1"}), 403, "permission_denied")


# --- Transfers ------------------------------------------------------------------------------------------


def transfer_body(**overrides):
    data = {"from_location": "WH-1", "to_location": "MI-1", "lines": [{"sku": "TEE-1", "quantity": 4}]}
    data.update(overrides)
    return data


def test_a_transfer_requested_shipped_and_received_with_a_shortfall(api, milano, warehouse, tee):
    shirt = VariantFactory(sku="SHIRT-1")
    stock(warehouse, tee, 10)
    stock(warehouse, shirt, 5)
    client = api()
    lines = [{"sku": "TEE-1", "quantity": 4}, {"sku": "SHIRT-1", "quantity": 2}]
    created = client.post(TRANSFERS, transfer_body(lines=lines, reference="REPL-7"), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    url = f"{TRANSFERS}{body['id']}/"
    assert created["Location"] == url
    assert body["status"] == "requested" and body["number"].startswith("T-") and body["reference"] == "REPL-7"
    assert (body["from_location"], body["to_location"]) == ("WH-1", "MI-1")
    assert [(line["sku"], line["quantity"], line["quantity_received"]) for line in body["lines"]] == [
        ("TEE-1", 4, None),
        ("SHIRT-1", 2, None),
    ]
    assert level(warehouse, tee).reserved == 4

    shipped = client.post(f"{url}ship/", {"carrier": "BRT", "tracking": "X1"}, format="json")
    assert shipped.status_code == 200, shipped.content
    assert shipped.json()["status"] == "shipped" and shipped.json()["carrier"] == "BRT"
    assert (level(warehouse, tee).on_hand, level(warehouse, tee).reserved) == (6, 0)
    out = results(client.get(MOVEMENTS, {"location": "WH-1", "kind": "transfer_out"}))
    assert {(r["sku"], r["delta"], r["reference"]) for r in out} == {
        ("TEE-1", -4, f"transfer:{body['number']}"),
        ("SHIRT-1", -2, f"transfer:{body['number']}"),
    }

    received = client.post(
        f"{url}receive/", {"lines": [{"sku": "TEE-1", "quantity": 3, "reason": "box torn"}]}, format="json"
    )
    assert received.status_code == 200, received.content
    got = received.json()
    assert got["status"] == "received" and got["received_at"]
    assert [
        (line["sku"], line["quantity_received"], line["shortfall"], line["shortfall_reason"])
        for line in got["lines"]
    ] == [("TEE-1", 3, 1, "box torn"), ("SHIRT-1", 2, 0, "")]
    assert level(milano, tee).on_hand == 3 and level(milano, shirt).on_hand == 2
    assert client.get(url).json() == got


def test_a_transfer_received_in_full_without_lines(api, milano, warehouse, tee):
    stock(warehouse, tee, 10)
    client = api()
    url = f"{TRANSFERS}{client.post(TRANSFERS, transfer_body(), format='json').json()['id']}/"
    client.post(f"{url}ship/")
    received = client.post(f"{url}receive/")
    assert received.status_code == 200, received.content
    assert received.json()["lines"][0]["quantity_received"] == 4
    assert level(milano, tee).on_hand == 4


def test_a_transfer_without_the_stock_is_409_and_writes_nothing(api, milano, warehouse, tee):
    stock(warehouse, tee, 3)
    body = assert_problem(api().post(TRANSFERS, transfer_body(), format="json"), 409, "insufficient_stock")
    assert body["skus"] == ["TEE-1"]
    assert not Transfer.objects.exists() and not Reservation.objects.exists()
    assert level(warehouse, tee).reserved == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (transfer_body(lines=[]), "lines"),
        (transfer_body(lines=[{"sku": "TEE-1", "quantity": 0}]), "lines.0.quantity"),
        (
            transfer_body(lines=[{"sku": "TEE-1", "quantity": 1}, {"sku": "NOPE-1", "quantity": 1}]),
            "lines.1.sku",
        ),
        (transfer_body(to_location="WH-1"), "to_location"),
        (transfer_body(to_location="wh-1"), "to_location"),
        (transfer_body(from_location="NOPE"), "from_location"),
        (transfer_body(to_location="NOPE"), "to_location"),
        ({"from_location": "WH-1", "to_location": "MI-1"}, "lines"),
    ],
)
def test_bad_transfers_are_400_naming_the_field(api, milano, warehouse, tee, data, field):
    stock(warehouse, tee, 10)
    body = assert_problem(api().post(TRANSFERS, data, format="json"), 400, "validation_error")
    assert field in body["errors"], body
    assert not Transfer.objects.exists()


def test_transfer_transitions_in_the_wrong_state_are_409(api, milano, warehouse, tee):
    stock(warehouse, tee, 10)
    client = api()
    url = f"{TRANSFERS}{client.post(TRANSFERS, transfer_body(), format='json').json()['id']}/"
    assert_problem(client.post(f"{url}receive/"), 409, "invalid_transition")
    assert client.post(f"{url}ship/").status_code == 200
    assert_problem(client.post(f"{url}ship/"), 409, "invalid_transition")
    assert_problem(client.post(f"{url}cancel/"), 409, "invalid_transition")
    assert client.post(f"{url}receive/").status_code == 200
    assert_problem(client.post(f"{url}receive/"), 409, "invalid_transition")
    assert level(milano, tee).on_hand == 4


def test_receiving_a_sku_not_on_the_transfer_or_too_many_is_400(api, milano, warehouse, tee):
    VariantFactory(sku="SHIRT-1")
    stock(warehouse, tee, 10)
    client = api()
    url = f"{TRANSFERS}{client.post(TRANSFERS, transfer_body(), format='json').json()['id']}/"
    client.post(f"{url}ship/")
    for lines, field in (
        ([{"sku": "SHIRT-1", "quantity": 1}], "lines.0.sku"),
        ([{"sku": "NOPE-1", "quantity": 1}], "lines.0.sku"),
        ([{"sku": "TEE-1", "quantity": 5}], "lines.0.quantity"),
        ([{"sku": "TEE-1", "quantity": -1}], "lines.0.quantity"),
    ):
        body = assert_problem(
            client.post(f"{url}receive/", {"lines": lines}, format="json"), 400, "validation_error"
        )
        assert field in body["errors"], body
    assert client.get(url).json()["status"] == "shipped"


def test_cancelling_a_transfer_releases_its_stock(api, milano, warehouse, tee):
    stock(warehouse, tee, 10)
    client = api()
    url = f"{TRANSFERS}{client.post(TRANSFERS, transfer_body(), format='json').json()['id']}/"
    cancelled = client.post(f"{url}cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert level(warehouse, tee).reserved == 0
    assert_problem(client.post(f"{url}ship/"), 409, "invalid_transition")


def test_transfer_lists_and_filters(api, milano, roma, warehouse, tee):
    stock(warehouse, tee, 10)
    client = api()
    to_milano = client.post(TRANSFERS, transfer_body(), format="json").json()
    to_roma = client.post(TRANSFERS, transfer_body(to_location="RM-1"), format="json").json()
    client.post(f"{TRANSFERS}{to_roma['id']}/ship/")
    assert [t["id"] for t in results(client.get(TRANSFERS))] == [to_roma["id"], to_milano["id"]]
    assert [t["id"] for t in results(client.get(TRANSFERS, {"status": "shipped"}))] == [to_roma["id"]]
    assert [t["id"] for t in results(client.get(TRANSFERS, {"location": "MI-1"}))] == [to_milano["id"]]
    assert_problem(client.get(TRANSFERS, {"status": "lost"}), 400, "validation_error")
    assert_problem(client.get(f"{TRANSFERS}999999/"), 404, "not_found")


def test_store_clients_and_transfers(api, milano, roma, warehouse, tee):
    stock(warehouse, tee, 10)
    stock(milano, tee, 5)
    hq = api()
    milano_store = api("store", location=milano)
    roma_store = api("store", location=roma)
    warehouse_store = api("store", location=warehouse)

    # a store asks the warehouse for stock: a transfer to its own location
    created = milano_store.post(TRANSFERS, transfer_body(), format="json")
    assert created.status_code == 201, created.content
    url = f"{TRANSFERS}{created.json()['id']}/"
    # between two other locations: refused, nothing written
    assert_problem(roma_store.post(TRANSFERS, transfer_body(), format="json"), 403, "permission_denied")
    assert Transfer.objects.count() == 1

    # another location's transfer is not visible by id, in the list, or to act on
    assert_problem(roma_store.get(url), 404, "not_found")
    assert results(roma_store.get(TRANSFERS)) == []
    assert results(roma_store.get(TRANSFERS, {"location": "MI-1"})) == []
    for verb in ("ship", "receive", "cancel"):
        assert_problem(roma_store.post(f"{url}{verb}/"), 404, "not_found")

    # the destination may not ship; the source ships; the source may not receive; the destination receives
    assert_problem(milano_store.post(f"{url}ship/"), 403, "permission_denied")
    assert warehouse_store.post(f"{url}ship/").status_code == 200
    assert_problem(warehouse_store.post(f"{url}receive/"), 403, "permission_denied")
    assert milano_store.post(f"{url}receive/").status_code == 200
    assert level(milano, tee).on_hand == 9
    assert [t["id"] for t in results(milano_store.get(TRANSFERS))] == [created.json()["id"]]
    assert hq.get(url).json()["status"] == "received"

    # a store sends stock out of its own location
    out = milano_store.post(TRANSFERS, transfer_body(from_location="MI-1", to_location="RM-1"), format="json")
    assert out.status_code == 201, out.content
    assert milano_store.post(f"{TRANSFERS}{out.json()['id']}/ship/").status_code == 200


@pytest.mark.parametrize("role", ["eshop", "kiosk"])
def test_kiosk_and_eshop_may_not_touch_transfers(api, milano, warehouse, tee, role):
    stock(warehouse, tee, 10)
    transfer = api().post(TRANSFERS, transfer_body(), format="json").json()
    client = api(role)
    assert_problem(client.post(TRANSFERS, transfer_body(), format="json"), 403, "permission_denied")
    assert_problem(client.get(TRANSFERS), 403, "permission_denied")
    assert_problem(client.get(f"{TRANSFERS}{transfer['id']}/"), 403, "permission_denied")
    assert_problem(client.post(f"{TRANSFERS}{transfer['id']}/ship/"), 403, "permission_denied")
    assert Transfer.objects.count() == 1


def test_transfers_need_a_token():
    assert_problem(APIClient().get(TRANSFERS), 401, "not_authenticated")
    assert_problem(APIClient().post(TRANSFERS, transfer_body(), format="json"), 401, "not_authenticated")


def test_a_transfer_is_idempotent(api, milano, warehouse, tee):
    stock(warehouse, tee, 10)
    client = api()
    first = client.post(TRANSFERS, transfer_body(), format="json", HTTP_IDEMPOTENCY_KEY="tr-1")
    again = client.post(TRANSFERS, transfer_body(), format="json", HTTP_IDEMPOTENCY_KEY="tr-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert Transfer.objects.count() == 1 and level(warehouse, tee).reserved == 4


# --- Counts ---------------------------------------------------------------------------------------------

COUNTS = "/api/v1/stock/counts/"


def test_a_blind_count_started_entered_and_posted(api, milano, tee):
    shirt = VariantFactory(sku="SHIRT-1")
    stock(milano, tee, 10)
    stock(milano, shirt, 4)
    client = api("store", location=milano)
    created = client.post(COUNTS, {"location": "MI-1"}, format="json")
    assert created.status_code == 201, created.content
    count = created.json()
    url = f"{COUNTS}{count['id']}/"
    assert created["Location"] == url
    assert count["status"] == "open" and count["blind"] is True and count["number"].startswith("C-")
    assert count["lines_total"] == 2 and count["lines_counted"] == 0
    assert {line["sku"] for line in count["lines"]} == {"TEE-1", "SHIRT-1"}

    entry = client.post(f"{url}entries/", {"sku": "TEE-1", "counted": 5}, format="json")
    assert entry.status_code == 200, entry.content
    assert entry.json()["counted"] == 5 and "on_hand_at_count" not in entry.json()  # blind
    client.post(f"{url}entries/", {"sku": "TEE-1", "counted": 3, "add": True}, format="json")
    # a sale between the count and the posting is neither lost nor counted twice
    services.reserve_stock(owner="order:1", lines=[StockLine(milano.pk, tee.pk, 1)])
    services.consume_reservations(owner="order:1", actor=HQ)
    detail = client.get(url).json()
    assert detail["lines_counted"] == 1
    assert all("on_hand_at_count" not in line for line in detail["lines"])

    posted = client.post(f"{url}post/", {}, format="json")
    assert posted.status_code == 200, posted.content
    lines = {line["sku"]: line for line in posted.json()["lines"]}
    assert posted.json()["status"] == "posted"
    assert lines["TEE-1"]["counted"] == 8 and lines["TEE-1"]["variance"] == -2
    assert lines["SHIRT-1"]["counted"] is None  # never counted: left alone
    assert level(milano, tee).on_hand == 7 and level(milano, shirt).on_hand == 4
    [entry] = results(client.get(MOVEMENTS, {"kind": "count"}))
    assert entry["delta"] == -2 and entry["reference"] == f"count:{count['number']}"
    assert_problem(client.post(f"{url}post/"), 409, "invalid_transition")
    assert_problem(
        client.post(f"{url}entries/", {"sku": "TEE-1", "counted": 1}, format="json"),
        409,
        "invalid_transition",
    )
    assert [c["id"] for c in results(client.get(COUNTS, {"status": "posted"}))] == [count["id"]]


def test_count_unhappy_paths(api, milano, roma, tee):
    stock(milano, tee, 2)
    client = api()
    for data, field in (
        ({"location": "NOPE"}, "location"),
        ({"location": "MI-1", "category": "nope"}, "category"),
        ({}, "location"),
    ):
        body = assert_problem(client.post(COUNTS, data, format="json"), 400, "validation_error")
        assert field in body["errors"]
    url = f"{COUNTS}{client.post(COUNTS, {'location': 'MI-1', 'blind': False}, format='json').json()['id']}/"
    for data, field in (
        ({"sku": "NOPE-1", "counted": 1}, "sku"),
        ({"sku": "TEE-1", "counted": -1}, "counted"),
    ):
        body = assert_problem(client.post(f"{url}entries/", data, format="json"), 400, "validation_error")
        assert field in body["errors"]
    entry = client.post(f"{url}entries/", {"sku": "TEE-1", "counted": 1}, format="json").json()
    assert entry["on_hand_at_count"] == 2  # not blind
    assert client.post(f"{url}cancel/").json()["status"] == "cancelled"
    assert_problem(client.post(f"{url}post/"), 409, "invalid_transition")
    assert level(milano, tee).on_hand == 2

    # another location's count: not visible, not to be started
    roma_store = api("store", location=roma)
    assert_problem(roma_store.get(url), 404, "not_found")
    assert_problem(
        roma_store.post(f"{url}entries/", {"sku": "TEE-1", "counted": 1}, format="json"), 404, "not_found"
    )
    assert results(roma_store.get(COUNTS)) == []
    assert_problem(roma_store.post(COUNTS, {"location": "MI-1"}, format="json"), 403, "permission_denied")
    assert_problem(api("kiosk").post(COUNTS, {"location": "MI-1"}, format="json"), 403, "permission_denied")
    assert_problem(api("eshop").get(COUNTS), 403, "permission_denied")


# --- Query counts ---------------------------------------------------------------------------------------


def queries_for(client, url) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [MOVEMENTS, LEVELS, TRANSFERS, COUNTS])
def test_lists_cost_the_same_queries_for_1_or_many_rows(api, milano, warehouse, url):
    client = api()
    client.get(url)  # warm up the token's last_used_at

    def add_rows(n: int) -> None:
        for _ in range(n):
            variant = VariantFactory()
            stock(warehouse, variant, 5)
            services.request_transfer(
                actor=HQ,
                from_location_id=warehouse.pk,
                to_location_id=milano.pk,
                lines=[services.TransferLineInput(variant_id=variant.pk, quantity=1)],
            )
            services.start_count(actor=HQ, location_id=warehouse.pk)

    add_rows(1)
    few = queries_for(client, url)
    add_rows(8)
    assert queries_for(client, url) == few
