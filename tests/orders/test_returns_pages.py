"""The returns desk through Django's test client: find the order (number, receipt barcode, email, loyalty
card), see the refund before confirming (nothing written), confirm (stock, refund, receipt page), the
window and a manager's override, an exchange, bad input shown on the form (never a 500)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loyalty.services import enroll_member
from orders.models import Order, Return
from tests.omni.factories import UserFactory
from tests.orders.returns_helpers import (
    EMAIL,
    HQ,
    completed_days_ago,
    make_net,
    on_hand,
    shipped_web_order,
    till_sale,
)

pytestmark = pytest.mark.django_db

DESK = "/orders/returns/"


@pytest.fixture
def net():
    return make_net()


@pytest.fixture
def anna(client, net):
    """An associate at the Roma store (which accepts returns), logged in."""
    user = UserFactory(username="anna", role="associate", locations=[net["roma"]])
    client.force_login(user)
    return user


def money(response, amount: str) -> bool:  # type: ignore[no-untyped-def]
    """The amount is on the page, written the English or the Italian way."""
    return amount.encode() in response.content or amount.replace(".", ",").encode() in response.content


def lines_data(order, **rows):  # type: ignore[no-untyped-def]
    """POST data for the return form: rows = {sku: (quantity, condition, reason)}."""
    data = {"refund_method": "original", "send_to": "", "override_reason": "", "exchange_method": "card"}
    for line in order.lines.all():
        quantity, condition, reason = rows.get(line.sku, (0, "resellable", "changed_mind"))
        data[f"qty_{line.pk}"] = str(quantity)
        data[f"condition_{line.pk}"] = condition
        data[f"reason_{line.pk}"] = reason
    return data


def test_the_desk_finds_an_order_by_number_barcode_email_or_card(client, anna, net):
    member = enroll_member(email=EMAIL, first_name="Giulia", actor=HQ)
    order = shipped_web_order((("TEE-R", 2),))
    other = till_sale(net["milano"], (("CAP-R", 1),), email="other@example.it")
    digits = order.number.split("-")[1]
    for query in (order.number, f" {order.number.lower()} ", f"W'{digits}", EMAIL, member.card_number):
        r = client.get(DESK, {"q": query})
        assert r.status_code == 302 and r["Location"] == f"/orders/returns/{order.number}/", query
    r = client.get(DESK, {"q": "nobody@example.it"})
    assert r.status_code == 200 and b'data-testid="return-no-result"' in r.content
    till_sale(net["milano"], (("CAP-R", 1),))  # a second order of Giulia's
    r = client.get(DESK, {"q": EMAIL})
    assert (
        r.status_code == 200 and order.number.encode() in r.content and other.number.encode() not in r.content
    )
    assert b'data-testid="nav-returns"' in r.content


def test_a_location_that_does_not_accept_returns_has_no_desk(client, net):
    client.force_login(UserFactory(role="associate", locations=[net["outlet"]]))
    order = till_sale(net["milano"], (("TEE-R", 1),))
    r = client.get(DESK, {"q": order.number})
    assert r.status_code == 200 and b'data-testid="no-returns-here"' in r.content
    assert client.get(f"{DESK}{order.number}/").status_code == 302


def test_preview_then_confirm(client, anna, net):
    order = shipped_web_order((("TEE-R", 2), ("CAP-R", 1)))
    page = f"{DESK}{order.number}/"
    assert client.get(page).status_code == 200
    before = on_hand(net["roma"], net["tee"])
    data = lines_data(
        order, **{"TEE-R": (2, "resellable", "wrong_size"), "CAP-R": (1, "damaged", "damaged_on_arrival")}
    )
    r = client.post(page, {**data, "action": "preview"})
    assert r.status_code == 200 and b'data-testid="return-preview"' in r.content
    assert money(r, "49.70")  # 2 x 19.90 + 9.90
    assert Return.objects.count() == 0 and on_hand(net["roma"], net["tee"]) == before
    r = client.post(page, {**data, "action": "confirm"})
    ret = Return.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/orders/returns/r/{ret.number}/"
    assert ret.refund_amount == Decimal("49.70") and ret.location == net["roma"]
    assert on_hand(net["roma"], net["tee"]) == before + 2
    receipt = client.get(r["Location"])
    assert receipt.status_code == 200 and money(receipt, "49.70")
    # nothing left: the page says so; the order's detail lists the return
    assert b'data-testid="nothing-left"' in client.get(page).content
    detail = client.get(f"/orders/{order.number}/")
    assert ret.number.encode() in detail.content and b'data-testid="order-returns"' in detail.content


def test_bad_input_is_shown_on_the_form(client, anna, net):
    order = till_sale(net["milano"], (("TEE-R", 1),))
    page = f"{DESK}{order.number}/"
    for rows in (
        {"TEE-R": (2, "resellable", "wrong_size")},
        {"TEE-R": (0, "resellable", "wrong_size")},
        {"TEE-R": (1, "new", "x")},
    ):
        r = client.post(page, {**lines_data(order, **rows), "action": "confirm"})
        assert r.status_code == 400
    r = client.post(page, {"action": "confirm", "refund_method": "bitcoin"})
    assert r.status_code == 400
    assert Return.objects.count() == 0
    assert client.get(f"{DESK}NOPE-1/").status_code == 404


def test_past_the_window_a_manager_accepts_it_saying_why(client, net):
    order = completed_days_ago(till_sale(net["roma"], (("TEE-R", 1),)), 45)
    page = f"{DESK}{order.number}/"
    client.force_login(UserFactory(role="associate", locations=[net["roma"]]))
    r = client.get(page)
    assert b'data-testid="window-closed"' in r.content
    r = client.post(page, {**lines_data(order, **{"TEE-R": (1, "resellable", "other")}), "action": "confirm"})
    assert r.status_code == 400 and Return.objects.count() == 0
    client.force_login(UserFactory(role="store_manager", locations=[net["roma"]]))
    data = {
        **lines_data(order, **{"TEE-R": (1, "resellable", "other")}),
        "override_reason": "receipt was a gift",
    }
    r = client.post(page, {**data, "action": "confirm"})
    assert r.status_code == 302
    ret = Return.objects.get()
    assert ret.window_overridden and ret.override_reason == "receipt was a gift"


def test_an_exchange_at_the_desk(client, anna, net):
    order = till_sale(net["roma"], (("TEE-R", 1),))
    page = f"{DESK}{order.number}/"
    data = lines_data(order, **{"TEE-R": (1, "resellable", "wrong_size")})
    r = client.post(page, {**data, "action": "add_exchange", "exchange_sku": "JNS-R"})
    assert r.status_code == 200 and b'data-testid="exchange-JNS-R"' in r.content
    r = client.post(page, {**data, "action": "add_exchange", "exchange_sku": "NOPE"})
    assert b"NOPE" in r.content  # an unknown code is said so
    r = client.post(page, {**data, "action": "preview"})
    assert b'data-testid="preview-charge"' in r.content and money(r, "40.00")
    r = client.post(page, {**data, "exchange_method": "cash", "action": "confirm"})
    assert r.status_code == 302
    ret = Return.objects.get()
    assert ret.exchange_order is not None and ret.exchange_charged == Decimal("40.00")
    new = Order.objects.get(pk=ret.exchange_order_id)
    assert (new.status, new.location, new.total) == ("completed", net["roma"], Decimal("59.90"))
    assert client.session.get("orders_return_exchange") is None
