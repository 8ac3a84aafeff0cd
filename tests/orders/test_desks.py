"""The store floor's desks through Django's test client (issue 17): a refund left due at the returns desk,
paid back later and recorded once (badges that say so); a return without a receipt, found by the product
scanned; the reason always chosen; scanning a product marks one more unit; at the pickup desk, the code
carried to the handover and kept across a form error (the lockout intact); every input labelled; the order's
timeline in the reader's language from each event's kind and data (old rows shown as stored); messages
without raw codes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import formats, timezone, translation

from loyalty.services import enroll_member
from omni.actors import Actor
from omni.exceptions import Forbidden, NotFound
from omni.models import AuditEntry
from orders import services, timeline
from orders.exceptions import RefundNotDue
from orders.models import Order, OrderEvent, OrderStatus, Payment, PaymentStatus, Return, ReturnStatus
from orders.services import CustomerInput, FulfilmentInput, LineInput, mark_ready, place_order
from orders.views.pickup_desk import SCANNED_KEY
from tests.omni.factories import UserFactory
from tests.orders.returns_helpers import EMAIL, HQ, make_net, shipped_web_order, till_sale

pytestmark = pytest.mark.django_db

DESK = "/orders/returns/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def net():
    return make_net()


@pytest.fixture
def anna(client, net):
    """An associate at the Roma store (returns and click and collect), logged in; English pages."""
    user = UserFactory(username="anna", role="associate", locations=[net["roma"]])
    client.force_login(user)
    client.cookies.load({"django_language": "en"})
    return user


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    """What a person reads on the page: the text between the tags (attributes left out)."""

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
            self.skip += tag in ("script", "style")

        def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
            self.skip -= tag in ("script", "style")

        def handle_data(self, data):  # type: ignore[no-untyped-def]
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(response.content.decode())
    return " ".join(" ".join(parser.parts).split())


def unlabelled_inputs(response) -> list[str]:  # type: ignore[no-untyped-def]
    """Every visible input, select and textarea without a <label for> naming its id."""

    class Controls(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.controls: list[dict[str, str]] = []
            self.label_for: set[str] = set()

        def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
            a = {k: v or "" for k, v in attrs}
            if tag == "label" and a.get("for"):
                self.label_for.add(a["for"])
            elif tag in ("input", "select", "textarea") and a.get("type") not in (
                "hidden",
                "submit",
                "button",
            ):
                self.controls.append(a)

    parser = Controls()
    parser.feed(response.content.decode())
    assert parser.controls, "the page has inputs"
    return [
        c.get("name") or c.get("id") or "?"
        for c in parser.controls
        if not c.get("id") or c["id"] not in parser.label_for
    ]


def lines_data(order, **rows):  # type: ignore[no-untyped-def]
    data = {"refund_method": "original", "send_to": "", "override_reason": "", "exchange_method": "card"}
    for line in order.lines.all():
        quantity, condition, reason = rows.get(line.sku, (0, "resellable", ""))
        data.update(
            {f"qty_{line.pk}": str(quantity), f"condition_{line.pk}": condition, f"reason_{line.pk}": reason}
        )
    return data


def returned_due(net, order=None) -> Return:  # type: ignore[no-untyped-def]
    """A web order returned at Roma, refunded on the original payment: the refund is due."""
    order = order or shipped_web_order((("TEE-R", 2),))
    outcome = services.create_return(
        actor=HQ,
        order_number=order.number,
        location_code=net["roma"].code,
        lines=[
            services.ReturnLineInput(sku="TEE-R", quantity=2, condition="resellable", reason="wrong_size")
        ],
    )
    ret = outcome.return_doc
    assert ret.status == ReturnStatus.REFUND_DUE and ret.payment is not None
    return ret


# --- A. The returns desk ------------------------------------------------------------------------------------


def test_a_refund_left_due_is_recorded_paid_back_once_and_the_badges_say_so(client, anna, net):
    ret = returned_due(net)
    order = ret.order
    original = Payment.objects.get(pk=ret.payment_id)
    assert original.refund_due == Decimal("39.80")

    desk = client.get(DESK)
    assert f'data-testid="due-{ret.number}"'.encode() in desk.content
    page = client.get(f"{DESK}{order.number}/")
    assert "Refund due" in text_of(page) and b'data-testid="settle-link"' in page.content

    settle = reverse("orders:return-settle", args=[ret.number])
    form = client.get(settle)
    assert form.status_code == 200 and unlabelled_inputs(form) == []
    # no method, or a card without its reference: the form says so, what was typed stays
    r = client.post(settle, {"reference": "POS-4411"})
    assert r.status_code == 400 and b"POS-4411" in r.content
    r = client.post(settle, {"method": "card", "reference": " "})
    assert r.status_code == 400 and r.context["form"].errors["reference"]
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.REFUND_DUE

    r = client.post(settle, {"method": "card", "reference": "POS-4411"})
    assert r.status_code == 302 and r["Location"] == reverse("orders:return-detail", args=[ret.number])
    ret.refresh_from_db()
    refund = Payment.objects.get(pk=ret.payment_id)
    assert (ret.status, ret.refund_method) == (ReturnStatus.REFUNDED, "card")
    assert (refund.status, refund.method, refund.amount, refund.reference) == (
        PaymentStatus.REFUNDED,
        "card",
        Decimal("39.80"),
        "POS-4411",
    )
    original.refresh_from_db()
    assert original.refund_due == Decimal("0.00")
    assert AuditEntry.objects.filter(action="return.refund_settled", object_id=ret.number).count() == 1

    detail = client.get(f"/orders/{order.number}/")
    assert "Refunded" in text_of(detail) and "Refund due" not in text_of(detail)
    assert "Refund of return" in text_of(detail) and "POS-4411" in text_of(detail)
    client.cookies.load({"django_language": "it"})
    italian = client.get(f"/orders/{order.number}/")
    assert "Rimborsato" in text_of(italian) and "Rimborso del reso" in text_of(italian)
    client.cookies.load({"django_language": "en"})

    # once: a second submit records nothing more, and the desk no longer lists it
    again = client.post(settle, {"method": "cash"}, follow=True)
    assert again.status_code == 200 and "paid back already" in text_of(again)
    assert Payment.objects.filter(order=order, status=PaymentStatus.REFUNDED).count() == 1
    assert AuditEntry.objects.filter(action="return.refund_settled").count() == 1
    assert f'data-testid="due-{ret.number}"'.encode() not in client.get(DESK).content
    with pytest.raises(RefundNotDue):
        services.settle_refund(actor=HQ, return_number=ret.number, method="cash")


def test_only_the_receiving_store_settles_a_refund(client, net):
    ret = returned_due(net)
    client.force_login(UserFactory(role="associate", locations=[net["milano"]]))
    settle = reverse("orders:return-settle", args=[ret.number])
    assert client.get(settle).status_code == 404  # Milano does not see Roma's returns
    milano = Actor.for_user(UserFactory(role="associate", locations=[net["milano"]]))
    with pytest.raises(NotFound):  # another store's return is not found, as on the page
        services.settle_refund(actor=milano, return_number=ret.number, method="cash")
    kiosk = Actor(role="kiosk", location_ids=frozenset({net["roma"].pk}))
    with pytest.raises(Forbidden):
        services.settle_refund(actor=kiosk, return_number=ret.number, method="cash")
    assert Return.objects.get(pk=ret.pk).status == ReturnStatus.REFUND_DUE


@pytest.mark.django_db(transaction=True)
def test_two_desks_settling_the_same_refund_record_it_once():
    net = make_net()
    ret = returned_due(net)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def settle(reference: str) -> None:
        try:
            barrier.wait()
            services.settle_refund(actor=HQ, return_number=ret.number, method="card", reference=reference)
            outcomes.append("settled")
        except RefundNotDue:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=settle, args=(f"POS-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "settled"]
    assert Payment.objects.filter(order=ret.order, status=PaymentStatus.REFUNDED).count() == 1
    assert Payment.objects.get(pk=ret.payment_id).refund_due == Decimal("0.00")


def test_a_return_without_receipt_is_found_by_the_product_scanned(client, anna, net):
    member = enroll_member(email=EMAIL, first_name="Giulia", actor=HQ)
    older = till_sale(net["roma"], (("TEE-R", 1),), email="luca@example.it")
    newer = till_sale(net["roma"], (("TEE-R", 2), ("CAP-R", 1)), email="sara@example.it")
    elsewhere = till_sale(net["milano"], (("TEE-R", 1),), email=EMAIL)
    no_tee = till_sale(net["roma"], (("CAP-R", 1),), email="piero@example.it")
    gtin = net["tee"].gtin

    # no customer given: this store's orders with the item, newest first
    r = client.get(DESK, {"q": gtin, "customer": ""})
    assert r.status_code == 200
    page = r.content.decode()
    assert newer.number in page and older.number in page
    assert page.index(newer.number) < page.index(older.number)
    assert elsewhere.number not in page and no_tee.number not in page
    assert f'href="/orders/returns/{newer.number}/?scan=TEE-R"' in page

    # the customer's email or loyalty card: their orders with it, at any store
    for customer in (EMAIL, member.card_number):
        r = client.get(DESK, {"q": "tee-r", "customer": customer})
        page = r.content.decode()
        assert elsewhere.number in page and newer.number not in page, customer

    # a customer the desk cannot find: said on that box, nothing typed lost
    r = client.get(DESK, {"q": gtin, "customer": "nobody"})
    assert r.status_code == 400 and b'data-testid="customer-error"' in r.content
    assert b'value="nobody"' in r.content

    # nothing to find: said clearly
    r = client.get(DESK, {"q": "JNS-R"})
    assert r.status_code == 200 and b'data-testid="return-no-sku-order"' in r.content
    assert "cannot be taken here" in text_of(r)

    # the order opened from the scan has that unit marked to return
    r = client.get(f"{DESK}{newer.number}/", {"scan": "TEE-R"})
    line = newer.lines.get(sku="TEE-R")
    assert r.context["form"][f"qty_{line.pk}"].value() == 1


def test_the_reason_is_chosen_never_assumed(client, anna, net):
    order = till_sale(net["roma"], (("TEE-R", 1), ("CAP-R", 1)))
    page = f"{DESK}{order.number}/"
    r = client.get(page)
    tee = order.lines.get(sku="TEE-R")
    assert r.context["form"][f"reason_{tee.pk}"].value() in (None, "")
    assert b"selected>Changed mind" not in r.content

    data = lines_data(order, **{"TEE-R": (1, "damaged", "")})
    r = client.post(page, {**data, "action": "preview"})
    assert r.status_code == 400 and r.context["form"].errors[f"reason_{tee.pk}"]
    assert b'data-testid="reason-error-TEE-R"' in r.content
    form = r.context["form"]
    assert form[f"qty_{tee.pk}"].value() == "1" and form[f"condition_{tee.pk}"].value() == "damaged"
    assert Return.objects.count() == 0
    # a line not returned needs no reason
    data = lines_data(order, **{"TEE-R": (1, "damaged", "wrong_size")})
    r = client.post(page, {**data, "action": "confirm"})
    assert r.status_code == 302 and Return.objects.get().lines.get().reason == "wrong_size"


def test_scanning_items_marks_units_to_return_and_enter_never_confirms(client, anna, net):
    order = till_sale(net["roma"], (("TEE-R", 2), ("CAP-R", 1)))
    page = f"{DESK}{order.number}/"
    tee = order.lines.get(sku="TEE-R")
    data = lines_data(order, **{"CAP-R": (0, "damaged", "")})

    r = client.post(page, {**data, "action": "scan", "return_sku": net["tee"].gtin})
    assert r.status_code == 200
    assert r.context["form"][f"qty_{tee.pk}"].value() == 1
    assert r.context["form"][f"condition_{tee.pk}"].value() == "resellable"
    data[f"qty_{tee.pk}"] = "1"
    r = client.post(page, {**data, "action": "scan", "return_sku": "TEE-R"})
    assert r.context["form"][f"qty_{tee.pk}"].value() == 2
    data[f"qty_{tee.pk}"] = "2"
    r = client.post(page, {**data, "action": "scan", "return_sku": "TEE-R"})  # both already marked
    assert r.status_code == 400 and b'data-testid="return-scan-error"' in r.content
    assert r.context["form"][f"qty_{tee.pk}"].value() == "2"
    r = client.post(page, {**data, "action": "scan", "return_sku": "JNS-R"})  # not on this order
    assert r.status_code == 400 and "JNS-R is not on this order" in text_of(r)
    r = client.post(page, {**data, "action": "scan", "return_sku": "NOPE-1"})  # not in the catalog
    assert r.status_code == 400
    # Enter in the exchange's box: the new item goes to the exchange (the scan button is the form's first)
    r = client.post(page, {**data, "action": "scan", "return_sku": "", "exchange_sku": "JNS-R"})
    assert r.status_code == 200 and b'data-testid="exchange-JNS-R"' in r.content
    assert Return.objects.count() == 0  # no scan ever confirms
    content = r.content.decode()
    assert content.index('value="scan"') < content.index('value="preview"')
    assert unlabelled_inputs(r) == []


def test_every_input_of_the_returns_desk_is_labelled(client, anna, net):
    order = till_sale(net["roma"], (("TEE-R", 1),))
    assert unlabelled_inputs(client.get(DESK)) == []
    assert unlabelled_inputs(client.get(DESK, {"q": "TEE-R"})) == []
    r = client.get(f"{DESK}{order.number}/")
    assert unlabelled_inputs(r) == []
    page = r.content.decode()
    # "Send the resellable units to" is the label of its select, next to it
    label = page.index('<label for="id_send_to">')
    assert page.index('<select name="send_to"') > label
    assert 'id="id_refund_method_0"' in page and '<label for="id_refund_method_0"' in page


# --- B. The pickup desk -------------------------------------------------------------------------------------


def pickup_at(location, paid: bool):  # type: ignore[no-untyped-def]
    order = place_order(
        actor=HQ,
        channel="web",
        customer=CustomerInput(email=EMAIL, first_name="Giulia", last_name="Rossi"),
        lines=[LineInput("TEE-R", 1)],
        fulfilment=FulfilmentInput(type="pickup", location=location.code),
        payment=services.PaymentInput(method="card", status="captured") if paid else None,
    )
    mark_ready(actor=HQ, number=order.number)
    return Order.objects.get(pk=order.pk)


def test_the_code_searched_is_carried_to_the_handover(client, anna, net):
    order = pickup_at(net["roma"], paid=True)
    r = client.post(reverse("orders:pickup-desk"), {"q": order.pickup_code}, follow=True)
    page = r.content.decode()
    assert 'data-testid="code-checked"' in page and order.pickup_code not in page
    code_box = page[page.index('name="code"') - 200 : page.index('name="code"') + 300]
    assert "autofocus" not in code_box and "••••••" in code_box
    r = client.post(reverse("orders:pickup-handover", args=[order.number]), {})
    assert r.status_code == 302 and Order.objects.get(pk=order.pk).status == OrderStatus.COLLECTED


def test_a_missing_payment_method_keeps_the_code_typed_and_the_lockout_counts(client, anna, net):
    order = pickup_at(net["roma"], paid=False)
    url = reverse("orders:pickup-handover", args=[order.number])
    page = client.get(url)
    assert unlabelled_inputs(page) == []
    assert b"autofocus" in page.content

    r = client.post(url, {"code": order.pickup_code, f"refused_{order.lines.get().pk}": "0"})
    assert r.status_code == 400 and b'data-testid="method-error"' in r.content
    assert b'data-testid="code-kept"' in r.content and order.pickup_code.encode() not in r.content
    assert unlabelled_inputs(r) == []
    assert Order.objects.get(pk=order.pk).pickup_failed_attempts == 0
    r = client.post(url, {"method": "cash"})
    assert r.status_code == 302 and Order.objects.get(pk=order.pk).status == OrderStatus.COLLECTED
    assert SCANNED_KEY not in client.session

    # a wrong code kept the same way is checked (and counted) when handed over, then forgotten
    other = pickup_at(net["roma"], paid=False)
    url = reverse("orders:pickup-handover", args=[other.number])
    wrong = "000000" if other.pickup_code != "000000" else "111111"
    assert client.post(url, {"code": wrong}).status_code == 400
    r = client.post(url, {"method": "cash"})
    assert r.status_code == 400 and r.context["form"].errors["code"]
    assert Order.objects.get(pk=other.pk).pickup_failed_attempts == 1
    assert SCANNED_KEY not in client.session


def test_every_input_of_the_pickup_desk_is_labelled(client, anna, net):
    assert unlabelled_inputs(client.get(reverse("orders:pickup-desk"))) == []
    r = client.get(reverse("orders:pickup-desk"))
    assert b"autofocus" in r.content and b'data-testid="desk-search"' in r.content


# --- C. The timeline in the reader's language ---------------------------------------------------------------


def event_row(response, kind: str) -> str:  # type: ignore[no-untyped-def]
    page = response.content.decode()
    start = page.index(f'data-testid="event-{kind}"')
    return page[start : page.index("</tr>", start)]


def test_the_timeline_is_written_in_the_readers_language_from_kind_and_data(client, anna, net):
    order = pickup_at(net["roma"], paid=False)
    when = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)
    OrderEvent.objects.create(
        order=order,
        kind="promised",
        message="Promised ready for pickup by 2026-03-05 15:30.",
        data={"promised_ready_at": when.isoformat(), "after_transfer": False},
        actor_label="system",
    )
    OrderEvent.objects.create(
        order=order,
        kind="pickup_code_rejected",
        message="Wrong pickup code (1 of 5).",
        data={"attempts": 1, "max_attempts": 5},
    )
    url = f"/orders/{order.number}/"

    english = client.get(url)
    text = text_of(english)
    assert "Placed through Web shop: 1 unit, total €" in text
    assert "Wrong pickup code (1 of 5)." in text and "Omni (automatic)" in text
    with translation.override("en"):
        en_when = formats.date_format(timezone.localtime(when), "SHORT_DATETIME_FORMAT")
    assert f"Promised ready for pickup by {en_when}." in text and "2026-03-05" not in text

    client.cookies.load({"django_language": "it"})
    italian = client.get(url)
    text = text_of(italian)
    assert "Effettuato tramite" in text and "Codice di ritiro errato (1 di 5)." in text
    assert "Promesso pronto per il ritiro entro il 05/03/2026 15:30." in text
    assert "Pronto per il ritiro a RM-RET" in text
    # never an event's code where a person reads
    for kind in ("placed", "pickup_code_rejected", "ready_for_pickup", "promised"):
        assert kind not in text
        assert f'data-testid="event-{kind}"' in italian.content.decode()


def test_old_timeline_rows_are_shown_as_stored(client, anna, net):
    order = till_sale(net["roma"], (("TEE-R", 1),))
    OrderEvent.objects.create(
        order=order,
        kind="placed",
        message="Placed through Web shop: 2 units, total 39.80 EUR.",
        data={"channel": "web"},  # written before the data had units and total
    )
    OrderEvent.objects.create(order=order, kind="legacy_note", message="Imported from the old till.")
    text = text_of(client.get(f"/orders/{order.number}/"))
    assert "Placed through Web shop: 2 units, total 39.80 EUR." in text
    assert "Imported from the old till." in text and "legacy_note" not in text and "Event" in text


def test_every_event_the_services_write_renders_from_its_data(net):
    """No sentence falls back to the stored message for events written now: each has the data it needs."""
    order = shipped_web_order((("TEE-R", 2), ("CAP-R", 1)))
    ret = returned_due(net, order)
    services.settle_refund(actor=HQ, return_number=ret.number, method="cash")
    sale = till_sale(net["roma"], (("JNS-R", 1),))
    services.create_return(
        actor=HQ,
        order_number=sale.number,
        location_code=net["roma"].code,
        lines=[services.ReturnLineInput(sku="JNS-R", quantity=1, condition="damaged", reason="changed_mind")],
        refund_method="cash",
    )
    collected = pickup_at(net["roma"], paid=True)
    services.collect(actor=HQ, number=collected.number, code=collected.pickup_code)
    cancelled = pickup_at(net["milano"], paid=True)
    services.cancel_order(actor=HQ, number=cancelled.number, reason="pickup_expired")
    events = list(OrderEvent.objects.all())
    kinds = {e.kind for e in events}
    assert {"placed", "payment", "shipped", "returned", "refund_settled", "completed", "collected"} <= kinds
    assert {"ready_for_pickup", "cancelled", "shipment_shipped"} <= kinds
    for language in ("en", "it"):
        with translation.override(language):
            for e in events:
                render = timeline._SENTENCES.get(e.kind)
                if render is not None:
                    sentence = render(e.data, e)  # raises if the data lacks what it needs
                    assert sentence and "_" not in sentence.replace(e.order.number, ""), (e.kind, sentence)
    returned = next(e for e in events if e.kind == "returned" and "JNS-R" in e.message)
    with translation.override("en"):
        assert "1 × JNS-R (damaged, changed mind)" in timeline.event_sentence(returned)
    with translation.override("it"):
        sentence = timeline.event_sentence(returned)
        assert "1 × JNS-R (danneggiato, ripensamento)" in sentence and sentence.startswith("Reso ")
    # the API keeps the stored English messages
    assert returned.message.endswith("EUR.") and "(damaged, changed_mind)" in returned.message


# --- D. Messages without raw codes --------------------------------------------------------------------------


def test_messages_name_things_by_their_labels(client, anna, net):
    order = pickup_at(net["roma"], paid=True)
    services.cancel_order(actor=HQ, number=order.number, reason="pickup_expired")
    text = text_of(client.get(f"/orders/{order.number}/"))
    assert "Not collected in time" in text and "pickup_expired" not in text
    assert "Cancelled (not collected in time)" in text

    kiosk = Actor(role="kiosk", location_ids=frozenset({net["roma"].pk}))
    with pytest.raises(Forbidden) as caught:
        services.create_return(
            actor=kiosk,
            order_number=order.number,
            location_code=net["roma"].code,
            lines=[services.ReturnLineInput(sku="TEE-R", quantity=1, condition="resellable", reason="other")],
        )
    assert caught.value.code == "permission_denied" and "In-store kiosk" in caught.value.detail
    with pytest.raises(Exception) as caught:
        place_order(
            actor=HQ,
            channel="store",
            customer=CustomerInput(email=EMAIL),
            lines=[LineInput("TEE-R", 1)],
            fulfilment=FulfilmentInput(type="carry_out", location=""),
        )
    assert "carry_out" not in str(caught.value.detail) and "carried out at the till" in caught.value.detail  # type: ignore[attr-defined]
    assert caught.value.errors and "fulfilment.location" in caught.value.errors  # type: ignore[attr-defined]
