"""Returns through the service (orders.services.returns): stock disposition, refunds computed from what the
lines stored (promotions, points, rounding; property-based), the window and its override, refund recording,
send-back transfers, points, exchanges, the dry run, the webhook, the receipt email and the figures."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.models import MovementKind, StockMovement, Transfer
from inventory.selectors import stock_drift
from loyalty.models import LedgerEntry
from loyalty.services import adjust, enroll_member
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput, InvalidTransition, NotFound
from omni.models import AuditEntry
from orders.exceptions import ReturnWindowClosed
from orders.models import (
    Order,
    OrderEvent,
    Payment,
    Return,
    ReturnLine,
    WebhookEvent,
    WebhookSubscription,
)
from orders.selectors import normalize_receipt_code, returnable_orders, returns_figures
from orders.services import (
    CustomerInput,
    ExchangeInput,
    FulfilmentInput,
    LineInput,
    PaymentInput,
    ReturnLineInput,
    create_return,
    notifications,
    place_order,
    refund_share,
)
from tests.omni.factories import UserFactory
from tests.orders.factories import PromotionFactory
from tests.orders.returns_helpers import (
    EMAIL,
    HQ,
    available,
    completed_days_ago,
    make_net,
    on_hand,
    set_line,
    shipped_web_order,
    till_sale,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def net():
    return make_net()


def back(order, location, *lines, actor=HQ, **kwargs):  # type: ignore[no-untyped-def]
    return create_return(
        actor=actor,
        order_number=order.number,
        location_code=location.code,
        lines=[ReturnLineInput(*line) for line in lines],
        **kwargs,
    )


# --- Stock --------------------------------------------------------------------------------------------------


def test_resellable_units_go_back_on_hand_where_received_and_damaged_ones_are_not_sellable(net):
    order = shipped_web_order((("TEE-R", 3),))  # shipped from MI-RET (it ships)
    before_roma = on_hand(net["roma"], net["tee"])
    outcome = back(
        order,
        net["roma"],
        ("TEE-R", 2, "resellable", "wrong_size"),
        ("TEE-R", 1, "damaged", "damaged_on_arrival"),
    )
    ret = outcome.return_doc
    assert ret.number.startswith("R-") and ret.location == net["roma"]
    assert on_hand(net["roma"], net["tee"]) == before_roma + 2  # only the resellable units are sellable
    moves = StockMovement.objects.filter(reference=ret.number).order_by("id")
    assert [(m.kind, m.delta) for m in moves] == [
        (MovementKind.RETURN, 3),
        (MovementKind.DAMAGE, -1),
    ]
    assert stock_drift() == []
    assert [(r.sku, r.quantity, r.condition, r.reason) for r in ret.lines.all()] == [
        ("TEE-R", 2, "resellable", "wrong_size"),
        ("TEE-R", 1, "damaged", "damaged_on_arrival"),
    ]


def test_a_send_back_choice_makes_a_transfer_of_the_resellable_units_to_the_warehouse(net):
    order = till_sale(net["milano"], (("TEE-R", 2), ("CAP-R", 1)))
    ret = back(
        order,
        net["milano"],
        ("TEE-R", 2, "resellable", "changed_mind"),
        ("CAP-R", 1, "damaged", "other"),
        send_to="WH-HUB",
    ).return_doc
    transfer = Transfer.objects.get(pk=ret.transfer_id)
    assert (transfer.from_location, transfer.to_location, transfer.status) == (
        net["milano"],
        net["hub"],
        "requested",
    )
    assert [(line.variant.sku, line.quantity) for line in transfer.lines.all()] == [("TEE-R", 2)]
    # the two units are back on hand and held for the transfer: not sellable at the store
    assert available(net["milano"], net["tee"]) == 10 - 2 + 2 - 2
    with pytest.raises(InvalidInput) as err:
        back(order, net["milano"], ("TEE-R", 0, "resellable"), send_to="MI-RET")
    assert "lines.0.quantity" in err.value.errors


# --- Refunds ------------------------------------------------------------------------------------------------


def test_refund_is_what_was_paid_with_a_promotion(net):
    PromotionFactory(variant=net["jeans"], value=Decimal("10.00"))
    order = till_sale(net["milano"], (("JNS-R", 2),))
    line = order.lines.get()
    assert line.line_total == Decimal("107.82")
    first = back(order, net["milano"], ("JNS-R", 1, "resellable")).return_doc
    second = back(order, net["milano"], ("JNS-R", 1, "resellable")).return_doc
    assert first.refund_amount + second.refund_amount == Decimal("107.82")
    assert first.refund_amount == Decimal("53.91")


def test_the_last_units_get_the_remainder(net):
    order = till_sale(net["milano"], (("TEE-R", 3),))
    set_line(order, "TEE-R", line_total=Decimal("10.00"), vat_amount=Decimal("1.80"))
    refunds = [
        back(order, net["milano"], ("TEE-R", 1, "resellable")).return_doc.refund_amount for _ in range(3)
    ]
    assert refunds == [Decimal("3.33"), Decimal("3.34"), Decimal("3.33")]
    assert sum(
        ReturnLine.objects.filter(order_line__order=order).values_list("vat_amount", flat=True)
    ) == Decimal("1.80")


def test_points_discount_shared_on_the_line_is_respected(net):
    order = till_sale(net["milano"], (("TEE-R", 2), ("CAP-R", 1)))
    # 5.00 of points redeemed, shared 3.34 / 1.66 over the lines as placement stores it
    set_line(order, "TEE-R", order_discount=Decimal("3.34"), line_total=Decimal("36.46"))
    set_line(order, "CAP-R", order_discount=Decimal("1.66"), line_total=Decimal("8.24"))
    ret = back(order, net["milano"], ("TEE-R", 1, "resellable"), ("CAP-R", 1, "resellable")).return_doc
    assert ret.refund_amount == Decimal("18.23") + Decimal("8.24")


@given(
    lines=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=40),  # quantity
            st.integers(min_value=1, max_value=50_000),  # unit price in cents
            st.integers(min_value=0, max_value=100),  # discount, percent of the gross
        ),
        min_size=1,
        max_size=5,
    ),
    data=st.data(),
)
@settings(max_examples=300, deadline=None)
def test_refunds_never_exceed_and_finally_equal_the_line_totals(lines, data):
    for quantity, unit_cents, percent in lines:
        gross = Decimal(unit_cents * quantity) / 100
        line_total = (gross * (100 - percent) / 100).quantize(Decimal("0.01"))
        returned, refunded = 0, Decimal("0.00")
        while returned < quantity:
            step = data.draw(st.integers(min_value=1, max_value=quantity - returned))
            part = refund_share(line_total, quantity, returned, step)
            assert part >= 0
            returned += step
            refunded += part
            assert refunded <= line_total
        assert refunded == line_total


@given(
    quantity=st.integers(min_value=1, max_value=6),
    total_cents=st.integers(min_value=0, max_value=30_000),
    data=st.data(),
)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_partial_returns_through_the_service_refund_exactly_the_line_total(net, quantity, total_cents, data):
    with transaction.atomic():
        order = till_sale(net["milano"], (("TEE-R", quantity),))
        line_total = Decimal(total_cents) / 100
        set_line(order, "TEE-R", line_total=line_total)
        left = quantity
        refunded = Decimal("0.00")
        while left:
            step = data.draw(st.integers(min_value=1, max_value=left))
            condition = data.draw(st.sampled_from(["resellable", "damaged"]))
            ret = back(order, net["milano"], ("TEE-R", step, condition), refund_method="cash")
            assert ret.return_doc.refund_amount >= 0
            refunded += ret.return_doc.refund_amount
            assert refunded <= line_total
            left -= step
        assert refunded == line_total
        with pytest.raises(InvalidInput):
            back(order, net["milano"], ("TEE-R", 1, "resellable"))
        transaction.set_rollback(True)


# --- What may not come back ---------------------------------------------------------------------------------


def test_more_than_was_bought_and_not_yet_returned_is_refused_naming_the_line(net):
    order = till_sale(net["milano"], (("TEE-R", 2), ("CAP-R", 1)))
    with pytest.raises(InvalidInput) as err:
        back(order, net["milano"], ("CAP-R", 1, "resellable"), ("TEE-R", 3, "resellable"))
    assert list(err.value.errors) == ["lines.1.quantity"]
    back(order, net["milano"], ("TEE-R", 1, "resellable"))
    with pytest.raises(InvalidInput) as err:
        back(order, net["milano"], ("TEE-R", 1, "resellable"), ("TEE-R", 1, "damaged"))
    assert list(err.value.errors) == ["lines.1.quantity"]
    with pytest.raises(InvalidInput) as err:
        back(order, net["milano"], ("JNS-R", 1, "resellable"))
    assert list(err.value.errors) == ["lines.0.sku"]
    assert Return.objects.count() == 1


def test_an_order_not_completed_cannot_be_returned(net):
    order = place_order(
        actor=HQ,
        channel="web",
        lines=[LineInput("TEE-R", 1)],
        fulfilment=FulfilmentInput(type="pickup", location="MI-RET"),
        customer=CustomerInput(email=EMAIL),
    )
    with pytest.raises(InvalidTransition):
        back(order, net["milano"], ("TEE-R", 1, "resellable"))


def test_a_location_that_does_not_accept_returns_refuses_them(net):
    order = till_sale(net["milano"], (("TEE-R", 1),))
    for location in (net["outlet"], net["hub"]):
        with pytest.raises(InvalidInput) as err:
            back(order, location, ("TEE-R", 1, "resellable"))
        assert list(err.value.errors) == ["location"]


def test_a_store_receives_only_at_its_own_location_and_a_kiosk_not_at_all(net):
    order = shipped_web_order((("TEE-R", 1),))
    associate = Actor.for_user(UserFactory(role="associate", locations=[net["roma"]]))
    with pytest.raises(Forbidden):
        back(order, net["milano"], ("TEE-R", 1, "resellable"), actor=associate)
    assert back(order, net["roma"], ("TEE-R", 1, "resellable"), actor=associate).return_doc.pk
    kiosk = Actor(role="kiosk", location_ids=frozenset({net["roma"].pk}))
    with pytest.raises(Forbidden):
        back(order, net["roma"], ("TEE-R", 1, "resellable"), actor=kiosk)
    with pytest.raises(NotFound):
        back(Order(number="W-1"), net["roma"], ("TEE-R", 1, "resellable"))


# --- The window ---------------------------------------------------------------------------------------------


def test_past_the_window_only_a_manager_accepts_it_with_a_reason_audited(net):
    order = completed_days_ago(till_sale(net["milano"], (("TEE-R", 2),)), 31)
    with pytest.raises(ReturnWindowClosed):
        back(order, net["milano"], ("TEE-R", 1, "resellable"))
    associate = Actor.for_user(UserFactory(role="associate", locations=[net["milano"]]))
    with pytest.raises(Forbidden):
        back(
            order,
            net["milano"],
            ("TEE-R", 1, "resellable"),
            actor=associate,
            override_reason="regular customer",
        )
    manager = Actor.for_user(UserFactory(role="store_manager", locations=[net["milano"]]))
    ret = back(
        order, net["milano"], ("TEE-R", 1, "resellable"), actor=manager, override_reason="gift, receipt late"
    ).return_doc
    assert ret.window_overridden and ret.override_reason == "gift, receipt late"
    event = OrderEvent.objects.get(order=order, kind="return_window_override")
    assert "gift, receipt late" in event.message and event.actor_label == manager.label
    assert AuditEntry.objects.filter(action="return_window_override", object_id=order.number).count() == 1


def test_the_window_is_per_channel(net, settings):
    settings.OMNI_RETURN_WINDOW_DAYS = {"default": 30, "store": 10}
    order = completed_days_ago(till_sale(net["milano"], (("TEE-R", 2),)), 11)
    with pytest.raises(ReturnWindowClosed):
        back(order, net["milano"], ("TEE-R", 1, "resellable"))
    settings.OMNI_RETURN_WINDOW_DAYS = {"default": 30}
    assert back(order, net["milano"], ("TEE-R", 1, "resellable")).return_doc.pk


# --- Refund recording ---------------------------------------------------------------------------------------


def test_original_method_is_owed_on_the_payment_and_cash_is_handed_back(net):
    order = shipped_web_order((("TEE-R", 2),))
    ret = back(order, net["milano"], ("TEE-R", 1, "resellable")).return_doc
    payment = Payment.objects.get(order=order, method="card")
    assert (ret.status, ret.refund_method, ret.payment_id) == ("refund_due", "card", payment.pk)
    assert payment.refund_due == Decimal("19.90")
    ret = back(order, net["milano"], ("TEE-R", 1, "resellable"), refund_method="cash").return_doc
    assert (ret.status, ret.refund_method) == ("refunded", "cash")
    cash = Payment.objects.get(pk=ret.payment_id)
    assert (cash.method, cash.status, cash.amount, cash.reference) == (
        "cash",
        "refunded",
        Decimal("19.90"),
        ret.number,
    )
    with pytest.raises(InvalidInput) as err:
        back(
            till_sale(net["milano"], (("TEE-R", 1),)),
            net["post"],
            ("TEE-R", 1, "resellable"),
            refund_method="cash",
        )
    assert list(err.value.errors) == ["refund_method"]


# --- Points -------------------------------------------------------------------------------------------------


def test_points_earned_are_taken_back_and_points_redeemed_given_back(net):
    member = enroll_member(email=EMAIL, first_name="Giulia", actor=HQ)
    adjust(member=member, points=500, reason="welcome", actor=HQ)
    order = place_order(
        actor=HQ,
        channel="store",
        lines=[LineInput("JNS-R", 2)],
        fulfilment=FulfilmentInput(type="carry_out", location="MI-RET"),
        customer=CustomerInput(email=EMAIL),
        redeem_points=200,  # 2.00 off, shared onto the line
        payment=PaymentInput(method="card", status="captured"),
    )
    assert order.lines.get().line_total == Decimal("117.80")
    earned = LedgerEntry.objects.filter(kind="earn", order_number=order.number).get()
    assert earned.points == 117
    ret = back(order, net["milano"], ("JNS-R", 1, "resellable")).return_doc
    assert ret.refund_amount == Decimal("58.90")
    assert (ret.points_reversed, ret.points_restored) == (58, 100)
    ret2 = back(order, net["milano"], ("JNS-R", 1, "damaged")).return_doc
    assert (ret2.points_reversed, ret2.points_restored) == (59, 100)
    reversals = LedgerEntry.objects.filter(kind="reverse", order_number=order.number)
    assert sorted(e.points for e in reversals) == [-59, -58, 100, 100]


# --- Exchanges ----------------------------------------------------------------------------------------------


def test_an_exchange_sells_the_new_items_and_charges_the_difference(net):
    order = till_sale(net["milano"], (("TEE-R", 1),))
    outcome = back(
        order,
        net["milano"],
        ("TEE-R", 1, "resellable", "wrong_size"),
        exchange=ExchangeInput(lines=[LineInput("JNS-R", 1)], payment_method="cash"),
    )
    ret, new = outcome.return_doc, outcome.exchange_order
    assert new is not None and new.status == "completed" and new.fulfilment_type == "carry_out"
    assert (new.location, new.customer_email, new.total) == (net["milano"], EMAIL, Decimal("59.90"))
    assert (ret.exchange_credit, ret.exchange_charged, ret.refund_paid) == (
        Decimal("19.90"),
        Decimal("40.00"),
        0,
    )
    assert (ret.status, ret.refund_method) == ("refunded", "return_credit")
    pays = Counter((p.method, p.status, p.amount) for p in Payment.objects.filter(order=new))
    assert pays == Counter(
        {("cash", "captured", Decimal("40.00")): 1, ("return_credit", "captured", Decimal("19.90")): 1}
    )
    assert on_hand(net["milano"], net["tee"]) == 10 - 1 + 1
    assert on_hand(net["milano"], net["jeans"]) == 10 - 1
    assert OrderEvent.objects.filter(order=order, kind="exchanged").count() == 1
    assert stock_drift() == []


def test_an_exchange_for_less_pays_the_rest_back(net):
    order = till_sale(net["milano"], (("JNS-R", 1),))
    outcome = back(
        order,
        net["milano"],
        ("JNS-R", 1, "resellable", "changed_mind"),
        refund_method="cash",
        exchange=ExchangeInput(lines=[LineInput("CAP-R", 1)]),
    )
    ret, new = outcome.return_doc, outcome.exchange_order
    assert (ret.exchange_credit, ret.exchange_charged, ret.refund_paid) == (
        Decimal("9.90"),
        0,
        Decimal("50.00"),
    )
    assert [(p.method, p.amount) for p in Payment.objects.filter(order=new)] == [
        ("return_credit", Decimal("9.90"))
    ]
    assert Payment.objects.get(order=order, method="cash", status="refunded").amount == Decimal("50.00")


def test_an_exchange_that_cannot_be_sold_leaves_nothing(net):
    order = till_sale(net["milano"], (("TEE-R", 1),))
    with pytest.raises(InvalidInput) as err:
        back(
            order,
            net["milano"],
            ("TEE-R", 1, "resellable"),
            exchange=ExchangeInput(lines=[LineInput("NOPE", 1)]),
        )
    assert list(err.value.errors) == ["exchange.lines.0.sku"]
    assert Return.objects.count() == 0 and on_hand(net["milano"], net["tee"]) == 9


# --- Dry run, webhook, email --------------------------------------------------------------------------------


def test_a_dry_run_computes_the_same_and_writes_nothing(net):
    order = till_sale(net["milano"], (("TEE-R", 2),))
    counts = (Return.objects.count(), StockMovement.objects.count(), OrderEvent.objects.count())
    preview = back(order, net["milano"], ("TEE-R", 1, "resellable"), dry_run=True)
    assert preview.dry_run and preview.return_doc.number == ""
    assert preview.return_doc.refund_amount == Decimal("19.90")
    assert (Return.objects.count(), StockMovement.objects.count(), OrderEvent.objects.count()) == counts
    assert back(order, net["milano"], ("TEE-R", 1, "resellable")).return_doc.refund_amount == Decimal("19.90")


def test_the_return_is_a_webhook_event_and_a_receipt_email(net, django_capture_on_commit_callbacks, settings):
    settings.OMNI_CUSTOMER_LANGUAGE = "en"
    WebhookSubscription.objects.create(
        name="shop", url="https://shop.example/hook", secret="s", events=["order.returned"]
    )
    order = till_sale(net["milano"], (("TEE-R", 2),))
    with django_capture_on_commit_callbacks(execute=True):
        ret = back(order, net["roma"], ("TEE-R", 1, "resellable", "wrong_size")).return_doc
    event = WebhookEvent.objects.get(event_type="order.returned")
    assert event.payload["number"] == order.number
    assert event.payload["return"]["number"] == ret.number
    assert event.payload["return"]["lines"][0]["refund_amount"] == "19.90"
    receipts = [m for m in mail.outbox if ret.number in m.subject]
    assert len(receipts) == 1 and receipts[0].to == [EMAIL]
    assert "19.90" in receipts[0].body and "Wrong size" in receipts[0].body
    html = receipts[0].alternatives[0][0]
    assert ret.number in html and "<table" in html


def test_the_receipt_is_in_italian_by_default(net):
    order = till_sale(net["milano"], (("TEE-R", 1),))
    ret = back(order, net["milano"], ("TEE-R", 1, "resellable", "wrong_size")).return_doc
    subject, text, html = notifications.render(order, f"return_receipt:{ret.number}")
    assert "reso" in subject.lower() and ret.number in subject
    assert "Taglia sbagliata" in text and "<html" in html


# --- Finding orders, figures --------------------------------------------------------------------------------


def test_the_desk_finds_an_order_by_number_barcode_email_or_loyalty_card(net):
    member = enroll_member(email=EMAIL, first_name="Giulia", actor=HQ)
    order = till_sale(net["milano"], (("TEE-R", 1),))
    digits = order.number.split("-")[1]
    store = Actor.for_user(UserFactory(role="associate", locations=[net["roma"]]))
    for query in (
        order.number,
        order.number.lower(),
        f"S'{digits}",
        digits,
        EMAIL.upper(),
        member.card_number,
    ):
        assert [o.number for o in returnable_orders(store, query)] == [order.number], query
    assert normalize_receipt_code(" s/100023 ") == "S-100023"
    assert returnable_orders(store, "nobody@example.it") == []


def test_figures_by_location_reason_and_channel_with_online_returned_in_stores(
    net, django_assert_num_queries
):
    web = shipped_web_order((("TEE-R", 2),))
    till = till_sale(net["milano"], (("CAP-R", 1),))
    back(web, net["roma"], ("TEE-R", 1, "resellable", "wrong_size"), ("TEE-R", 1, "damaged", "wrong_size"))
    back(till, net["milano"], ("CAP-R", 1, "resellable", "changed_mind"))
    with django_assert_num_queries(1):
        rows = returns_figures()
    assert [
        (r["location"], r["reason"], r["channel"], r["online_in_store"], r["returns"], r["units"])
        for r in rows
    ] == [
        ("MI-RET", "changed_mind", "store", False, 1, 1),
        ("RM-RET", "wrong_size", "web", True, 1, 2),
    ]
    assert rows[1]["resellable"] == 1 and rows[1]["damaged"] == 1 and rows[1]["refund"] == Decimal("39.80")
    assert returns_figures(location_ids=[net["milano"].pk])[0]["refund"] == Decimal("9.90")
    tomorrow = (Return.objects.first().created_at + timedelta(days=1)).date()  # type: ignore[union-attr]
    assert returns_figures(date_from=tomorrow) == []
