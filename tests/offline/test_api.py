"""The sync API (/api/v1/offline/): who may (staff session at their store, a store client at its own; other
locations 403, other clients 403, nobody 401), bad input 400, the catalog's version and 304, the actions'
201/200/422 answers, and the heartbeat."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory.services import start_count
from offline.models import Device, OfflineAction
from omni.actors import Actor
from orders.models import Order
from tests.conftest import assert_problem
from tests.offline.conftest import sale_body

pytestmark = pytest.mark.django_db

CATALOG = "/api/v1/offline/catalog/"
ACTIONS = "/api/v1/offline/actions/"
HEARTBEAT = "/api/v1/offline/devices/heartbeat/"


def staff(user) -> APIClient:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.force_login(user)
    return api


def test_the_catalog_of_a_store_with_its_version_and_open_counts(world):
    count = start_count(actor=Actor.for_user(world["anna"]), location_id=world["milano"].pk)
    r = staff(world["anna"]).get(CATALOG, {"location": "MI-OFF"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["location"] == "MI-OFF" and body["currency"] == "EUR"
    assert r["ETag"] == f'"{body["version"]}"'
    tee = next(s for s in body["skus"] if s["sku"] == "TEE-OFF")
    assert tee == {
        "sku": "TEE-OFF",
        "gtin": world["tee"].gtin,
        "name": "T-shirt · M · Blu",
        "price": "19.90",
        "vat_rate": "22.00",
        "available": 10,
    }
    assert body["counts"] == [
        {"id": count.pk, "label": count.number, "started_at": body["counts"][0]["started_at"]}
    ]


def test_the_catalog_version_changes_with_a_price_and_304_when_unchanged(world):
    api = staff(world["anna"])
    first = api.get(CATALOG, {"location": "MI-OFF"})
    version = first.json()["version"]
    same = api.get(CATALOG, {"location": "MI-OFF"}, HTTP_IF_NONE_MATCH=f'"{version}"')
    assert same.status_code == 304 and same.content == b"" and same["ETag"] == f'"{version}"'
    tee = world["tee"]
    tee.price = Decimal("21.90")
    tee.save(update_fields=["price"])
    changed = api.get(CATALOG, {"location": "MI-OFF"}, HTTP_IF_NONE_MATCH=f'"{version}"')
    assert changed.status_code == 200 and changed.json()["version"] != version
    assert next(s for s in changed.json()["skus"] if s["sku"] == "TEE-OFF")["price"] == "21.90"
    tee.active = False  # off sale: leaves the catalog, a new version
    tee.save(update_fields=["active"])
    gone = api.get(CATALOG, {"location": "MI-OFF"}).json()
    assert gone["version"] not in (version, changed.json()["version"])
    assert [s["sku"] for s in gone["skus"]] == ["JNS-OFF"]


def test_who_may_use_the_tablet_api(world, make_api_client):
    assert_problem(APIClient().get(CATALOG, {"location": "MI-OFF"}), 401, "not_authenticated")
    assert_problem(staff(world["anna"]).get(CATALOG, {"location": "TO-OFF"}), 403, "permission_denied")
    assert_problem(staff(world["anna"]).get(CATALOG), 400, "validation_error")
    assert_problem(staff(world["anna"]).get(CATALOG, {"location": "XX-NONE"}), 400, "validation_error")
    store = make_api_client("store", location=world["milano"])
    assert store.get(CATALOG, {"location": "MI-OFF"}).status_code == 200
    assert_problem(store.get(CATALOG, {"location": "TO-OFF"}), 403, "permission_denied")
    assert_problem(
        make_api_client("integration").get(CATALOG, {"location": "MI-OFF"}), 403, "permission_denied"
    )
    kiosk = make_api_client("kiosk", location=world["milano"])
    assert_problem(kiosk.get(CATALOG, {"location": "MI-OFF"}), 403, "permission_denied")
    body = sale_body([("TEE-OFF", 1, "19.90")], device=world["device"], location="TO-OFF")
    assert_problem(staff(world["anna"]).post(ACTIONS, body, format="json"), 403, "permission_denied")
    assert_problem(store.post(ACTIONS, body, format="json"), 403, "permission_denied")
    assert not OfflineAction.objects.exists() and not Order.objects.exists()


def test_an_action_is_created_then_replayed_then_refused_with_another_body(world, make_api_client):
    body = sale_body([("TEE-OFF", 2, "19.90")], device=world["device"])
    first = staff(world["anna"]).post(ACTIONS, body, format="json")
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["status"] == "applied" and answer["replayed"] is False and answer["key"] == body["key"]
    assert answer["catalog_version"] == "v-test" == OfflineAction.objects.get().catalog_version
    assert "Idempotent-Replayed" not in first
    number = answer["result"]["order"]
    # the same queue replayed from a second tablet (holding a newer catalog), with a store client: the
    # recorded answer, the first sync's catalog version with it
    store = make_api_client("store", location=world["milano"])
    again = store.post(
        ACTIONS, {**body, "device": str(uuid.uuid4()), "catalog_version": "v-new"}, format="json"
    )
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == {**answer, "replayed": True}
    assert OfflineAction.objects.get().catalog_version == "v-test"
    assert Order.objects.get().number == number
    other = {**body, "payload": {**body["payload"], "payment": {"method": "card"}}}
    assert_problem(staff(world["anna"]).post(ACTIONS, other, format="json"), 422, "idempotency_key_reused")
    assert Order.objects.count() == 1


def test_a_rejected_action_answers_201_rejected(world):
    body = sale_body([("NOPE-1", 1, "1.00")], device=world["device"])
    r = staff(world["anna"]).post(ACTIONS, body, format="json")
    assert r.status_code == 201 and r.json()["status"] == "rejected"
    assert r.json()["error_code"] == "validation_error" and "NOPE-1" in r.json()["error_detail"]
    assert OfflineAction.objects.get().status == "rejected"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"happened_at": "2026-12-05T10:15:00"}, "happened_at"),  # no offset
        ({"kind": "refund"}, "kind"),
        ({"device": "not-a-uuid"}, "device"),
        ({"key": ""}, "key"),
        ({"payload": {"lines": [], "payment": {"method": "cash"}, "total": "0"}}, "payload.lines"),
        (
            {
                "payload": {
                    "lines": [{"sku": "TEE-OFF", "quantity": 1, "unit_price": "19.90"}],
                    "payment": {"method": "cash"},
                    "total": "20.00",
                }
            },
            "payload.total",
        ),
        (
            {
                "payload": {
                    "lines": [{"sku": "TEE-OFF", "quantity": 0, "unit_price": "19.90"}],
                    "payment": {"method": "cash"},
                    "total": "0",
                }
            },
            "payload.lines.0.quantity",
        ),
        (
            {
                "payload": {
                    "lines": [{"sku": "TEE-OFF", "quantity": 1, "unit_price": "19.90"}],
                    "payment": {"method": "bitcoin"},
                    "total": "19.90",
                }
            },
            "payload.payment.method",
        ),
        ({"kind": "count", "payload": {"count": None, "scans": []}}, "payload.scans"),
        ({"kind": "damage", "payload": {"sku": "TEE-OFF"}}, "payload.quantity"),
    ],
)
def test_malformed_actions_are_400(world, change, field):
    body = {**sale_body([("TEE-OFF", 1, "19.90")], device=world["device"]), **change}
    problem = assert_problem(staff(world["anna"]).post(ACTIONS, body, format="json"), 400, "validation_error")
    assert any(key.startswith(field) for key in problem["errors"]), problem["errors"]
    assert not OfflineAction.objects.exists()


def test_the_heartbeat_records_the_tablet(world, make_api_client):
    device = str(world["device"])
    beat = {
        "device": device,
        "label": "Cassa 1",
        "location": "MI-OFF",
        "pending": 4,
        "oldest_pending_at": "2026-12-07T09:00:00+01:00",
        "catalog_version": "abc",
    }
    r = staff(world["anna"]).post(HEARTBEAT, beat, format="json")
    assert r.status_code == 200 and "server_time" in r.json()
    tablet = Device.objects.get(pk=device)
    assert (tablet.label, tablet.pending_actions, tablet.location, tablet.user) == (
        "Cassa 1",
        4,
        world["milano"],
        world["anna"],
    )
    assert tablet.oldest_pending_at.isoformat() == "2026-12-07T08:00:00+00:00"
    store = make_api_client("store", location=world["milano"])
    r = store.post(HEARTBEAT, {**beat, "pending": 0, "oldest_pending_at": None}, format="json")
    assert r.status_code == 200
    tablet.refresh_from_db()
    assert (tablet.pending_actions, tablet.oldest_pending_at, tablet.user) == (0, None, None)
    assert_problem(
        staff(world["anna"]).post(HEARTBEAT, {**beat, "location": "TO-OFF"}, format="json"),
        403,
        "permission_denied",
    )
    assert_problem(
        staff(world["anna"]).post(HEARTBEAT, {**beat, "pending": -1}, format="json"), 400, "validation_error"
    )


def test_the_public_orders_api_never_takes_a_price_or_the_offline_option(world, make_api_client):
    store = make_api_client("store", location=world["milano"])
    data = {
        "channel": "store",
        "lines": [{"sku": "TEE-OFF", "quantity": 1, "unit_price": "0.01"}],
        "fulfilment": {"type": "carry_out", "location": "MI-OFF"},
        "offline_sale": {"paid_prices": {"TEE-OFF": "0.01"}, "happened_at": "2020-01-01T00:00:00+00:00"},
        "paid_prices": {"TEE-OFF": "0.01"},
    }
    r = store.post("/api/v1/orders/", data, format="json")
    assert r.status_code == 201, r.content
    order = Order.objects.get(number=r.json()["number"])
    assert order.lines.get().unit_price == Decimal("19.90") and order.total == Decimal("19.90")
    assert not order.events.filter(kind="offline_sale").exists() and order.created_at.year == 2026
