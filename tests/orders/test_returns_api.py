"""Returns through the API, as API-CONTRACT.md promises them: 201 with the contract's fields, resellable
back on hand at the receiving location, damaged not sellable, over-return 400 naming lines.N.quantity, not
completed 409, a location that does not accept returns 400, the window (400 return_window_closed, a manager's
override), roles (store at its own location only, e-shop its own orders, kiosk never), reads, idempotency,
the preview, and the order's detail listing its returns."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory.models import StockMovement
from inventory.selectors import stock_drift
from orders.models import Return
from tests.conftest import assert_problem
from tests.omni.factories import UserFactory
from tests.orders.returns_helpers import (
    available,
    completed_days_ago,
    make_net,
    on_hand,
    shipped_web_order,
    till_sale,
)

pytestmark = pytest.mark.django_db

RETURNS = "/api/v1/returns/"


@pytest.fixture
def net():
    return make_net()


@pytest.fixture
def clients(make_api_client, net):
    return {
        "hq": make_api_client("integration"),
        "shop": make_api_client("eshop"),
        "shop2": make_api_client("eshop"),
        "milano": make_api_client("store", location=net["milano"]),
        "roma": make_api_client("store", location=net["roma"]),
        "kiosk": make_api_client("kiosk", location=net["milano"]),
    }


def body(order, location="MI-RET", lines=(("TEE-R", 1, "resellable"),), **extra):  # type: ignore[no-untyped-def]
    return {
        "order": order.number,
        "location": location,
        "lines": [{"sku": s, "quantity": q, "condition": c} for s, q, c in lines],
        **extra,
    }


def staff(role: str, location) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_login(UserFactory(role=role, locations=[location]))
    return client


def test_a_store_takes_back_an_online_order_201_with_the_contract_fields(net, clients):
    order = shipped_web_order((("TEE-R", 3),))
    before = on_hand(net["roma"], net["tee"])
    r = clients["roma"].post(
        RETURNS,
        body(order, "RM-RET", (("TEE-R", 2, "resellable"), ("TEE-R", 1, "damaged"))),
        format="json",
    )
    assert r.status_code == 201, r.content
    data = r.json()
    for key in (
        "number",
        "order",
        "location",
        "lines",
        "refund_amount",
        "currency",
        "points_reversed",
        "status",
    ):
        assert key in data, key
    assert data["number"].startswith("R-") and r["Location"].endswith(f"/returns/{data['number']}/")
    assert (data["order"], data["location"], data["currency"]) == (order.number, "RM-RET", "EUR")
    assert (
        data["refund_amount"] == "59.70" and data["status"] == "refund_due" and data["points_reversed"] == 0
    )
    assert [(x["sku"], x["quantity"], x["condition"], x["refund_amount"]) for x in data["lines"]] == [
        ("TEE-R", 2, "resellable", "39.80"),
        ("TEE-R", 1, "damaged", "19.90"),
    ]
    assert on_hand(net["roma"], net["tee"]) == before + 2  # the damaged unit is not sellable
    assert available(net["roma"], net["tee"]) == before + 2
    assert StockMovement.objects.filter(reference=data["number"], kind="damage").get().delta == -1
    assert stock_drift() == []
    # the order shows it
    detail = clients["hq"].get(f"/api/v1/orders/{order.number}/").json()
    assert [(x["number"], x["location"], x["refund_amount"]) for x in detail["returns"]] == [
        (data["number"], "RM-RET", "59.70")
    ]
    # and it is read back the same
    again = clients["roma"].get(f"{RETURNS}{data['number']}/")
    assert again.status_code == 200 and again.json() == data


def test_over_return_is_400_naming_the_line(net, clients):
    order = till_sale(net["milano"], (("TEE-R", 2),))
    r = clients["milano"].post(RETURNS, body(order, lines=(("TEE-R", 3, "resellable"),)), format="json")
    assert "lines.0.quantity" in assert_problem(r, 400, "validation_error")["errors"]
    assert (
        clients["milano"]
        .post(RETURNS, body(order, lines=(("TEE-R", 2, "damaged"),)), format="json")
        .status_code
        == 201
    )
    r = clients["milano"].post(RETURNS, body(order), format="json")
    assert "lines.0.quantity" in assert_problem(r, 400, "validation_error")["errors"]
    for bad in (
        {"lines": [{"sku": "TEE-R", "quantity": 1, "condition": "broken"}]},
        {"lines": [{"sku": "TEE-R", "quantity": 0, "condition": "damaged"}]},
        {"lines": "x"},
        {"lines": []},
        {"refund_method": "bitcoin"},
        {"location": ""},
    ):
        r = clients["milano"].post(RETURNS, {**body(order), **bad}, format="json")
        assert_problem(r, 400, "validation_error")
    assert_problem(
        clients["milano"].post(RETURNS, "[]", content_type="application/json"), 400, "validation_error"
    )


def test_not_completed_is_409_and_unknown_is_404(net, clients):
    r = clients["hq"].post(
        "/api/v1/orders/",
        {
            "channel": "web",
            "customer": {"email": "a@example.it"},
            "lines": [{"sku": "TEE-R", "quantity": 1}],
            "fulfilment": {"type": "pickup", "location": "MI-RET"},
        },
        format="json",
    )
    number = r.json()["number"]
    r = clients["hq"].post(
        RETURNS,
        {
            "order": number,
            "location": "MI-RET",
            "lines": [{"sku": "TEE-R", "quantity": 1, "condition": "resellable"}],
        },
        format="json",
    )
    assert_problem(r, 409, "invalid_transition")
    r = clients["hq"].post(
        RETURNS,
        {
            "order": "W-999999",
            "location": "MI-RET",
            "lines": [{"sku": "TEE-R", "quantity": 1, "condition": "resellable"}],
        },
        format="json",
    )
    assert_problem(r, 404, "not_found")


def test_a_location_that_does_not_accept_returns_is_400(net, clients):
    order = till_sale(net["milano"], (("TEE-R", 1),))
    r = clients["hq"].post(RETURNS, body(order, "NO-RET"), format="json")
    assert list(assert_problem(r, 400, "validation_error")["errors"]) == ["location"]


def test_the_window_closed_is_400_and_a_manager_overrides_it(net, clients):
    order = completed_days_ago(till_sale(net["milano"], (("TEE-R", 2),)), 40)
    assert_problem(clients["milano"].post(RETURNS, body(order), format="json"), 400, "return_window_closed")
    # a store tablet or an associate cannot override; a store manager (session) and HQ can
    r = clients["milano"].post(RETURNS, body(order, override_reason="known customer"), format="json")
    assert_problem(r, 403, "permission_denied")
    r = staff("associate", net["milano"]).post(RETURNS, body(order, override_reason="x"), format="json")
    assert_problem(r, 403, "permission_denied")
    r = staff("store_manager", net["milano"]).post(
        RETURNS, body(order, override_reason="gift receipt"), format="json"
    )
    assert r.status_code == 201, r.content
    assert r.json()["window_overridden"] is True and r.json()["override_reason"] == "gift receipt"
    timeline = clients["hq"].get(f"/api/v1/orders/{order.number}/").json()["timeline"]
    assert any(e["kind"] == "return_window_override" and "gift receipt" in e["message"] for e in timeline)
    r = clients["hq"].post(RETURNS, body(order, override_reason="HQ says so"), format="json")
    assert r.status_code == 201


def test_roles_and_locations(net, clients):
    online = shipped_web_order((("TEE-R", 2),))
    mine = shipped_web_order((("TEE-R", 2),))
    # a store only at its own location
    assert_problem(
        clients["milano"].post(RETURNS, body(online, "RM-RET"), format="json"), 403, "permission_denied"
    )
    # a kiosk never
    assert_problem(clients["kiosk"].post(RETURNS, body(online), format="json"), 403, "permission_denied")
    assert_problem(clients["kiosk"].get(RETURNS), 403, "permission_denied")
    # the e-shop receives no return (not even of its own orders): the receiving location or HQ does
    from orders.models import Order

    Order.objects.filter(pk=mine.pk).update(api_client=clients["shop"].client_row)
    assert_problem(
        clients["shop"].post(RETURNS, body(mine, "WH-POST"), format="json"), 403, "permission_denied"
    )
    r = clients["hq"].post(RETURNS, body(mine, "WH-POST"), format="json")
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    # reads: HQ all, the e-shop its own, a store what it received; never another's through an id or a filter
    r2 = clients["roma"].post(RETURNS, body(online, "RM-RET"), format="json")
    roma_number = r2.json()["number"]
    assert {x["number"] for x in clients["hq"].get(RETURNS).json()["results"]} == {number, roma_number}
    assert [x["number"] for x in clients["shop"].get(RETURNS).json()["results"]] == [number]
    assert clients["shop2"].get(RETURNS).json()["results"] == []
    assert [x["number"] for x in clients["roma"].get(RETURNS).json()["results"]] == [roma_number]
    assert clients["milano"].get(RETURNS, {"location": "RM-RET"}).json()["results"] == []
    assert clients["milano"].get(RETURNS, {"order": online.number}).json()["results"] == []
    assert_problem(clients["milano"].get(f"{RETURNS}{roma_number}/"), 404, "not_found")
    assert_problem(clients["shop2"].get(f"{RETURNS}{number}/"), 404, "not_found")
    assert [x["number"] for x in clients["hq"].get(RETURNS, {"order": online.number}).json()["results"]] == [
        roma_number
    ]
    assert clients["roma"].get(f"{RETURNS}{roma_number}/").status_code == 200
    assert_problem(APIClient().get(RETURNS), 401, "not_authenticated")


@pytest.mark.parametrize("role", ["shop", "kiosk"])
def test_eshop_and_kiosk_may_not_receive_returns_and_nothing_goes_back_on_hand(net, clients, role):
    """API-CONTRACT.md gives returns to integration and store only: an e-shop token must not put units back
    on hand at a store where nothing was received (its own order or not, previewed or not)."""
    from orders.models import Order

    order = till_sale(net["milano"], (("TEE-R", 2),))
    Order.objects.filter(pk=order.pk).update(api_client=clients["shop"].client_row)
    before = on_hand(net["milano"], net["tee"])
    for path in (RETURNS, f"{RETURNS}preview/"):
        assert_problem(clients[role].post(path, body(order), format="json"), 403, "permission_denied")
    headers = {"HTTP_IDEMPOTENCY_KEY": f"ret-{role}"}
    assert_problem(
        clients[role].post(RETURNS, body(order), format="json", **headers), 403, "permission_denied"
    )
    assert on_hand(net["milano"], net["tee"]) == before
    assert not Return.objects.exists()
    assert not StockMovement.objects.filter(kind="return").exists()
    # integration and store still receive it
    r = clients["milano"].post(RETURNS, body(order), format="json")
    assert r.status_code == 201, r.content
    r = clients["hq"].post(RETURNS, body(order), format="json")
    assert r.status_code == 201, r.content
    assert on_hand(net["milano"], net["tee"]) == before + 2
    # reads are unchanged: the e-shop still reads the returns of its own orders, the kiosk none
    if role == "shop":
        assert len(clients["shop"].get(RETURNS).json()["results"]) == 2
    else:
        assert_problem(clients["kiosk"].get(RETURNS), 403, "permission_denied")


def test_idempotency_key_replays_and_refuses_a_different_body(net, clients):
    order = till_sale(net["milano"], (("TEE-R", 2),))
    headers = {"HTTP_IDEMPOTENCY_KEY": "ret-1"}
    first = clients["milano"].post(RETURNS, body(order), format="json", **headers)
    again = clients["milano"].post(RETURNS, body(order), format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Return.objects.count() == 1
    r = clients["milano"].post(
        RETURNS, body(order, lines=(("TEE-R", 1, "damaged"),)), format="json", **headers
    )
    assert_problem(r, 422, "idempotency_key_reused")


def test_preview_computes_without_writing(net, clients):
    order = till_sale(net["milano"], (("TEE-R", 1),))
    r = clients["milano"].post(
        f"{RETURNS}preview/",
        body(order, exchange={"lines": [{"sku": "JNS-R", "quantity": 1}], "payment_method": "card"}),
        format="json",
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["preview"] is True and data["number"] == "" and data["refund_amount"] == "19.90"
    assert data["exchange"]["credit"] == "19.90" and data["exchange"]["charged"] == "40.00"
    assert Return.objects.count() == 0 and on_hand(net["milano"], net["jeans"]) == 10
    assert_problem(
        clients["milano"].post(
            f"{RETURNS}preview/", body(order, lines=(("TEE-R", 2, "resellable"),)), format="json"
        ),
        400,
        "validation_error",
    )


def test_an_exchange_through_the_api(net, clients):
    order = till_sale(net["milano"], (("TEE-R", 1),))
    r = clients["milano"].post(
        RETURNS,
        body(order, exchange={"lines": [{"sku": "JNS-R", "quantity": 1}], "payment_method": "cash"}),
        format="json",
    )
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["exchange"]["total"] == "59.90" and data["exchange"]["charged"] == "40.00"
    assert data["refund_paid"] == "0.00" and data["refund_method"] == "return_credit"
    new = clients["milano"].get(f"/api/v1/orders/{data['exchange']['order']}/").json()
    assert new["status"] == "completed" and new["fulfilment"]["location"] == "MI-RET"
    assert sorted((p["method"], p["amount"]) for p in new["payments"]) == [
        ("cash", "40.00"),
        ("return_credit", "19.90"),
    ]
    r = clients["milano"].post(
        RETURNS,
        body(
            till_sale(net["milano"], (("TEE-R", 1),)), exchange={"lines": [{"sku": "TEE-R", "quantity": 99}]}
        ),
        format="json",
    )
    assert_problem(r, 409, "insufficient_stock")
    assert Decimal(data["refund_amount"]) == Decimal("19.90")
