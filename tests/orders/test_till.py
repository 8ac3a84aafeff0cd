"""The till through Django's test client: every scan and quantity is checked against the units of this store
(refused with the SKU and the units named, the basket as it was), removing a line or emptying the basket can
be undone once, a loyalty card attaches its member (name, tier, points), points are redeemed and earned
through the one placement path (totals worked out by hand), bad cards and points are messages, and the
receipts (full, gift, return) print at 80 mm for the store's staff and HQ only, in Italian and English."""

from decimal import Decimal

import pytest

from inventory.models import StockLevel
from inventory.services import record_movement
from loyalty import services as loyalty
from loyalty.cards import check_digit
from loyalty.models import LedgerEntry, Member
from omni.actors import Actor
from orders.models import Order
from orders.services import (
    CustomerInput,
    FulfilmentInput,
    LineInput,
    PaymentInput,
    ReturnLineInput,
    create_return,
    place_order,
)
from orders.views.till import BASKET_KEY, UNDO_KEY
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.orders.factories import PromotionFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
URL = "/orders/counter/"
EMAIL = "giulia.rossi@example.it"


def receive(location, variant, quantity):
    record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


@pytest.fixture
def net():
    milano = LocationFactory(
        code="MI-TILL",
        name="Milano Brera",
        address="Via Brera 12",
        postcode="20121",
        city="Milano",
        accepts_returns=True,
    )
    torino = LocationFactory(code="TO-TILL", name="Torino Centro")
    tee = VariantFactory(product=ProductFactory(name="T-shirt cotone"), sku="TEE-T", price=Decimal("19.90"))
    jeans = VariantFactory(product=ProductFactory(name="Jeans slim"), sku="JNS-T", price=Decimal("59.90"))
    last = VariantFactory(product=ProductFactory(name="Sciarpa"), sku="LAST-1", price=Decimal("25.00"))
    receive(milano, tee, 10)
    receive(milano, jeans, 10)
    receive(milano, last, 1)
    receive(torino, last, 50)  # plenty elsewhere: only this store's units count at its till
    return {"milano": milano, "torino": torino, "tee": tee, "jeans": jeans, "last": last}


@pytest.fixture
def anna(client, net):
    user = UserFactory(username="anna-till", first_name="Anna", role="associate", locations=[net["milano"]])
    client.force_login(user)
    return user


@pytest.fixture
def member():
    m = loyalty.enroll_member(email=EMAIL, first_name="Giulia", last_name="Rossi", actor=HQ)
    loyalty.adjust(member=m, points=500, reason="welcome", actor=HQ)
    m.refresh_from_db()
    return m


def post(client, **data):
    return client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en", follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def lines(client):
    return client.session[BASKET_KEY]["lines"] if BASKET_KEY in client.session else {}


def balance(member):
    member.refresh_from_db()
    return member.points_balance


# --- Stock checked as lines are added -------------------------------------------------------------------


def test_a_scan_beyond_the_units_of_this_store_is_refused_and_the_basket_keeps_its_quantity(
    client, anna, net
):
    assert post(client, action="add", sku="LAST-1", quantity="").status_code == 200  # empty quantity: 1 unit
    assert lines(client) == {"LAST-1": 1}
    again = post(client, action="add", sku="LAST-1")
    assert lines(client) == {"LAST-1": 1}
    assert any(
        "LAST-1" in m and "1 available" in m and "2 wanted" in m and "keeps 1" in m
        for m in messages_of(again)
    ), messages_of(again)
    fifty = post(client, action="add", sku="LAST-1", quantity="50")
    assert lines(client) == {"LAST-1": 1} and any("51 wanted" in m for m in messages_of(fifty))  # 1 + 50
    changed = post(client, action="set", sku="LAST-1", quantity="3")
    assert lines(client) == {"LAST-1": 1} and any("3 wanted" in m for m in messages_of(changed))

    italian = client.post(URL, {"action": "add", "sku": "LAST-1"}, HTTP_ACCEPT_LANGUAGE="it", follow=True)
    assert any("LAST-1" in m and "1 disponibil" in m for m in messages_of(italian)), messages_of(italian)


def test_a_sku_not_on_sale_is_refused_at_the_scan(client, anna, net):
    net["jeans"].active = False
    net["jeans"].save(update_fields=["active"])
    refused = post(client, action="add", sku="JNS-T")
    assert any("JNS-T is not on sale" in m for m in messages_of(refused)) and lines(client) == {}


def test_units_held_for_orders_are_not_for_sale_and_each_line_shows_what_is_available(client, anna, net):
    place_order(  # a pickup holds 4 of the 10 tees
        actor=HQ,
        channel="web",
        customer=CustomerInput(email="luca@example.it"),
        lines=[LineInput("TEE-T", 4)],
        fulfilment=FulfilmentInput(type="pickup", location="MI-TILL"),
    )
    for _ in range(3):  # three scans of the same barcode: three units
        post(client, action="add", sku=net["tee"].gtin)
    assert lines(client) == {"TEE-T": 3}
    post(client, action="set", sku="TEE-T", quantity="6")
    assert lines(client) == {"TEE-T": 6}
    refused = post(client, action="set", sku="TEE-T", quantity="7")
    assert lines(client) == {"TEE-T": 6} and any("6 available" in m for m in messages_of(refused))
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    row = page.content.decode().split('data-testid="basket-TEE-T"')[1].split("</tr>")[0]
    assert 'data-testid="basket-available">6<' in row
    assert page.context["priced"][0][2] == 6


def test_the_scan_box_has_the_focus_and_enter_in_the_payment_form_never_pays(client, anna, net):
    post(client, action="add", sku="TEE-T")
    html = client.get(URL).content.decode()
    scan = html.split('data-testid="scan"')[0].rsplit("<input", 1)[1]
    assert "autofocus" in scan
    assert html.count("autofocus") == 1  # the card box and the quantities do not take it
    checkout = html.split('data-testid="checkout-form"')[1].split("</form>")[0]
    first_button = checkout.split("<button", 1)[1].split(">", 1)[0]
    assert "disabled" in first_button and 'type="submit"' in first_button  # the default button does nothing


# --- Undo -------------------------------------------------------------------------------------------------


def test_removing_a_line_or_emptying_the_basket_can_be_undone_once(client, anna, net, member):
    post(client, action="add", sku="TEE-T", quantity="2")
    post(client, action="add", sku="JNS-T")
    post(client, action="card", card=member.card_number)
    removed = post(client, action="remove", sku="TEE-T")
    assert lines(client) == {"JNS-T": 1}
    assert b'data-testid="undo-bar"' in removed.content and b"TEE-T was removed" in removed.content
    post(client, action="undo")
    assert lines(client) == {"TEE-T": 2, "JNS-T": 1} and UNDO_KEY not in client.session
    assert b'data-testid="undo-bar"' not in client.get(URL).content

    post(client, action="set", sku="JNS-T", quantity="0")  # 0 removes the line: undoable too
    assert lines(client) == {"TEE-T": 2}
    post(client, action="undo")
    assert lines(client) == {"TEE-T": 2, "JNS-T": 1}

    post(client, action="clear")
    assert BASKET_KEY not in client.session
    post(client, action="undo")
    basket = client.session[BASKET_KEY]
    assert basket["lines"] == {"TEE-T": 2, "JNS-T": 1} and basket["member"] == member.pk

    post(client, action="remove", sku="TEE-T")
    post(client, action="add", sku="TEE-T")  # any other step ends the offer
    post(client, action="undo")
    assert lines(client) == {"JNS-T": 1, "TEE-T": 1}


# --- Loyalty ----------------------------------------------------------------------------------------------


def test_a_card_attaches_its_member_showing_name_tier_and_points(client, anna, net, member):
    card = member.card_number
    attached = post(client, action="card", card=f"{card[:4]} {card[4:8]}-{card[8:]}")  # typed with spaces
    assert any("Giulia Rossi" in m and "500 points" in m for m in messages_of(attached))
    assert client.session[BASKET_KEY]["member"] == member.pk
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="member-name">Giulia Rossi<' in html
    assert 'data-testid="member-tier">Bronze<' in html
    assert "500 (spendable now: 500)" in html
    post(client, action="card-remove")
    assert BASKET_KEY not in client.session
    post(client, action="add", sku="TEE-T")
    scanned = post(client, action="add", sku=card)  # the card scanned into the SKU box attaches it too
    assert client.session[BASKET_KEY]["member"] == member.pk and lines(client) == {"TEE-T": 1}
    assert any("Giulia Rossi" in m for m in messages_of(scanned))


def test_bad_cards_are_messages_and_lose_nothing(client, anna, net, member):
    post(client, action="add", sku="TEE-T")
    body = "290000000001"
    unknown = body + check_digit(body)
    for card, words in (
        (unknown, "No active loyalty member has card"),
        (body + str((int(check_digit(body)) + 1) % 10), "not a valid card number"),
        ("12345", "13 digits"),
    ):
        response = post(client, action="card", card=card)
        assert response.status_code == 200
        assert any(words in m for m in messages_of(response)), messages_of(response)
        assert lines(client) == {"TEE-T": 1} and client.session[BASKET_KEY]["member"] is None
    old_card = member.card_number
    loyalty.erase_customer(customer=member.customer, actor=HQ, reason="asked to be forgotten")
    erased = post(client, action="card", card=old_card)
    assert any("No active loyalty member" in m for m in messages_of(erased))
    assert client.session[BASKET_KEY]["member"] is None


def test_a_merged_members_card_leads_to_the_member_it_was_merged_into(client, anna, net, member):
    duplicate = loyalty.enroll_member(email="giulia.old@example.it", first_name="Giulia", actor=HQ)
    loyalty.merge_customers(keep=member.customer, merge=duplicate.customer, actor=HQ, reason="same person")
    post(client, action="card", card=duplicate.card_number)
    assert client.session[BASKET_KEY]["member"] == member.pk


def test_a_member_erased_after_the_scan_is_not_charged_points(client, anna, net, member):
    post(client, action="add", sku="TEE-T")
    post(client, action="card", card=member.card_number)
    post(client, action="redeem", points="100")
    loyalty.erase_customer(customer=member.customer, actor=HQ, reason="asked to be forgotten")
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert b'data-testid="member-lost"' in page.content
    refused = post(client, action="pay", method="card")
    assert any("no longer valid" in m for m in messages_of(refused))
    assert not Order.objects.exists() and lines(client) == {"TEE-T": 1}


def test_points_are_redeemed_and_earned_at_the_till_with_hand_computed_totals(client, anna, net, member):
    post(client, action="add", sku="JNS-T")
    post(client, action="card", card=member.card_number)
    too_many = post(client, action="redeem", points="501")
    assert any("Only 500 points can be redeemed" in m for m in messages_of(too_many))
    assert client.session[BASKET_KEY]["redeem"] == 0
    post(client, action="redeem", points="250")  # 250 points = 2.50 EUR
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["before_points"] == Decimal("59.90")
    assert page.context["discount"] == Decimal("2.50")
    assert page.context["total"] == Decimal("57.40")
    assert 'data-testid="basket-points-discount">−€\u00a02.50<' in page.content.decode()

    paid = post(client, action="pay", method="card")
    order = Order.objects.get()
    assert (order.total, order.points_redeemed, order.customer_email) == (Decimal("57.40"), 250, EMAIL)
    assert order.lines.get().order_discount == Decimal("2.50")
    # earned on what was paid: floor(57.40 x 1 point per euro x Bronze 1.00) = 57
    earned = LedgerEntry.objects.get(member=member, kind="earn")
    assert earned.points == 57 and earned.order_number == order.number
    assert balance(member) == 500 - 250 + 57
    assert any("earned 57 points and redeemed 250" in m for m in messages_of(paid))
    assert BASKET_KEY not in client.session


def test_points_worth_more_than_the_basket_are_refused_at_the_payment(client, anna, net, member):
    loyalty.adjust(member=member, points=10_000, reason="gift", actor=HQ)
    post(client, action="add", sku="TEE-T")
    post(client, action="add", sku="JNS-T")
    post(client, action="card", card=member.card_number)
    post(client, action="redeem", points="5000")  # 50.00 of a 79.80 basket
    post(client, action="remove", sku="JNS-T")  # now 19.90: the points are worth more
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert b'data-testid="redeem-problem"' in page.content and page.context["total"] == Decimal("19.90")
    refused = post(client, action="pay", method="cash")
    assert any("more than the basket" in m for m in messages_of(refused))
    assert not Order.objects.exists() and client.session[BASKET_KEY]["redeem"] == 5000
    post(client, action="redeem", points="1990")  # exactly the total: paid entirely with points
    post(client, action="pay", method="cash")
    order = Order.objects.get()
    assert order.total == Decimal("0.00") and order.points_redeemed == 1990
    assert balance(member) == 10_500 - 1990


def test_without_a_card_the_email_given_is_kept_and_no_points_are_redeemed(client, anna, net, member):
    post(client, action="add", sku="TEE-T")
    refused = post(client, action="redeem", points="100")
    assert any("Scan the member's loyalty card" in m for m in messages_of(refused))
    post(client, action="pay", method="card", email="Luca@Example.it")
    order = Order.objects.get()
    assert order.customer_email == "luca@example.it" and order.points_redeemed == 0
    assert balance(member) == 500


# --- Receipts ---------------------------------------------------------------------------------------------


@pytest.fixture
def sale(client, anna, net, member):
    PromotionFactory(variant=net["tee"], name="Saldi 10%", value=Decimal("10.00"))
    post(client, action="add", sku="TEE-T", quantity="2")
    post(client, action="add", sku="JNS-T")
    post(client, action="card", card=member.card_number)
    post(client, action="redeem", points="300")
    post(client, action="pay", method="cash")
    return Order.objects.get()


def test_the_receipt_has_everything_the_customer_needs(client, sale, member):
    # 2 x 19.90 = 39.80 less 10 % = 35.82; + 59.90 = 95.72; less 300 points (3.00) = 92.72
    assert sale.total == Decimal("92.72")
    english = client.get(f"/orders/{sale.number}/receipt/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    html = english.content.decode()
    assert "omni/receipt.css" in html and 'data-testid="receipt"' in html
    for text in (
        "Milano Brera",
        "Via Brera 12",
        "20121 Milano",
        sale.number,
        "T-shirt cotone",
        "2 × €\xa019.90",
        "€\xa039.80",
        "Saldi 10%",
        "−€\xa03.98",
        "300 points redeemed",
        "−€\xa03.00",
        'data-testid="receipt-total">€\xa092.72<',
        "Prices include VAT.",
        "Cash",
        f'data-code128="{sale.number}"',
        "Thank you",
    ):
        assert text in html, text
    earned = english.context["loyalty"]["earned"]
    assert earned > 0 and f'data-testid="receipt-points-earned">{earned}<' in html
    assert f'data-testid="receipt-points-balance">{500 - 300 + earned}<' in html
    assert balance(member) == 500 - 300 + earned
    italian = client.get(f"/orders/{sale.number}/receipt/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    for text in (
        "Scontrino",
        "€\xa092,72",
        "2 × €\xa019,90",
        "Contanti",
        "I prezzi includono l’IVA.",
        "Grazie",
    ):
        assert text in italian, text


def test_the_gift_receipt_has_the_items_and_no_price(client, sale):
    response = client.get(f"/orders/{sale.number}/gift-receipt/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    receipt = html.split('data-testid="gift-receipt"')[1].split("</article>")[0]
    assert "T-shirt cotone" in receipt and "Jeans slim" in receipt and sale.number in receipt
    assert f'data-code128="{sale.number}"' in receipt
    for price in ("19.90", "19,90", "59.90", "92.72", "3.98", "€", "EUR", "VAT", "points", "Cash"):
        assert price not in receipt, price
    assert "Gift receipt" in receipt
    italian = client.get(f"/orders/{sale.number}/gift-receipt/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Scontrino di cortesia" in italian


def test_after_the_payment_the_pages_offer_both_receipts(client, sale):
    detail = client.get(f"/orders/{sale.number}/").content.decode()
    assert f"/orders/{sale.number}/receipt/?print=1" in detail
    assert f"/orders/{sale.number}/gift-receipt/?print=1" in detail
    counter = client.get(URL).content.decode()
    assert 'data-testid="last-sale"' in counter and f"/orders/{sale.number}/gift-receipt/?print=1" in counter
    printing = client.get(f"/orders/{sale.number}/receipt/?print=1").content.decode()
    assert "data-autoprint" in printing and "omni/till.js" in printing
    assert "<script>" not in printing and " onload=" not in printing


def test_receipts_are_for_the_store_that_sold_and_hq_only(client, sale, net):
    receipt, gift = f"/orders/{sale.number}/receipt/", f"/orders/{sale.number}/gift-receipt/"
    client.force_login(UserFactory(role="associate", locations=[net["torino"]]))
    assert client.get(receipt).status_code == 404 and client.get(gift).status_code == 404
    client.force_login(UserFactory(role="hq_manager"))
    assert client.get(receipt).status_code == 200 and client.get(gift).status_code == 200
    pickup = place_order(
        actor=HQ,
        channel="web",
        customer=CustomerInput(email="luca@example.it"),
        lines=[LineInput("TEE-T", 1)],
        fulfilment=FulfilmentInput(type="pickup", location="MI-TILL"),
    )
    assert client.get(f"/orders/{pickup.number}/receipt/").status_code == 404  # not a sale at a till
    assert client.get("/orders/S-0/receipt/").status_code == 404
    client.logout()
    assert client.get(receipt).status_code == 302


def test_the_return_receipt_prints_on_the_same_slip(client, anna, net):
    order = place_order(
        actor=HQ,
        channel="store",
        customer=CustomerInput(email=EMAIL),
        lines=[LineInput("TEE-T", 2)],
        fulfilment=FulfilmentInput(type="carry_out", location="MI-TILL"),
        payment=PaymentInput(method="card", status="captured"),
    )
    ret = create_return(
        actor=HQ,
        order_number=order.number,
        location_code="MI-TILL",
        lines=[ReturnLineInput(sku="TEE-T", quantity=1, condition="resellable")],
    ).return_doc
    response = client.get(f"/orders/returns/r/{ret.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "omni/receipt.css" in html and 'class="receipt"' in html and "Milano Brera" in html
    assert 'data-testid="return-line-TEE-T"' in html and "19.90" in html and 'data-action="print"' in html


def test_stock_and_ledger_agree_after_till_sales(client, sale, net, member):
    assert StockLevel.objects.get(location=net["milano"], variant=net["tee"]).on_hand == 8
    assert Member.objects.get(pk=member.pk).points_balance == sum(
        LedgerEntry.objects.filter(member=member).values_list("points", flat=True)
    )
