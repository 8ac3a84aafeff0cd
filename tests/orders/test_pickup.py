"""Click and collect through the services: promised times with opening hours, picking and short picks (the
ledger corrected, the order repriced), ready (code, hold, QR email), collect (the code, the lockout, the
sale), unlock, expiry and reminders, ship to store by transfer, and the pickup figures."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from email.mime.image import MIMEImage
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from inventory.models import (
    Reservation,
    ReservationState,
    StockLevel,
    StockMovement,
    Transfer,
    TransferStatus,
)
from inventory.selectors import stock_drift
from inventory.services import (
    ReceivedLineInput,
    receive_transfer,
    record_movement,
    set_stock_parameters,
    ship_transfer,
)
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidTransition
from omni.models import AuditEntry
from orders.exceptions import InvalidPickupCode, OrderInvalid, OrderNotFound, PickupLocked
from orders.models import (
    Allocation,
    Order,
    OrderEmail,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    WebhookEvent,
    WebhookSubscription,
)
from orders.selectors import pickup_figures
from orders.services import (
    CustomerInput,
    FulfilmentInput,
    LineInput,
    PaymentInput,
    cancel_order,
    collect,
    expire_pickups,
    mark_ready,
    pick_lines,
    place_order,
    promised_ready_time,
    send_pickup_reminders,
    short_pick,
    unlock_pickup,
)
from orders.services.notifications import build_message, send_order_email
from stores.models import OpeningHours
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.orders.factories import PromotionFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
CUSTOMER = CustomerInput(email="giulia@example.it", first_name="Giulia", last_name="Rossi")
PAID = PaymentInput(method="card", status="captured", reference="PSP-1")
CASH = PaymentInput(method="cash", status="captured")


@pytest.fixture
def net():
    store = LocationFactory(
        code="MI-P",
        name="Milano Duomo",
        address="Piazza Duomo 1",
        latitude=Decimal("45.4642"),
        longitude=Decimal("9.19"),
        pickup_hold_days=3,
        preparation_minutes=120,
    )
    other = LocationFactory(code="TO-P", latitude=Decimal("45.07"), longitude=Decimal("7.68"))
    hub = WarehouseFactory(code="WH-P", latitude=Decimal("45.05"), longitude=Decimal("9.69"))
    tee = VariantFactory(sku="TEE-P", price=Decimal("19.90"))
    jeans = VariantFactory(sku="JNS-P", price=Decimal("59.90"))
    stock(store, tee, 5)
    stock(store, jeans, 2)
    stock(hub, tee, 10)
    stock(hub, jeans, 10)
    return {"store": store, "other": other, "hub": hub, "tee": tee, "jeans": jeans}


@pytest.fixture
def staff(net):
    return {
        "manager": Actor.for_user(
            UserFactory(username="marta", role="store_manager", locations=[net["store"]])
        ),
        "associate": Actor.for_user(
            UserFactory(username="paolo", role="associate", locations=[net["store"]])
        ),
        "elsewhere": Actor.for_user(
            UserFactory(username="luca", role="store_manager", locations=[net["other"]])
        ),
        "hq": Actor.for_user(UserFactory(username="hq", role="hq_manager")),
    }


def stock(location, variant, quantity):
    record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def level(location, variant) -> StockLevel:
    return StockLevel.objects.get(location=location, variant=variant)


def figures(location, variant) -> tuple[int, int]:
    lv = level(location, variant)
    return lv.on_hand, lv.reserved


def pickup(lines=(("TEE-P", 2),), *, allow_transfer=False, payment=PAID, location="MI-P") -> Order:
    return place_order(
        actor=HQ,
        channel="web",
        customer=CUSTOMER,
        lines=[LineInput(sku, q) for sku, q in lines],
        fulfilment=FulfilmentInput(type="pickup", location=location, allow_transfer=allow_transfer),
        payment=payment,
    )


def ready(lines=(("TEE-P", 2),), **kwargs) -> Order:
    order = pickup(lines, **kwargs)
    return mark_ready(actor=HQ, number=order.number)


def kinds(order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("kind", flat=True))


def wrong_code(order) -> str:
    return f"{(int(order.pickup_code) + 1) % 10**6:06d}"


# --- Promised ready time -------------------------------------------------------------------------------


def rome(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_fixed_timezone(60))  # CET, winter


def test_without_opening_hours_preparation_is_plain_addition(net):
    placed = rome(2026, 12, 4, 23, 30)
    assert promised_ready_time(net["store"], placed) == placed + timedelta(minutes=120)
    assert promised_ready_time(net["store"], placed, lead_hours=48) == placed + timedelta(hours=50)


def test_preparation_counts_only_opening_hours(net):
    store = net["store"]
    for weekday in range(5):  # Monday to Friday, closed for lunch; closed at the weekend
        OpeningHours.objects.create(location=store, weekday=weekday, opens=time(9), closes=time(13))
        OpeningHours.objects.create(location=store, weekday=weekday, opens=time(14), closes=time(19))
    # Friday 4 December 2026 at 18:00: one hour on Friday, the second on Monday from 9:00
    assert promised_ready_time(store, rome(2026, 12, 4, 18, 0)) == rome(2026, 12, 7, 10, 0)
    # Friday 12:30: 30 minutes before lunch, 90 after it
    assert promised_ready_time(store, rome(2026, 12, 4, 12, 30)) == rome(2026, 12, 4, 15, 30)
    # Saturday night: Monday 11:00
    assert promised_ready_time(store, rome(2026, 12, 5, 23, 0)) == rome(2026, 12, 7, 11, 0)
    # with the transfer's lead time first: Monday 10:00 + 48 h = Wednesday 10:00, + 2 h open
    assert promised_ready_time(store, rome(2026, 12, 7, 10, 0), lead_hours=48) == rome(2026, 12, 9, 12, 0)
    # no preparation at all, placed while closed: the next opening
    store.preparation_minutes = 0
    assert promised_ready_time(store, rome(2026, 12, 5, 10, 0)) == rome(2026, 12, 7, 9, 0)


def test_placement_stores_the_promise(net):
    OpeningHours.objects.bulk_create(
        OpeningHours(location=net["store"], weekday=d, opens=time(10), closes=time(19)) for d in range(7)
    )
    order = pickup()
    expected = promised_ready_time(net["store"], order.created_at)
    assert order.promised_ready_at == expected
    assert "promised" in kinds(order)
    delivery = place_order(
        actor=HQ,
        channel="web",
        customer=CUSTOMER,
        lines=[LineInput("TEE-P", 1)],
        fulfilment=FulfilmentInput(
            type="delivery",
            address={"line1": "Via Roma 1", "city": "Roma", "postcode": "00100", "country": "IT"},
        ),
    )
    assert delivery.promised_ready_at is None


# --- Picking -------------------------------------------------------------------------------------------


def test_pick_lines_records_what_is_in_the_bag(net, staff):
    order = pickup([("TEE-P", 2), ("JNS-P", 1)])
    tee, jeans = order.lines.get(sku="TEE-P"), order.lines.get(sku="JNS-P")
    pick_lines(actor=staff["associate"], number=order.number, picked={tee.pk: 2, jeans.pk: 0})
    assert dict(OrderLine.objects.filter(order=order).values_list("sku", "picked_quantity")) == {
        "TEE-P": 2,
        "JNS-P": 0,
    }
    assert "picked" in kinds(order)

    with pytest.raises(OrderInvalid) as too_many:
        pick_lines(actor=staff["associate"], number=order.number, picked={tee.pk: 3})
    assert f"picked.{tee.pk}" in too_many.value.errors
    with pytest.raises(OrderInvalid) as labelled:
        pick_lines(
            actor=staff["associate"], number=order.number, picked={999999: 1}, labels={999999: "lines.0"}
        )
    assert "lines.0" in labelled.value.errors
    with pytest.raises(OrderNotFound):  # another store's people do not even see it
        pick_lines(actor=staff["elsewhere"], number=order.number, picked={tee.pk: 1})
    with pytest.raises(Forbidden):  # an e-shop never picks
        pick_lines(actor=Actor(role="eshop"), number=order.number, picked={tee.pk: 1})

    mark_ready(actor=staff["associate"], number=order.number)
    with pytest.raises(InvalidTransition):
        pick_lines(actor=staff["associate"], number=order.number, picked={tee.pk: 1})


def test_a_short_pick_cancelled_corrects_the_ledger_and_reprices(
    net, staff, django_capture_on_commit_callbacks, settings
):
    settings.OMNI_CUSTOMER_LANGUAGE = "en"
    PromotionFactory(variant=net["tee"], value=Decimal("10.00"))  # 1.99 off each tee
    order = pickup([("TEE-P", 3), ("JNS-P", 1)])
    assert (order.total, order.discount) == (Decimal("113.63"), Decimal("5.97"))
    tee = order.lines.get(sku="TEE-P")
    before = figures(net["store"], net["tee"])
    assert before == (5, 3)

    with django_capture_on_commit_callbacks(execute=True):
        short_pick(
            actor=staff["associate"], number=order.number, line_id=tee.pk, missing=1, resolution="cancel_line"
        )

    # the missing unit is written off at the store, its reservation released: availability is truthful
    assert figures(net["store"], net["tee"]) == (4, 2)
    adjustment = StockMovement.objects.get(kind="adjustment", reference=order.number)
    assert (adjustment.delta, adjustment.reason) == (-1, "shrinkage") and "Short pick" in adjustment.note
    assert (
        Reservation.objects.filter(owner=order.reservation_owner, state="active")
        .get(variant=net["tee"])
        .quantity
        == 2
    )
    assert stock_drift() == []

    # the line and the order, repriced as the pricing service stores them
    tee.refresh_from_db()
    assert (tee.quantity, tee.short_quantity, tee.cancelled_quantity) == (2, 1, 1)
    assert (tee.promotion_discount, tee.line_total, tee.vat_amount) == (
        Decimal("3.98"),
        Decimal("35.82"),
        Decimal("6.46"),
    )
    order.refresh_from_db()
    assert (order.subtotal, order.discount, order.total, order.vat_total) == (
        Decimal("99.70"),
        Decimal("3.98"),
        Decimal("95.72"),
        Decimal("17.26"),
    )
    payment = order.payments.get()
    assert (payment.status, payment.amount, payment.refund_due) == (
        "captured",
        Decimal("113.63"),
        Decimal("17.91"),
    )
    assert kinds(order)[-2:] == ["short_pick", "line_cancelled"]

    # the customer is told, once per cancellation
    [message] = mail.outbox
    assert order.number in message.subject
    assert "TEE-P" in message.body and "95.72" in message.body and "17.91" in message.body
    assert OrderEmail.objects.filter(order=order, kind__startswith="line_cancelled:").count() == 1


def test_a_short_pick_of_everything_cancels_the_order(net, staff):
    order = pickup([("TEE-P", 2)])
    line = order.lines.get()
    short_pick(
        actor=staff["associate"], number=order.number, line_id=line.pk, missing=2, resolution="cancel_line"
    )
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "out_of_stock")
    assert figures(net["store"], net["tee"]) == (3, 0)  # two written off, nothing held
    assert order.payments.get().status == "refunded"
    line.refresh_from_db()
    assert (line.quantity, line.short_quantity) == (2, 2)  # a cancelled order keeps its lines as ordered
    assert stock_drift() == []


def test_a_short_pick_resourced_comes_by_transfer(net, staff):
    order = pickup([("TEE-P", 3)])
    line = order.lines.get()
    promised = order.promised_ready_at
    short_pick(
        actor=staff["associate"], number=order.number, line_id=line.pk, missing=1, resolution="resource"
    )

    assert figures(net["store"], net["tee"]) == (4, 2)
    transfer = Transfer.objects.get(reference=order.number)
    assert (transfer.from_location, transfer.to_location, transfer.status) == (
        net["hub"],
        net["store"],
        "requested",
    )
    assert figures(net["hub"], net["tee"]) == (10, 1)  # held at the hub under the transfer, not the order
    assert Reservation.objects.get(location=net["hub"], state="active").owner == transfer.owner_ref
    order.refresh_from_db()
    assert order.promised_ready_at > promised
    line.refresh_from_db()
    assert (line.quantity, line.short_quantity, line.cancelled_quantity) == (3, 1, 0)
    assert order.total == Decimal("59.70")
    with pytest.raises(InvalidTransition):
        mark_ready(actor=staff["associate"], number=order.number)

    ship_transfer(actor=HQ, transfer_id=transfer.pk)
    receive_transfer(actor=staff["associate"], transfer_id=transfer.pk, lines=[])
    assert figures(net["store"], net["tee"]) == (5, 3)
    mark_ready(actor=staff["associate"], number=order.number)
    assert stock_drift() == []


def test_a_short_pick_nobody_can_make_good_is_cancelled(net, staff):
    order = pickup([("TEE-P", 2), ("JNS-P", 1)])
    jeans = order.lines.get(sku="JNS-P")
    record_movement(
        actor=HQ, location_id=net["hub"].pk, variant_id=net["jeans"].pk, kind="damage", quantity=10
    )  # no jeans anywhere else
    short_pick(
        actor=staff["associate"], number=order.number, line_id=jeans.pk, missing=1, resolution="resource"
    )
    jeans.refresh_from_db()
    assert (jeans.quantity, jeans.cancelled_quantity, jeans.line_total) == (0, 1, Decimal("0.00"))
    order.refresh_from_db()
    assert order.status == "placed" and order.total == Decimal("39.80")
    assert {"short_pick", "resource_failed", "line_cancelled"} <= set(kinds(order))
    assert not Transfer.objects.filter(reference=order.number).exists()


def test_short_pick_refuses_bad_input(net, staff):
    order = pickup([("TEE-P", 2)])
    line = order.lines.get()
    for kwargs, field in (
        ({"missing": 3, "resolution": "cancel_line"}, "missing"),
        ({"missing": 0, "resolution": "cancel_line"}, "missing"),
        ({"missing": 1, "resolution": "shrug"}, "resolution"),
    ):
        with pytest.raises(OrderInvalid) as error:
            short_pick(actor=staff["associate"], number=order.number, line_id=line.pk, **kwargs)
        assert field in error.value.errors
    with pytest.raises(OrderInvalid):
        short_pick(
            actor=staff["associate"], number=order.number, line_id=0, missing=1, resolution="cancel_line"
        )
    assert figures(net["store"], net["tee"]) == (5, 2)


# --- Ready ---------------------------------------------------------------------------------------------


def test_mark_ready_sets_code_and_hold_and_notifies(net, staff, django_capture_on_commit_callbacks, settings):
    settings.OMNI_CUSTOMER_LANGUAGE = "en"
    WebhookSubscription.objects.create(name="shop", url="http://shop.invalid/hook", secret="s", events=["*"])
    order = pickup([("TEE-P", 2), ("JNS-P", 1)])
    before = timezone.now()
    with (
        mock.patch("orders.services.webhooks.requests.post", return_value=mock.Mock(status_code=204)) as post,
        django_capture_on_commit_callbacks(execute=True),  # runs the callbacks on leaving, still mocked
    ):
        mark_ready(actor=staff["associate"], number=order.number)
    assert post.call_args.kwargs["headers"]["Omni-Event"] == "order.ready_for_pickup"
    order.refresh_from_db()
    assert order.status == OrderStatus.READY_FOR_PICKUP
    assert len(order.pickup_code) == 6 and order.pickup_code.isdigit()
    assert before <= order.ready_at <= timezone.now()
    assert order.expires_at == order.ready_at + timedelta(days=3)
    assert list(order.lines.values_list("picked_quantity", flat=True)) == [2, 1]  # confirmed picked
    assert WebhookEvent.objects.filter(order=order, event_type="order.ready_for_pickup").exists()
    ready_event = OrderEvent.objects.get(order=order, kind="ready_for_pickup")
    assert order.pickup_code not in ready_event.message  # store roles read the timeline

    [message] = mail.outbox
    assert "ready to pick up" in message.subject
    assert order.pickup_code in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and order.pickup_code in html
    assert f'src="cid:pickup-{order.number}@omni"' in html
    # the QR code travels inline, as a related PNG part with that Content-ID
    mime = message.message()
    assert mime.get_content_type() == "multipart/related"
    images = [part for part in mime.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1
    assert images[0]["Content-ID"] == f"<pickup-{order.number}@omni>"
    assert images[0]["Content-Disposition"].startswith("inline")
    assert images[0].get_payload(decode=True).startswith(b"\x89PNG")

    with pytest.raises(InvalidTransition):
        mark_ready(actor=staff["associate"], number=order.number)


def test_the_ready_email_in_italian(net):
    order = ready()
    message = build_message(Order.objects.get(pk=order.pk), "ready")
    assert "pronto per il ritiro" in message.subject
    assert "Il tuo codice di ritiro" in message.body and order.pickup_code in message.body
    assert any(isinstance(a, MIMEImage) for a in message.attachments)


def test_ready_is_for_the_store_of_a_placed_pickup(net, staff):
    order = pickup()
    with pytest.raises(OrderNotFound):
        mark_ready(actor=staff["elsewhere"], number=order.number)
    with pytest.raises(Forbidden):  # an e-shop sees its orders but never prepares them
        mark_ready(actor=Actor(role="eshop"), number=order.number)
    taken_elsewhere = Actor.for_user(UserFactory(username="anna", role="associate", locations=[net["other"]]))
    theirs = place_order(
        actor=taken_elsewhere,
        channel="store",
        customer=CUSTOMER,
        lines=[LineInput("TEE-P", 1)],
        fulfilment=FulfilmentInput(type="pickup", location="MI-P"),
    )
    with pytest.raises(Forbidden):  # they took it, so they see it, but it is prepared at MI-P
        mark_ready(actor=taken_elsewhere, number=theirs.number)
    delivery = place_order(
        actor=HQ,
        channel="web",
        customer=CUSTOMER,
        lines=[LineInput("TEE-P", 1)],
        fulfilment=FulfilmentInput(
            type="delivery",
            address={"line1": "Via Roma 1", "city": "Roma", "postcode": "00100", "country": "IT"},
        ),
    )
    with pytest.raises(InvalidTransition):
        mark_ready(actor=HQ, number=delivery.number)
    cancel_order(actor=HQ, number=order.number)
    with pytest.raises(InvalidTransition):
        mark_ready(actor=HQ, number=order.number)


# --- Collect -------------------------------------------------------------------------------------------


def test_collect_with_the_right_code_sells_the_reserved_units(net, staff):
    order = ready([("TEE-P", 2)])
    assert figures(net["store"], net["tee"]) == (5, 2)
    collect(actor=staff["associate"], number=order.number, code=f" {order.pickup_code} ")
    order.refresh_from_db()
    assert order.status == "collected" and order.completed_at is not None
    assert figures(net["store"], net["tee"]) == (3, 0)
    sale = StockMovement.objects.get(kind="sale", reference=order.number)
    assert (sale.delta, sale.location_id) == (-2, net["store"].pk)
    assert not Reservation.objects.filter(
        owner=order.reservation_owner, state=ReservationState.ACTIVE
    ).exists()
    assert "collected" in kinds(order)
    with pytest.raises(InvalidTransition):
        collect(actor=staff["associate"], number=order.number, code=order.pickup_code)
    assert stock_drift() == []


def test_wrong_codes_are_counted_and_the_fifth_locks(net, staff):
    order = ready()
    for attempt in range(1, 6):
        with pytest.raises(InvalidPickupCode) as error:
            collect(actor=staff["associate"], number=order.number, code=wrong_code(order))
        # counted although the service raised
        assert Order.objects.get(pk=order.pk).pickup_failed_attempts == attempt
        assert error.value.extra["attempts_left"] == 5 - attempt
    locked = Order.objects.get(pk=order.pk)
    assert locked.pickup_locked_at is not None
    assert kinds(order).count("pickup_code_rejected") == 5 and "pickup_locked" in kinds(order)
    with pytest.raises(PickupLocked):
        collect(actor=staff["associate"], number=order.number, code=order.pickup_code)
    assert figures(net["store"], net["tee"]) == (5, 2)  # nothing left the store

    with pytest.raises(Forbidden):
        unlock_pickup(actor=staff["associate"], number=order.number, reason="known customer")
    with pytest.raises(OrderNotFound):
        unlock_pickup(actor=staff["elsewhere"], number=order.number, reason="known customer")
    with pytest.raises(Forbidden):  # a store tablet is no manager
        unlock_pickup(
            actor=Actor(role="store", location_ids=frozenset({net["store"].pk})),
            number=order.number,
            reason="x",
        )
    with pytest.raises(OrderInvalid):
        unlock_pickup(actor=staff["manager"], number=order.number, reason="   ")
    unlock_pickup(actor=staff["manager"], number=order.number, reason="ID card checked")
    unlocked = Order.objects.get(pk=order.pk)
    assert (unlocked.pickup_failed_attempts, unlocked.pickup_locked_at) == (0, None)
    event = OrderEvent.objects.get(order=order, kind="pickup_unlocked")
    assert "marta" in event.message and "ID card checked" in event.message
    assert AuditEntry.objects.filter(action="order.pickup_unlocked", object_id=order.number).exists()
    with pytest.raises(InvalidTransition):  # nothing to unlock any more
        unlock_pickup(actor=staff["hq"], number=order.number, reason="again")
    collect(actor=staff["associate"], number=order.number, code=order.pickup_code)
    assert Order.objects.get(pk=order.pk).status == "collected"


def test_a_pickup_paid_at_the_desk_needs_the_payment(net, staff):
    order = ready(payment=None)  # pay at pickup, pending
    assert order.payments.get().method == "pay_at_pickup"
    with pytest.raises(OrderInvalid) as error:
        collect(actor=staff["associate"], number=order.number, code=order.pickup_code)
    assert "payment" in error.value.errors
    assert Order.objects.get(pk=order.pk).pickup_failed_attempts == 0  # costs no attempt
    with pytest.raises(OrderInvalid) as error:
        collect(
            actor=staff["associate"],
            number=order.number,
            code=order.pickup_code,
            payment=PaymentInput(method="paypal", status="captured"),
        )
    assert "payment.method" in error.value.errors
    collect(actor=staff["associate"], number=order.number, code=order.pickup_code, payment=CASH)
    payment = Payment.objects.get(order=order)
    assert (payment.method, payment.status, payment.amount) == ("cash", "captured", Decimal("39.80"))

    paid = ready()
    with pytest.raises(OrderInvalid) as error:
        collect(actor=staff["associate"], number=paid.number, code=paid.pickup_code, payment=CASH)
    assert "payment" in error.value.errors


def test_an_authorised_payment_is_captured_at_collection(net, staff):
    order = ready(payment=PaymentInput(method="card", status="authorised"))
    collect(actor=staff["associate"], number=order.number, code=order.pickup_code)
    assert Payment.objects.get(order=order).status == "captured"


# --- Expiry and reminders --------------------------------------------------------------------------------


def test_expire_pickups_command_with_as_of(net, staff):
    order = ready([("TEE-P", 2)])
    waiting = pickup([("TEE-P", 1)])  # placed, never made ready: no hold yet
    expires = Order.objects.get(pk=order.pk).expires_at

    out = call_command_output("--as-of", (expires - timedelta(minutes=1)).isoformat())
    assert "0 pickup order(s) expired" in out
    assert Order.objects.get(pk=order.pk).status == "ready_for_pickup"

    out = call_command_output("--as-of", (expires + timedelta(seconds=1)).astimezone(UTC).isoformat())
    assert f"{order.number} cancelled" in out and "1 pickup order(s) expired" in out
    expired = Order.objects.get(pk=order.pk)
    assert (expired.status, expired.cancel_reason) == ("cancelled", "pickup_expired")
    assert figures(net["store"], net["tee"]) == (5, 1)  # released at once; `waiting` still holds its one
    assert Order.objects.get(pk=waiting.pk).status == "placed"
    assert stock_drift() == []

    with pytest.raises(CommandError):
        call_command("expire_pickups", "--as-of", "next tuesday")
    with pytest.raises(CommandError):
        call_command("expire_pickups", "--as-of", "2026-13-45T99:00")


def call_command_output(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("expire_pickups", *args, stdout=out)
    return out.getvalue()


def test_reminders_are_sent_once_within_a_day_of_expiry(net, settings):
    settings.OMNI_CUSTOMER_LANGUAGE = "en"
    order = ready()
    expires = Order.objects.get(pk=order.pk).expires_at
    assert send_pickup_reminders(as_of=expires - timedelta(hours=30)) == 0  # not due yet
    assert send_pickup_reminders(as_of=expires - timedelta(hours=20)) == 1
    assert send_pickup_reminders(as_of=expires - timedelta(hours=10)) == 0  # once only
    [message] = mail.outbox
    assert "Reminder" in message.subject and order.pickup_code in message.body
    assert any(part.get_content_type() == "image/png" for part in message.message().walk())
    assert OrderEmail.objects.get(order=order, kind="pickup_reminder").sent_at is not None
    assert send_pickup_reminders(as_of=expires + timedelta(minutes=1)) == 0  # expired: no reminder


def test_the_reminder_and_line_cancelled_emails_in_italian(net, staff):
    order = ready()
    message = build_message(Order.objects.get(pk=order.pk), "pickup_reminder")
    assert "Promemoria" in message.subject and "ti aspetta" in message.body
    other = pickup([("TEE-P", 2), ("JNS-P", 1)])
    line = other.lines.get(sku="JNS-P")
    short_pick(
        actor=staff["associate"], number=other.number, line_id=line.pk, missing=1, resolution="cancel_line"
    )
    event = OrderEvent.objects.get(order=other, kind="line_cancelled")
    assert send_order_email(order_id=other.pk, kind=f"line_cancelled:{event.pk}") is True
    [italian] = mail.outbox
    assert "Una modifica al tuo ordine" in italian.subject
    assert "non è disponibile" in italian.body and "JNS-P" in italian.body
    assert "Ti rimborsiamo 59,90 EUR" in italian.body  # amounts as Italians write them
    assert "non è disponibile" in italian.alternatives[0][0]


def test_an_email_for_a_pickup_no_longer_ready_is_not_sent(net, staff):
    order = ready()
    collect(actor=staff["associate"], number=order.number, code=order.pickup_code)
    assert send_order_email(order_id=order.pk, kind="ready") is False
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_expiry_runs_at_once_cancel_each_order_once(net):
    orders = [ready([("TEE-P", 1)]) for _ in range(4)]
    as_of = timezone.now() + timedelta(days=4)
    results: list[list[str]] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            results.append(expire_pickups(as_of=as_of))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = [n for r in results for n in r]
    assert sorted(numbers) == sorted(o.number for o in orders)  # every order once, none twice
    assert OrderEvent.objects.filter(kind="cancelled").count() == 4
    assert figures(net["store"], net["tee"]) == (5, 0)
    assert stock_drift() == []


# --- Ship to store ---------------------------------------------------------------------------------------


def test_ship_to_store_requests_a_transfer_and_never_double_reserves(net, staff):
    order = pickup([("TEE-P", 7), ("JNS-P", 1)], allow_transfer=True)  # the store has 5 tees
    transfer = Transfer.objects.get(reference=order.number)
    assert (transfer.from_location, transfer.to_location, transfer.status) == (
        net["hub"],
        net["store"],
        "requested",
    )
    assert [(tl.variant_id, tl.quantity) for tl in transfer.lines.all()] == [(net["tee"].pk, 2)]
    # held once: 5 for the order at the store, 2 for the transfer at the hub
    assert figures(net["store"], net["tee"]) == (5, 5)
    assert figures(net["hub"], net["tee"]) == (10, 2)
    assert not Reservation.objects.filter(owner=order.reservation_owner, location=net["hub"]).exists()
    parts = sorted(
        (a.location.code, a.line.sku, a.quantity, a.transfer_id)
        for a in Allocation.objects.filter(line__order=order)
    )
    assert parts == [
        ("MI-P", "JNS-P", 1, None),
        ("MI-P", "TEE-P", 5, None),
        ("WH-P", "TEE-P", 2, transfer.pk),
    ]
    assert order.promised_ready_at == promised_ready_time(net["store"], order.created_at, lead_hours=48)
    assert "transfer_requested" in kinds(order)

    with pytest.raises(InvalidTransition):
        mark_ready(actor=staff["associate"], number=order.number)
    ship_transfer(actor=HQ, transfer_id=transfer.pk)
    assert "transfer_shipped" in kinds(order)
    with pytest.raises(InvalidTransition):  # on its way, not received
        mark_ready(actor=staff["associate"], number=order.number)

    receive_transfer(actor=staff["associate"], transfer_id=transfer.pk, lines=[])
    # in the receipt's transaction, the 2 are held for the order at the store
    assert figures(net["store"], net["tee"]) == (7, 7)
    assert figures(net["hub"], net["tee"]) == (8, 0)
    assert (
        Reservation.objects.filter(owner=order.reservation_owner, state="active", variant=net["tee"]).count()
        == 2
    )
    assert "transfer_received" in kinds(order)
    ready_order = mark_ready(actor=staff["associate"], number=order.number)
    collect(actor=staff["associate"], number=order.number, code=ready_order.pickup_code)
    assert figures(net["store"], net["tee"]) == (0, 0)
    assert stock_drift() == []


def test_units_sent_for_an_order_are_held_even_within_safety_stock(net, staff):
    set_stock_parameters(location_id=net["store"].pk, variant_id=net["tee"].pk, safety_stock=6)
    order = pickup([("TEE-P", 7)], allow_transfer=True)  # nothing available at the store: all 7 travel
    transfer = Transfer.objects.get(reference=order.number)
    assert figures(net["store"], net["tee"]) == (5, 0) and figures(net["hub"], net["tee"]) == (10, 7)
    ship_transfer(actor=HQ, transfer_id=transfer.pk)
    receive_transfer(actor=staff["associate"], transfer_id=transfer.pk, lines=[])
    assert figures(net["store"], net["tee"]) == (12, 7)  # 12 - 6 safety < 7, held all the same
    assert stock_drift() == []


def test_cancelling_before_the_transfer_ships_cancels_it(net):
    order = pickup([("TEE-P", 7)], allow_transfer=True)
    transfer = Transfer.objects.get(reference=order.number)
    cancel_order(actor=HQ, number=order.number)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
    assert figures(net["hub"], net["tee"]) == (10, 0) and figures(net["store"], net["tee"]) == (5, 0)
    assert "transfer_cancelled" in kinds(order)
    assert stock_drift() == []


def test_cancelling_after_it_ships_leaves_the_units_at_the_store(net, staff):
    order = pickup([("TEE-P", 7)], allow_transfer=True)
    transfer = Transfer.objects.get(reference=order.number)
    ship_transfer(actor=HQ, transfer_id=transfer.pk)
    cancel_order(actor=HQ, number=order.number)
    assert Transfer.objects.get(pk=transfer.pk).status == "shipped"
    assert "transfer_in_transit" in kinds(order)
    receive_transfer(actor=staff["associate"], transfer_id=transfer.pk, lines=[])
    assert figures(net["store"], net["tee"]) == (7, 0)  # simply stock now
    assert kinds(order)[-1] == "transfer_received"
    assert stock_drift() == []


def test_a_transfer_arriving_short_is_resolved_by_a_short_pick(net, staff):
    order = pickup([("TEE-P", 7)], allow_transfer=True)
    transfer = Transfer.objects.get(reference=order.number)
    ship_transfer(actor=HQ, transfer_id=transfer.pk)
    receive_transfer(
        actor=staff["associate"],
        transfer_id=transfer.pk,
        lines=[ReceivedLineInput(net["tee"].pk, 1, "box damaged")],
    )
    assert figures(net["store"], net["tee"]) == (6, 6)  # what arrived is held
    with pytest.raises(InvalidTransition):  # one unit is not at the store
        mark_ready(actor=staff["associate"], number=order.number)
    line = order.lines.get()
    short_pick(
        actor=staff["associate"], number=order.number, line_id=line.pk, missing=1, resolution="cancel_line"
    )
    assert not StockMovement.objects.filter(kind="adjustment", reference=order.number).exists()  # never here
    line.refresh_from_db()
    assert (line.quantity, line.cancelled_quantity) == (6, 1)
    mark_ready(actor=staff["associate"], number=order.number)
    assert stock_drift() == []


# --- Figures -------------------------------------------------------------------------------------------


def test_pickup_figures_per_location_in_one_query(net, staff, django_assert_num_queries):
    base = timezone.now() - timedelta(days=2)
    # MI-P: four pickups, three made ready (after 30, 90 and 60 minutes): two collected, one expired
    spec = [
        (30, "collected", ""),
        (90, "collected", ""),
        (60, "cancelled", "pickup_expired"),
        (None, "placed", ""),
    ]
    for minutes, status, reason in spec:
        order = pickup([("TEE-P", 1)])
        Order.objects.filter(pk=order.pk).update(
            created_at=base,
            ready_at=base + timedelta(minutes=minutes) if minutes is not None else None,
            expires_at=base + timedelta(days=3) if minutes is not None else None,
            pickup_code="123456" if minutes is not None else "",
            status=status,
            cancel_reason=reason,
        )
    # TO-P: one pickup collected after 10 minutes
    stock(net["other"], net["tee"], 1)
    order = pickup([("TEE-P", 1)], location="TO-P")
    Order.objects.filter(pk=order.pk).update(
        created_at=base, ready_at=base + timedelta(minutes=10), status="collected", pickup_code="654321"
    )
    # outside the dates: a pickup placed long ago
    old = pickup([("TEE-P", 1)])
    Order.objects.filter(pk=old.pk).update(created_at=base - timedelta(days=30))

    with django_assert_num_queries(1):
        rows = pickup_figures(date_from=(base - timedelta(days=1)).date())
    by_code = {row["location"]: row for row in rows}
    milano = by_code["MI-P"]
    assert (milano["orders"], milano["ready"], milano["collected"], milano["expired"]) == (4, 3, 2, 1)
    assert milano["pickup_rate"] == pytest.approx(2 / 3)
    assert milano["no_show_rate"] == pytest.approx(1 / 3)
    assert milano["avg_minutes_to_ready"] == pytest.approx(60)
    assert milano["median_minutes_to_ready"] == pytest.approx(60)
    torino = by_code["TO-P"]
    assert (torino["orders"], torino["collected"], torino["pickup_rate"], torino["no_show_rate"]) == (
        1,
        1,
        1.0,
        0.0,
    )
    assert torino["median_minutes_to_ready"] == pytest.approx(10)

    only = pickup_figures(location_ids=[net["other"].pk])
    assert [row["location"] for row in only] == ["TO-P"]
    everything = {row["location"]: row["orders"] for row in pickup_figures()}
    assert everything["MI-P"] == 5
    nothing = pickup_figures(date_to=(base - timedelta(days=40)).date())
    assert nothing == []


# --- Tasks and beat ------------------------------------------------------------------------------------


def test_the_tasks_run_the_jobs_and_beat_schedules_them(net, settings):
    from orders.tasks import expire_pickups_task, pickup_reminders_task

    order = ready()
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() + timedelta(hours=2))
    assert pickup_reminders_task.delay().get() == 1
    Order.objects.filter(pk=order.pk).update(
        ready_at=timezone.now() - timedelta(days=3), expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert expire_pickups_task.delay().get() == [order.number]
    assert Order.objects.get(pk=order.pk).cancel_reason == "pickup_expired"
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"orders.tasks.expire_pickups_task", "orders.tasks.pickup_reminders_task"} <= schedule
