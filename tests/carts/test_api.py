"""The cart contract through the API (API-CONTRACT.md, Carts): the cross-channel journey (the app starts a
cart for an email, the web adds to it, the kiosk finds it by card, the store checks it out: the order
remembers the app), prices worked out by hand equal to the order placed from the cart, merge, the unhappy
paths, and authorization on every endpoint with another store's client and another customer's cart."""

from decimal import Decimal

import pytest

from carts.api.serializers import CartOut
from carts.models import Cart, CartStatus
from inventory.models import Variant
from orders.models import Order, SalesDay
from orders.services.sales_summary import refresh_sales_summary
from tests.carts.conftest import stock
from tests.conftest import assert_problem
from tests.orders.factories import PromotionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/carts/"
GIULIA = "giulia@example.it"


def cart_url(cart_id, tail=""):
    return f"{URL}{cart_id}/{tail}"


def start(client, **body):
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def carry_out(location="MI-1", channel="store"):
    return {"channel": channel, "fulfilment": {"type": "carry_out", "location": location}}


@pytest.fixture
def promo(net):
    return PromotionFactory(name="Jeans -15%", variant=net["jeans"], value=Decimal("15.00"))


# --- The journey ------------------------------------------------------------------------------------------


def test_app_starts_web_adds_kiosk_finds_by_card_store_checks_out(api, net, promo, giulia):
    stock(net["milano"], net["jeans"], 3)
    app, web, kiosk, store = api("eshop"), api("eshop"), api("kiosk"), api("store")

    cart = start(
        app, channel="app", customer={"email": "Giulia@Example.it"}, lines=[{"sku": "TEE-1", "quantity": 1}]
    )
    assert cart["channel"] == "app" and cart["status"] == "open" and cart["customer_email"] == GIULIA
    assert cart["qr_payload"] == f"omni-cart:{cart['id']}" and cart["order"] is None
    assert cart["identified_by_card"] is True  # the email is a member's

    found = web.get(URL, {"customer_email": GIULIA}).json()["results"]
    assert [c["id"] for c in found] == [cart["id"]]
    web.post(cart_url(cart["id"], "lines/"), {"sku": "TEE-1", "quantity": 1}, format="json")
    body = web.post(cart_url(cart["id"], "lines/"), {"sku": "JNS-1", "quantity": 1}, format="json").json()
    assert [(line["sku"], line["quantity"]) for line in body["lines"]] == [("TEE-1", 2), ("JNS-1", 1)]

    by_card = kiosk.get(URL, {"card_number": giulia.card_number, "channel": "store"}).json()["results"]
    assert [c["id"] for c in by_card] == [cart["id"]]
    shown = by_card[0]
    assert shown["customer_email"] == "g***@example.it"  # masked for the kiosk, as loyalty masks it
    # by hand: 2 x 19.90 = 39.80; 59.90 - 15% (8.985 -> 8.99) = 50.91; 99.70 - 8.99 = 90.71
    assert [
        (ln["unit_price"], ln["discount"], ln["line_total"], ln["promotion"]) for ln in shown["lines"]
    ] == [
        ("19.90", "0.00", "39.80", None),
        ("59.90", "8.99", "50.91", "Jeans -15%"),
    ]
    assert (shown["subtotal"], shown["discount"], shown["total"]) == ("99.70", "8.99", "90.71")

    response = store.post(cart_url(cart["id"], "checkout/"), carry_out(), format="json")
    assert response.status_code == 201, response.content
    order = response.json()
    assert (
        order["channel"] == "store" and order["started_channel"] == "app" and order["status"] == "completed"
    )
    assert response["Location"] == f"/api/v1/orders/{order['number']}/"
    assert [(ln["sku"], ln["quantity"], ln["line_total"]) for ln in order["lines"]] == [
        ("TEE-1", 2, "39.80"),
        ("JNS-1", 1, "50.91"),
    ]
    assert (order["subtotal"], order["discount"], order["total"]) == ("99.70", "8.99", "90.71")
    assert order["customer"]["email"] == GIULIA
    assert Order.objects.get(number=order["number"]).started_channel == "app"

    after = app.get(cart_url(cart["id"])).json()
    assert after["status"] == "converted" and after["order"] == order["number"]
    again = store.post(cart_url(cart["id"], "checkout/"), carry_out(), format="json")
    assert_problem(again, 409, "invalid_transition")
    assert_problem(
        app.post(cart_url(cart["id"], "lines/"), {"sku": "TEE-1", "quantity": 1}, format="json"),
        409,
        "invalid_transition",
    )
    assert web.get(URL, {"customer_email": GIULIA}).json()["results"] == []  # open carts only

    # the channel reports count the sale for the app, where the cart was started
    refresh_sales_summary(rebuild=True)
    rows = SalesDay.objects.filter(category_id__isnull=True)
    assert {(r.channel, r.orders) for r in rows} == {("app", 1)}


def test_the_order_placed_from_a_cart_is_priced_exactly_as_the_cart_showed(api, net, promo):
    eshop = api("eshop")
    cart = start(
        eshop,
        channel="web",
        customer={"email": "anna@example.it"},
        lines=[
            {"sku": "JNS-1", "quantity": 3},
            {"sku": "TEE-1", "quantity": 2},
            {"sku": "TEE-1", "quantity": 1},
        ],
    )
    # by hand: 3 x 59.90 = 179.70 less 3 x 8.99 = 26.97 -> 152.73; 3 x 19.90 = 59.70; total 212.43
    assert [(ln["sku"], ln["quantity"], ln["line_total"]) for ln in cart["lines"]] == [
        ("JNS-1", 3, "152.73"),
        ("TEE-1", 3, "59.70"),
    ]
    assert (cart["subtotal"], cart["discount"], cart["total"]) == ("239.40", "26.97", "212.43")
    body = {
        "channel": "web",
        "fulfilment": {
            "type": "delivery",
            "address": {"line1": "Via Po 2", "city": "Torino", "postcode": "10123", "country": "IT"},
        },
    }
    order = eshop.post(cart_url(cart["id"], "checkout/"), body, format="json").json()
    assert order["started_channel"] == "web"
    assert [(ln["sku"], ln["unit_price"], ln["line_total"], ln["promotion"]) for ln in order["lines"]] == [
        (ln["sku"], ln["unit_price"], ln["line_total"], ln["promotion"]) for ln in cart["lines"]
    ]
    assert (order["subtotal"], order["discount"], order["total"]) == (
        cart["subtotal"],
        cart["discount"],
        cart["total"],
    )


def test_a_promotion_of_another_channel_shows_when_priced_for_that_channel(api, net):
    PromotionFactory(name="Kiosk only", variant=net["tee"], value=Decimal("10.00"), channels=["kiosk"])
    eshop = api("eshop")
    cart = start(eshop, channel="app", customer={"email": GIULIA}, lines=[{"sku": "TEE-1", "quantity": 1}])
    assert cart["total"] == "19.90" and cart["priced_channel"] == "app"
    at_kiosk = eshop.get(cart_url(cart["id"]), {"channel": "kiosk"}).json()
    assert at_kiosk["total"] == "17.91" and at_kiosk["priced_channel"] == "kiosk"
    assert_problem(eshop.get(cart_url(cart["id"]), {"channel": "moon"}), 400, "validation_error")


def test_the_cart_body_is_what_cart_out_documents(api, net, promo):
    cart = start(api("eshop"), channel="web", lines=[{"sku": "JNS-1", "quantity": 1}])
    assert set(cart) == set(CartOut().fields)
    assert set(cart["lines"][0]) == set(CartOut().fields["lines"].child.fields)


def test_an_idempotent_checkout_is_replayed_and_places_one_order(api, net):
    eshop = api("eshop")
    cart = start(eshop, channel="web", customer={"email": GIULIA}, lines=[{"sku": "TEE-1", "quantity": 1}])
    body = {"channel": "web", "fulfilment": {"type": "pickup", "location": "MI-1"}}
    first = eshop.post(cart_url(cart["id"], "checkout/"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = eshop.post(cart_url(cart["id"], "checkout/"), body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert Order.objects.count() == 1


def test_a_checkout_that_cannot_be_had_writes_nothing_and_leaves_the_cart_open(api, net):
    store = api("store")
    cart = start(store, channel="store", lines=[{"sku": "JNS-1", "quantity": 1}])  # MI-1 has no jeans
    assert_problem(
        store.post(cart_url(cart["id"], "checkout/"), carry_out(), format="json"), 409, "insufficient_stock"
    )
    assert Cart.objects.get(pk=cart["id"]).status == CartStatus.OPEN and not Order.objects.exists()
    empty = start(store, channel="store")
    assert_problem(
        store.post(cart_url(empty["id"], "checkout/"), carry_out(), format="json"), 400, "validation_error"
    )


# --- Lines ------------------------------------------------------------------------------------------------


def test_lines_are_added_replaced_and_deleted_and_each_answers_the_cart(api, net):
    eshop = api("eshop")
    cart = start(eshop, channel="web")
    assert cart["lines"] == [] and cart["total"] == "0.00" and cart["customer_email"] is None
    url = cart_url(cart["id"], "lines/")
    eshop.post(url, {"sku": "TEE-1", "quantity": 2}, format="json")
    body = eshop.post(url, {"sku": "TEE-1", "quantity": 3}, format="json").json()
    assert [(ln["sku"], ln["quantity"]) for ln in body["lines"]] == [("TEE-1", 5)]
    body = eshop.put(
        url, {"lines": [{"sku": "JNS-1", "quantity": 1}, {"sku": "TEE-1", "quantity": 1}]}, format="json"
    ).json()
    assert [(ln["sku"], ln["quantity"]) for ln in body["lines"]] == [("TEE-1", 1), ("JNS-1", 1)]
    body = eshop.delete(cart_url(cart["id"], "lines/TEE-1/")).json()
    assert [ln["sku"] for ln in body["lines"]] == ["JNS-1"]
    assert_problem(eshop.delete(cart_url(cart["id"], "lines/TEE-1/")), 404, "not_found")
    assert eshop.put(url, {"lines": []}, format="json").json()["lines"] == []


def test_bad_lines_are_400_naming_the_field_and_change_nothing(api, net):
    eshop = api("eshop")
    cart = start(eshop, channel="web", lines=[{"sku": "TEE-1", "quantity": 1}])
    url = cart_url(cart["id"], "lines/")
    body = assert_problem(
        eshop.post(url, {"sku": "NOPE", "quantity": 1}, format="json"), 400, "validation_error"
    )
    assert "lines.0.sku" in body["errors"]
    assert_problem(eshop.post(url, {"sku": "TEE-1", "quantity": 0}, format="json"), 400, "validation_error")
    assert_problem(eshop.post(url, {"sku": "TEE-1", "quantity": 999}, format="json"), 400, "validation_error")
    body = assert_problem(
        eshop.put(
            url, {"lines": [{"sku": "TEE-1", "quantity": 1}, {"sku": "X", "quantity": 1}]}, format="json"
        ),
        400,
        "validation_error",
    )
    assert "lines.1.sku" in body["errors"]
    assert [(ln["sku"], ln["quantity"]) for ln in eshop.get(cart_url(cart["id"])).json()["lines"]] == [
        ("TEE-1", 1)
    ]
    assert_problem(eshop.post(URL, {"channel": "web", "lines": "x"}, format="json"), 400, "validation_error")


def test_problem_texts_follow_accept_language_and_codes_do_not(api, net):
    eshop = api("eshop")
    cart = start(eshop, channel="web", lines=[{"sku": "TEE-1", "quantity": 1}])
    url = cart_url(cart["id"], "lines/")
    line = {"sku": "NOPE", "quantity": 1}
    english = assert_problem(
        eshop.post(url, line, format="json", HTTP_ACCEPT_LANGUAGE="en"), 400, "validation_error"
    )
    italian = assert_problem(
        eshop.post(url, line, format="json", HTTP_ACCEPT_LANGUAGE="it"), 400, "validation_error"
    )
    assert english["detail"] == "Some lines are invalid: No SKU NOPE in the catalog."
    assert italian["detail"] == "Alcune righe non sono valide: Nessuno SKU NOPE nel catalogo."
    assert english["errors"] == {"lines.0.sku": ["No SKU NOPE in the catalog."]}
    assert italian["errors"] == {"lines.0.sku": ["Nessuno SKU NOPE nel catalogo."]}
    cart_id = "00000000-0000-0000-0000-000000000000"
    gone = assert_problem(eshop.get(cart_url(cart_id), HTTP_ACCEPT_LANGUAGE="it"), 404, "not_found")
    assert gone["detail"] == f"Nessun carrello {cart_id}."
    missing = assert_problem(eshop.get(URL, HTTP_ACCEPT_LANGUAGE="it"), 400, "validation_error")
    assert missing["detail"] == "Indica customer_email oppure card_number."


def test_a_sku_no_longer_on_sale_is_flagged_out_of_the_totals_and_refused_at_checkout(api, net):
    eshop = api("eshop")
    cart = start(
        eshop, channel="web", lines=[{"sku": "TEE-1", "quantity": 1}, {"sku": "JNS-1", "quantity": 1}]
    )
    Variant.objects.filter(sku="JNS-1").update(active=False)
    body = eshop.get(cart_url(cart["id"])).json()
    assert [(ln["sku"], ln["on_sale"], ln["unit_price"]) for ln in body["lines"]] == [
        ("TEE-1", True, "19.90"),
        ("JNS-1", False, None),
    ]
    assert body["total"] == "19.90"
    checkout = {
        "channel": "web",
        "customer": {"email": GIULIA},
        "fulfilment": {"type": "pickup", "location": "MI-1"},
    }
    problem = assert_problem(
        eshop.post(cart_url(cart["id"], "checkout/"), checkout, format="json"), 400, "validation_error"
    )
    assert "lines.1.sku" in problem["errors"]


# --- Merge ------------------------------------------------------------------------------------------------


def test_merge_adds_the_other_carts_lines_and_expires_it(api, net):
    eshop = api("eshop")
    anonymous = start(eshop, channel="app", lines=[{"sku": "TEE-1", "quantity": 1}])
    mine = start(
        eshop,
        channel="web",
        customer={"email": GIULIA},
        lines=[{"sku": "TEE-1", "quantity": 2}, {"sku": "JNS-1", "quantity": 1}],
    )
    body = eshop.post(cart_url(mine["id"], "merge/"), {"from": anonymous["id"]}, format="json").json()
    assert [(ln["sku"], ln["quantity"]) for ln in body["lines"]] == [("TEE-1", 3), ("JNS-1", 1)]
    assert eshop.get(cart_url(anonymous["id"])).json()["status"] == "expired"
    assert_problem(
        eshop.post(cart_url(mine["id"], "merge/"), {"from": anonymous["id"]}, format="json"),
        409,
        "invalid_transition",
    )
    assert_problem(
        eshop.post(cart_url(mine["id"], "merge/"), {"from": mine["id"]}, format="json"),
        409,
        "invalid_transition",
    )
    assert_problem(
        eshop.post(cart_url(anonymous["id"], "merge/"), {"from": mine["id"]}, format="json"),
        409,
        "invalid_transition",
    )
    assert_problem(
        eshop.post(cart_url(mine["id"], "merge/"), {"from": "not-a-cart"}, format="json"), 404, "not_found"
    )
    assert_problem(eshop.post(cart_url(mine["id"], "merge/"), {}, format="json"), 400, "validation_error")


def test_an_anonymous_cart_merged_into_takes_the_customer(api, net):
    eshop = api("eshop")
    anonymous = start(eshop, channel="app", lines=[{"sku": "TEE-1", "quantity": 1}])
    theirs = start(eshop, channel="web", customer={"email": GIULIA})
    body = eshop.post(cart_url(anonymous["id"], "merge/"), {"from": theirs["id"]}, format="json").json()
    assert body["customer_email"] == GIULIA
    assert [c["id"] for c in eshop.get(URL, {"customer_email": GIULIA}).json()["results"]] == [
        anonymous["id"]
    ]


# --- Who may ----------------------------------------------------------------------------------------------


def test_every_endpoint_refuses_another_stores_client_an_anonymous_cart_of_this_store(api, net, roma):
    kiosk, here, elsewhere, eshop = api("kiosk"), api("store"), api("store", location=roma), api("eshop")
    cart = start(kiosk, channel="kiosk", lines=[{"sku": "TEE-1", "quantity": 1}])
    assert cart["location"] == "MI-1"
    other = start(elsewhere, channel="store")
    for client in (elsewhere, eshop):
        assert_problem(client.get(cart_url(cart["id"])), 404, "not_found")
        assert_problem(client.get(cart_url(cart["id"], "qr/")), 404, "not_found")
        assert_problem(
            client.post(cart_url(cart["id"], "lines/"), {"sku": "TEE-1", "quantity": 1}, format="json"),
            404,
            "not_found",
        )
        assert_problem(
            client.put(cart_url(cart["id"], "lines/"), {"lines": []}, format="json"), 404, "not_found"
        )
        assert_problem(client.delete(cart_url(cart["id"], "lines/TEE-1/")), 404, "not_found")
        assert_problem(
            client.post(cart_url(cart["id"], "checkout/"), carry_out("RM-1"), format="json"), 404, "not_found"
        )
    assert_problem(
        elsewhere.post(cart_url(other["id"], "merge/"), {"from": cart["id"]}, format="json"), 404, "not_found"
    )
    assert_problem(
        elsewhere.post(cart_url(cart["id"], "merge/"), {"from": other["id"]}, format="json"), 404, "not_found"
    )
    # its own store reaches it, and draws its QR code
    assert here.get(cart_url(cart["id"])).json()["lines"][0]["quantity"] == 1
    qr = here.get(cart_url(cart["id"], "qr/"))
    assert qr.status_code == 200 and qr.json()["payload"] == f"omni-cart:{cart['id']}"
    assert qr.json()["svg"].startswith("<svg") and f"omni-cart:{cart['id']}" in qr.json()["svg"]
    assert Cart.objects.get(pk=cart["id"]).lines.get().quantity == 1  # nothing changed by the refusals
    # a store cannot start carts at, or check out from, another location
    assert_problem(
        elsewhere.post(URL, {"channel": "store", "location": "MI-1"}, format="json"), 403, "permission_denied"
    )
    assert_problem(
        here.post(cart_url(cart["id"], "checkout/"), carry_out("RM-1"), format="json"),
        403,
        "permission_denied",
    )


def test_an_app_cart_shown_as_a_qr_code_is_opened_by_any_store(api, net, roma):
    app = api("eshop")
    cart = start(app, channel="app", lines=[{"sku": "TEE-1", "quantity": 1}])  # anonymous, online
    elsewhere = api("store", location=roma)
    assert elsewhere.get(cart_url(cart["id"])).json()["id"] == cart["id"]


def test_another_customers_carts_never_show_and_never_merge_or_check_out(api, net, giulia, marco):
    eshop, kiosk = api("eshop"), api("kiosk")
    hers = start(eshop, channel="web", customer={"email": GIULIA}, lines=[{"sku": "TEE-1", "quantity": 1}])
    his = start(
        kiosk, channel="kiosk", card_number=marco.card_number, lines=[{"sku": "TEE-1", "quantity": 2}]
    )
    assert his["customer_email"] == "m***@example.it"
    assert [c["id"] for c in eshop.get(URL, {"customer_email": "marco@example.it"}).json()["results"]] == [
        his["id"]
    ]
    assert [c["id"] for c in kiosk.get(URL, {"card_number": marco.card_number}).json()["results"]] == [
        his["id"]
    ]
    assert [c["id"] for c in kiosk.get(URL, {"card_number": giulia.card_number}).json()["results"]] == [
        hers["id"]
    ]
    assert_problem(
        eshop.post(cart_url(his["id"], "merge/"), {"from": hers["id"]}, format="json"),
        403,
        "permission_denied",
    )
    checkout = {
        "channel": "web",
        "customer": {"email": GIULIA},
        "fulfilment": {"type": "pickup", "location": "MI-1"},
    }
    assert_problem(
        eshop.post(cart_url(his["id"], "checkout/"), checkout, format="json"), 403, "permission_denied"
    )
    assert not Order.objects.exists()
    assert Cart.objects.get(pk=hers["id"]).status == Cart.objects.get(pk=his["id"]).status == CartStatus.OPEN


def test_who_finds_carts_by_what(api, net, giulia):
    eshop, kiosk, store, hq = api("eshop"), api("kiosk"), api("store"), api("integration")
    assert_problem(kiosk.get(URL, {"customer_email": GIULIA}), 403, "permission_denied")
    assert_problem(eshop.get(URL, {"card_number": giulia.card_number}), 403, "permission_denied")
    assert_problem(eshop.get(URL), 400, "validation_error")
    assert_problem(
        hq.get(URL, {"customer_email": GIULIA, "card_number": giulia.card_number}), 400, "validation_error"
    )
    assert_problem(store.get(URL, {"card_number": giulia.card_number, "limit": 0}), 400, "validation_error")
    assert store.get(URL, {"card_number": "0000000000000"}).json()["results"] == []
    assert hq.get(URL, {"customer_email": GIULIA}).json()["results"] == []
    # starting carts: channels by role, cards only where the contract allows
    assert_problem(eshop.post(URL, {"channel": "kiosk"}, format="json"), 403, "permission_denied")
    assert_problem(kiosk.post(URL, {"channel": "web"}, format="json"), 403, "permission_denied")
    assert_problem(
        eshop.post(URL, {"channel": "app", "card_number": giulia.card_number}, format="json"),
        403,
        "permission_denied",
    )
    assert_problem(
        kiosk.post(URL, {"channel": "kiosk", "card_number": "1234567890123"}, format="json"),
        400,
        "validation_error",
    )
    unauthenticated = api("eshop")
    unauthenticated.credentials()
    assert_problem(unauthenticated.get(URL, {"customer_email": GIULIA}), 401, "not_authenticated")
