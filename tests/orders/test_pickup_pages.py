"""The click-and-collect pages through Django's test client: the queue (due soonest first, late, ready,
locked, filters, a query count that does not grow with the orders), the pick list (pick, short pick, a
ship-to-store line waiting for its transfer, mark ready), the desk (search by number, name, email and code,
never showing a code), the handover (wrong code then right code, the lockout, a manager's unlock), and who
may do what (another store's staff: 404; an associate: no unlock)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockLevel, Transfer, TransferStatus
from inventory.services import ReceivedLineInput, receive_transfer, record_movement, ship_transfer
from omni.actors import Actor
from orders.exceptions import InvalidPickupCode
from orders.models import Order, OrderLine, OrderStatus, PaymentStatus
from orders.services import (
    CustomerInput,
    FulfilmentInput,
    LineInput,
    PaymentInput,
    collect,
    mark_ready,
    place_order,
)
from orders.views.pickup_desk import SCANNED_KEY
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()


@pytest.fixture
def net():
    milano = LocationFactory(code="MI-01", name="Milano Duomo", click_and_collect=True)
    torino = LocationFactory(
        code="TO-01",
        name="Torino Centro",
        click_and_collect=True,
        latitude=Decimal("45.0703"),
        longitude=Decimal("7.6869"),
    )
    warehouse = WarehouseFactory(code="WH-01", name="Magazzino Nord")
    sweater = VariantFactory(
        product=ProductFactory(name="Maglione merino"), sku="MAG-BLU-M", size="M", color="Blu"
    )
    cap = VariantFactory(product=ProductFactory(name="Cappello"), sku="CAP-1", price=Decimal("9.90"))
    scarf = VariantFactory(product=ProductFactory(name="Sciarpa"), sku="SCARF-1")
    for location in (milano, torino):
        for variant in (sweater, cap):
            stock(location, variant, 20)
    stock(warehouse, scarf, 10)  # the stores have no scarves: they come by transfer
    return {
        "milano": milano,
        "torino": torino,
        "warehouse": warehouse,
        "sweater": sweater,
        "cap": cap,
        "scarf": scarf,
    }


@pytest.fixture
def anna(client, net):
    """An associate at the Milano store, logged in."""
    user = UserFactory(username="anna", role="associate", locations=[net["milano"]])
    client.force_login(user)
    return user


@pytest.fixture
def marco(net):
    return UserFactory(username="marco", role="store_manager", locations=[net["milano"]])


def stock(location, variant, quantity):
    record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def pickup(
    location,
    lines=(("MAG-BLU-M", 1),),
    *,
    email="giulia@example.it",
    first_name="Giulia",
    last_name="Rossi",
    paid=False,
    allow_transfer=False,
    actor=HQ,
):
    return place_order(
        actor=actor,
        channel="web" if actor is HQ else "store",
        customer=CustomerInput(email=email, first_name=first_name, last_name=last_name),
        lines=[LineInput(sku, quantity) for sku, quantity in lines],
        fulfilment=FulfilmentInput(type="pickup", location=location.code, allow_transfer=allow_transfer),
        payment=PaymentInput(method="card", status="captured") if paid else None,
    )


def ready(order):
    mark_ready(actor=HQ, number=order.number)
    order.refresh_from_db()
    assert order.pickup_code and order.status == OrderStatus.READY_FOR_PICKUP
    return order


def due(order, hours):
    Order.objects.filter(pk=order.pk).update(promised_ready_at=timezone.now() + timedelta(hours=hours))


def html(response):
    return response.content.decode()


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def a_wrong_code(order):
    return "111111" if order.pickup_code != "111111" else "222222"


# --- The queue ---------------------------------------------------------------------------------------------


def test_the_queue_is_due_soonest_first_with_late_ready_and_locked_flagged(client, anna, net):
    later = pickup(net["milano"], email="a@example.it")
    late = pickup(net["milano"], email="b@example.it")
    soon = pickup(net["milano"], email="c@example.it")
    waiting = ready(pickup(net["milano"], email="d@example.it", paid=True))
    locked = ready(pickup(net["milano"], email="e@example.it", paid=True))
    due(later, 5)
    due(late, -1)  # promised an hour ago, not ready: late
    due(soon, 1)
    due(waiting, -3)  # ready: never late, however long ago it was promised
    due(locked, -2)
    Order.objects.filter(pk=locked.pk).update(pickup_locked_at=timezone.now(), pickup_failed_attempts=5)
    collected = ready(pickup(net["milano"], email="f@example.it", paid=True))
    collect(actor=HQ, number=collected.number, code=collected.pickup_code)
    elsewhere = pickup(net["torino"], email="g@example.it")

    response = client.get(reverse("orders:pickup-queue"))
    assert response.status_code == 200
    numbers = [o.number for o in response.context["orders"]]
    assert numbers == [waiting.number, locked.number, late.number, soon.number, later.number]
    assert collected.number not in numbers and elsewhere.number not in numbers
    assert [o.number for o in response.context["orders"] if o.is_late] == [late.number]
    assert response.context["counts"] == {
        "arrived": 0,
        "prepare": 3,
        "ready": 2,
        "late": 1,
        "locked": 1,
        "expired": 0,
    }
    page = html(response)
    row = page[page.index(f'data-testid="queue-{late.number}"') :]
    assert 'data-testid="flag-late"' in row[: row.index("</tr>")]
    row = page[page.index(f'data-testid="queue-{locked.number}"') :]
    assert 'data-testid="flag-locked"' in row[: row.index("</tr>")]
    row = page[page.index(f'data-testid="queue-{waiting.number}"') :]
    assert waiting.expires_at is not None and 'data-testid="open-handover"' in row[: row.index("</tr>")]

    def shown(show):
        response = client.get(reverse("orders:pickup-queue"), {"show": show})
        assert response.status_code == 200
        return [o.number for o in response.context["orders"]]

    assert shown("late") == [late.number]
    assert shown("ready") == [waiting.number, locked.number]
    assert shown("prepare") == [late.number, soon.number, later.number]
    bad = client.get(reverse("orders:pickup-queue"), {"show": "<script>"})
    assert bad.status_code == 200 and bad.context["form"].errors and len(bad.context["orders"]) == 5


def test_the_queue_costs_the_same_queries_for_one_order_or_many(client, anna, net):
    url = reverse("orders:pickup-queue")
    pickup(net["milano"])
    client.get(url)  # warm up the session and the location
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).context["orders"]) == 1
    for n in range(4):
        pickup(net["milano"], lines=(("MAG-BLU-M", 2), ("CAP-1", 1)), email=f"c{n}@example.it")
    pickup(net["milano"], lines=(("SCARF-1", 1), ("CAP-1", 1)), allow_transfer=True)
    ready(pickup(net["milano"], paid=True))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["orders"]) == 7
    assert sum(1 for o in response.context["orders"] if o.awaiting_transfer) == 1
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_the_pick_list_costs_the_same_queries_for_one_line_or_many(client, anna, net):
    small = pickup(net["milano"])
    big = pickup(net["milano"], lines=(("MAG-BLU-M", 2), ("CAP-1", 3), ("SCARF-1", 1)), allow_transfer=True)
    client.get(reverse("orders:pickup-pick", args=[small.number]))
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("orders:pickup-pick", args=[small.number])).status_code == 200
    with CaptureQueriesContext(connection) as three:
        assert client.get(reverse("orders:pickup-pick", args=[big.number])).status_code == 200
    assert len(three) == len(one)


# --- Picking -----------------------------------------------------------------------------------------------


def test_pick_every_line_then_mark_ready(client, anna, net):
    order = pickup(net["milano"], lines=(("MAG-BLU-M", 2), ("CAP-1", 1)))
    url = reverse("orders:pickup-pick", args=[order.number])
    lines = {line.sku: line for line in order.lines.all()}
    sweater, cap = lines["MAG-BLU-M"], lines["CAP-1"]
    page = html(client.get(url))
    assert "MAG-BLU-M" in page and "Maglione merino" in page and "CAP-1" in page
    assert 'data-testid="ready-form"' not in page, "nothing is picked yet"

    # more than ordered, a negative number, or words: a form error, nothing saved
    for bad in ({f"line_{sweater.pk}": "3", f"line_{cap.pk}": "1"}, {f"line_{sweater.pk}": "-1"}):
        response = client.post(url, bad)
        assert response.status_code == 400 and response.context["form"].errors
    response = client.post(url, {f"line_{sweater.pk}": "two", f"line_{cap.pk}": "1"})
    assert response.status_code == 400 and f"line_{sweater.pk}" in response.context["form"].errors
    assert OrderLine.objects.get(pk=cap.pk).picked_quantity == 0

    response = client.post(url, {f"line_{sweater.pk}": "1", f"line_{cap.pk}": "1"}, follow=True)
    assert response.status_code == 200
    assert OrderLine.objects.get(pk=sweater.pk).picked_quantity == 1
    assert 'data-testid="ready-form"' not in html(response), "one sweater is still on the shelf"

    response = client.post(url, {f"line_{sweater.pk}": "2", f"line_{cap.pk}": "1"}, follow=True)
    assert 'data-testid="ready-form"' in html(response)
    response = client.post(reverse("orders:pickup-ready", args=[order.number]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("orders:pickup-queue")
    order.refresh_from_db()
    assert order.status == OrderStatus.READY_FOR_PICKUP and order.ready_at and order.expires_at
    assert order.pickup_code not in html(response)

    # once ready, the pick list takes no more picks, and marking it ready again is a message, not a 500
    assert 'data-testid="save-picks"' not in html(client.get(url))
    again = client.post(reverse("orders:pickup-ready", args=[order.number]), follow=True)
    assert again.status_code == 200 and messages_of(again)
    response = client.post(url, {f"line_{sweater.pk}": "0", f"line_{cap.pk}": "0"}, follow=True)
    assert response.status_code == 200 and OrderLine.objects.get(pk=sweater.pk).picked_quantity == 2


def test_a_short_pick_cancels_the_missing_units_and_bad_input_is_a_message(client, anna, net):
    order = pickup(net["milano"], lines=(("MAG-BLU-M", 2), ("CAP-1", 1)), paid=True)
    cap = order.lines.get(sku="CAP-1")
    url = reverse("orders:pickup-short", args=[order.number])
    other = pickup(net["milano"], email="x@example.it").lines.get()
    for bad in (
        {"line": cap.pk, "missing": "0", "resolution": "cancel_line"},
        {"line": cap.pk, "missing": "1", "resolution": "burn_it"},
        {"line": cap.pk, "missing": "5", "resolution": "cancel_line"},  # more than the line has
        {"line": other.pk, "missing": "1", "resolution": "cancel_line"},  # another order's line
        {"line": "abc", "missing": "1", "resolution": "cancel_line"},
    ):
        response = client.post(url, bad, follow=True)
        assert response.status_code == 200 and messages_of(response), bad
    cap.refresh_from_db()
    assert (cap.quantity, cap.short_quantity) == (1, 0)

    response = client.post(url, {"line": cap.pk, "missing": "1", "resolution": "cancel_line"}, follow=True)
    assert response.status_code == 200
    cap.refresh_from_db()
    assert (cap.quantity, cap.short_quantity, cap.cancelled_quantity) == (0, 1, 1)
    page = html(response)
    assert 'data-testid="line-short"' in page
    # the sweaters are still to pick; once they are, the order can be marked ready
    sweater = order.lines.get(sku="MAG-BLU-M")
    response = client.post(
        reverse("orders:pickup-pick", args=[order.number]), {f"line_{sweater.pk}": "2"}, follow=True
    )
    assert 'data-testid="ready-form"' in html(response)


def test_a_short_pick_re_sourced_comes_by_transfer_and_one_of_nothing_cancels_the_order(client, anna, net):
    stock(net["warehouse"], net["sweater"], 5)
    order = pickup(net["milano"], lines=(("MAG-BLU-M", 2),), paid=True)
    sweater = order.lines.get()
    url = reverse("orders:pickup-short", args=[order.number])
    response = client.post(url, {"line": sweater.pk, "missing": "1", "resolution": "resource"}, follow=True)
    assert response.status_code == 200 and messages_of(response)
    transfer = Transfer.objects.get(reference=order.number)
    page = html(response)
    assert transfer.number in page and 'data-testid="incoming"' in page
    sweater.refresh_from_db()
    assert (sweater.quantity, sweater.short_quantity) == (2, 1)
    # the unit still on the shelf can be picked; the order is not ready until the transfer is received
    assert response.context["form"].fields[f"line_{sweater.pk}"].max_value == 1
    response = client.post(
        reverse("orders:pickup-pick", args=[order.number]), {f"line_{sweater.pk}": "1"}, follow=True
    )
    assert 'data-testid="ready-form"' not in html(response)

    only = pickup(net["milano"], lines=(("CAP-1", 1),), email="x@example.it", paid=True)
    line = only.lines.get()
    response = client.post(
        reverse("orders:pickup-short", args=[only.number]),
        {"line": line.pk, "missing": "1", "resolution": "cancel_line"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("orders:detail", args=[only.number])
    assert Order.objects.get(pk=only.pk).status == OrderStatus.CANCELLED


def test_a_ship_to_store_line_waits_for_its_transfer(client, anna, net):
    order = pickup(net["milano"], lines=(("SCARF-1", 1), ("CAP-1", 1)), allow_transfer=True, paid=True)
    transfer = Transfer.objects.get(reference=order.number)
    url = reverse("orders:pickup-pick", args=[order.number])
    response = client.get(url)
    page = html(response)
    assert transfer.number in page and 'data-testid="not-pickable"' in page
    scarf = order.lines.get(sku="SCARF-1")
    assert f'name="line_{scarf.pk}"' not in page, "no picking of units still on their way"
    cap = order.lines.get(sku="CAP-1")
    client.post(url, {f"line_{cap.pk}": "1"})
    assert 'data-testid="ready-form"' not in html(client.get(url))
    assert client.post(url, {f"line_{scarf.pk}": "1", f"line_{cap.pk}": "1"}).status_code == 302
    assert OrderLine.objects.get(pk=scarf.pk).picked_quantity == 0, "the unknown field is ignored"

    ship_transfer(actor=HQ, transfer_id=transfer.pk)
    receive_transfer(actor=HQ, transfer_id=transfer.pk, lines=[ReceivedLineInput(net["scarf"].pk, 1)])
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.RECEIVED
    page = html(client.get(url))
    assert f'name="line_{scarf.pk}"' in page and 'data-testid="not-pickable"' not in page
    response = client.post(url, {f"line_{scarf.pk}": "1", f"line_{cap.pk}": "1"}, follow=True)
    assert 'data-testid="ready-form"' in html(response)


def test_the_printable_pick_list_sums_every_order_to_prepare(client, anna, net):
    one = pickup(net["milano"], lines=(("MAG-BLU-M", 2), ("CAP-1", 1)))
    two = pickup(net["milano"], lines=(("MAG-BLU-M", 1),), email="x@example.it")
    ready(pickup(net["milano"], lines=(("CAP-1", 4),), paid=True))  # ready: not on the pick list
    pickup(net["torino"], lines=(("CAP-1", 7),))
    response = client.get(reverse("orders:pickup-print"))
    assert response.status_code == 200
    rows = {row["sku"]: row for row in response.context["pick_list"]}
    assert rows["MAG-BLU-M"]["quantity"] == 3 and rows["MAG-BLU-M"]["orders"] == [one.number, two.number]
    assert rows["CAP-1"]["quantity"] == 1
    assert response.context["units"] == 4


# --- The desk ----------------------------------------------------------------------------------------------


def test_the_desk_finds_by_number_name_email_and_code_and_never_shows_the_code(client, anna, net):
    giulia = ready(pickup(net["milano"], email="giulia@example.it", paid=True))
    code = giulia.pickup_code
    other_rossi = pickup(net["milano"], email="marta@example.it", first_name="Marta")
    torino = ready(pickup(net["torino"], email="giulia@example.it", paid=True))
    if torino.pickup_code == code:  # one in a million: keep the two stores' codes apart
        Order.objects.filter(pk=torino.pk).update(pickup_code=a_wrong_code(giulia))
        torino.refresh_from_db()
    desk = reverse("orders:pickup-desk")
    handover = reverse("orders:pickup-handover", args=[giulia.number])
    pages = [client.get(desk)]

    def search(q):
        response = client.post(desk, {"q": q})
        pages.append(response)
        return response

    def found(q):
        response = search(q)
        assert response.status_code == 200, (q, response.status_code)
        return {o.number for o in response.context["results"]}

    # one match opens the handover; several are listed; another store's orders are never found
    assert search(giulia.number)["Location"] == handover
    assert search(giulia.number.split("-")[1])["Location"] == handover  # the digits alone
    assert found("Rossi") == {giulia.number, other_rossi.number}
    assert search("giulia rossi")["Location"] == handover
    assert search("GIULIA@example.it")["Location"] == handover
    assert found("nobody@example.it") == set()
    assert torino.number not in found("Giulia Rossi Torino")
    assert found(torino.number) == set()
    assert found(torino.pickup_code) == set()

    # the scanned code (the QR code holds just the six digits) opens the handover, and waits there
    response = search(f" {code} ")
    assert response["Location"] == handover
    assert client.session[SCANNED_KEY]["number"] == giulia.number
    pages.append(client.get(handover))
    assert 'data-testid="code-checked"' in html(pages[-1])
    assert found(a_wrong_code(giulia)) == set()
    assert SCANNED_KEY in client.session  # a miss does not forget the last scan...
    search("Rossi")
    # ...and the wrong code typed is not put back in the box
    for page in (
        *pages,
        client.get(reverse("orders:pickup-queue")),
        client.get(reverse("orders:pickup-pick", args=[giulia.number])),
        client.get(reverse("orders:detail", args=[giulia.number])),
    ):
        assert code not in html(page) and a_wrong_code(giulia) not in html(page)

    # a code finds only a ready order that is not locked
    Order.objects.filter(pk=giulia.pk).update(pickup_locked_at=timezone.now())
    assert found(code) == set()
    # a search box left empty or too long is a form error, not a 500
    assert search("").status_code == 200
    assert search("x" * 300).status_code == 400


def code_not_of(*orders, start=1):  # type: ignore[no-untyped-def]
    """Six-digit codes that are no order's pickup code nor an order number's digits (from 100001 up)."""
    taken = {o.pickup_code for o in orders}
    return (f"{n:06d}" for n in range(start, 100_000) if f"{n:06d}" not in taken)


def test_wrong_codes_at_the_desk_pause_code_searches_for_that_user_there(client, anna, marco, net):
    """A code searched at the desk tries that code against every ready order at once: the desk must not be a
    way around the five-wrong-codes lockout. After 5 codes that match nothing, this user's code searches at
    this location stop trying codes, and the right code no longer finds the order."""
    from omni.models import AttemptCounter, AuditEntry

    giulia = ready(pickup(net["milano"], paid=True))
    desk = reverse("orders:pickup-desk")
    wrong = code_not_of(giulia)
    for n in range(1, 41):
        response = client.post(desk, {"q": next(wrong)}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200 and response.context["results"] == []
        paused = any("paused" in m for m in messages_of(response))
        assert paused == (n >= 5), n
    assert Order.objects.get(pk=giulia.pk).pickup_failed_attempts == 0  # no order to blame: the desk is
    counter = AttemptCounter.objects.get(scope="pickup-desk")
    assert counter.failures == 5 and counter.locked_until is not None  # paused searches are not counted
    assert AuditEntry.objects.filter(action="pickup_desk.code_search_paused").count() == 1

    # paused: even the right code finds nothing, nothing waits for the handover, the code is not echoed
    response = client.post(desk, {"q": giulia.pickup_code})
    assert response.status_code == 200 and response.context["results"] == []
    assert SCANNED_KEY not in client.session and giulia.pickup_code not in html(response)
    # a name, an email or a full order number still find it
    assert client.post(desk, {"q": "Rossi"})["Location"] == reverse(
        "orders:pickup-handover", args=[giulia.number]
    )
    assert client.post(desk, {"q": giulia.number}).status_code == 302
    assert AttemptCounter.objects.get(scope="pickup-desk").failures == 5

    # another associate's desk at the store is not paused
    client.force_login(marco)
    response = client.post(desk, {"q": giulia.pickup_code})
    assert response["Location"] == reverse("orders:pickup-handover", args=[giulia.number])
    # after the pause, the right code opens the handover again, the code kept as the customer's
    client.force_login(anna)
    AttemptCounter.objects.filter(scope="pickup-desk").update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    response = client.post(desk, {"q": giulia.pickup_code})
    assert response["Location"] == reverse("orders:pickup-handover", args=[giulia.number])
    assert client.session[SCANNED_KEY]["number"] == giulia.number


def test_the_pause_message_is_in_italian_and_in_english(client, anna, net):
    wrong = code_not_of()
    for _ in range(4):
        client.post(reverse("orders:pickup-desk"), {"q": next(wrong)})
    english = client.post(reverse("orders:pickup-desk"), {"q": next(wrong)}, HTTP_ACCEPT_LANGUAGE="en")
    assert any("searching by pickup code is paused for 30 minutes" in m for m in messages_of(english))
    italian = client.post(reverse("orders:pickup-desk"), {"q": next(wrong)}, HTTP_ACCEPT_LANGUAGE="it")
    assert any("ricerca per codice di ritiro è sospesa per 30 minuti" in m for m in messages_of(italian))


def test_six_digits_are_tried_as_a_code_first_and_count_when_no_code_matches(client, anna, net):
    """An order number's six digits are also a code to try: a search that finds an order only by its number
    still counts (else every order number at the store would be a free code to try), and a ready order whose
    code they are opens, with the code kept for the handover, before any order found by its number."""
    from omni.models import AttemptCounter

    by_number = pickup(net["milano"], email="marta@example.it")
    digits = by_number.number.split("-")[1]
    assert len(digits) == 6
    response = client.post(reverse("orders:pickup-desk"), {"q": digits})
    assert response["Location"] == reverse("orders:pickup-handover", args=[by_number.number])
    assert AttemptCounter.objects.get(scope="pickup-desk").failures == 1
    assert SCANNED_KEY not in client.session

    giulia = ready(pickup(net["milano"], paid=True))
    Order.objects.filter(pk=giulia.pk).update(pickup_code=digits)
    response = client.post(reverse("orders:pickup-desk"), {"q": digits})
    assert response["Location"] == reverse("orders:pickup-handover", args=[giulia.number])
    assert client.session[SCANNED_KEY] == {
        **client.session[SCANNED_KEY],
        "number": giulia.number,
        "code": digits,
    }
    assert AttemptCounter.objects.get(scope="pickup-desk").failures == 1  # a code that opened: no miss
    # a locked order is never found by its code (and the search counts as a miss)
    Order.objects.filter(pk=giulia.pk).update(pickup_locked_at=timezone.now())
    response = client.post(reverse("orders:pickup-desk"), {"q": digits})
    assert response["Location"] == reverse("orders:pickup-handover", args=[by_number.number])
    assert AttemptCounter.objects.get(scope="pickup-desk").failures == 2
    # the full order number is no code: never counted
    client.post(reverse("orders:pickup-desk"), {"q": by_number.number})
    assert AttemptCounter.objects.get(scope="pickup-desk").failures == 2


def test_the_desk_and_queue_ask_for_a_location_first(client, net):
    hq = UserFactory(username="hq", role="hq_manager")
    client.force_login(hq)
    for name in ("orders:pickup-queue", "orders:pickup-desk", "orders:pickup-print"):
        response = client.get(reverse(name))
        assert response.status_code == 200 and 'data-testid="choose-location"' in html(response)
    assert client.post(reverse("orders:pickup-desk"), {"q": "Rossi"}).context["results"] is None


# --- The handover ------------------------------------------------------------------------------------------


def test_a_wrong_code_then_the_right_one_hands_over_and_takes_the_payment(client, anna, net):
    order = ready(pickup(net["milano"]))  # paid at pickup
    url = reverse("orders:pickup-handover", args=[order.number])
    page = html(client.get(url))
    assert 'data-testid="payment-due"' in page and 'data-testid="method-cash"' in page
    assert "Giulia Rossi" in page and "MAG-BLU-M" in page and order.pickup_code not in page

    # no payment method, or not six digits: a form error, no attempt counted (a code typed with no payment
    # method is kept for the next submit: the empty code goes first)
    for bad in (
        {"code": "", "method": "cash"},
        {"code": order.pickup_code},
        {"code": "12ab56", "method": "cash"},
    ):
        response = client.post(url, bad)
        assert response.status_code == 400 and response.context["form"].errors, bad
        assert order.pickup_code not in html(response)
    assert Order.objects.get(pk=order.pk).pickup_failed_attempts == 0

    wrong = a_wrong_code(order)
    response = client.post(url, {"code": wrong, "method": "cash"})
    assert response.status_code == 400
    errors = response.context["form"].errors["code"]
    assert any("4" in str(e) for e in errors), errors
    assert wrong not in html(response) and order.pickup_code not in html(response)
    order.refresh_from_db()
    assert (order.status, order.pickup_failed_attempts) == (OrderStatus.READY_FOR_PICKUP, 1)

    response = client.post(url, {"code": order.pickup_code, "method": "cash"}, follow=True)
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.COLLECTED
    payment = order.payments.get()
    assert (payment.method, payment.status) == ("cash", PaymentStatus.CAPTURED)
    page = html(response)
    assert 'data-testid="handover-collected"' in page and 'data-testid="handover-form"' not in page
    assert order.pickup_code not in page
    # handing it over twice: a message, not a 500
    again = client.post(url, {"code": order.pickup_code, "method": "cash"}, follow=True)
    assert again.status_code == 200 and messages_of(again)


def test_a_scanned_code_is_not_asked_again(client, anna, net):
    order = ready(pickup(net["milano"], paid=True))
    response = client.post(reverse("orders:pickup-desk"), {"q": order.pickup_code}, follow=True)
    assert 'data-testid="code-checked"' in html(response)
    response = client.post(reverse("orders:pickup-handover", args=[order.number]), {}, follow=True)
    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COLLECTED
    assert SCANNED_KEY not in client.session


def test_a_locked_pickup_is_unlocked_by_a_manager_only(client, anna, marco, net):
    order = ready(pickup(net["milano"], paid=True))
    url = reverse("orders:pickup-handover", args=[order.number])
    wrong = a_wrong_code(order)
    for _ in range(4):
        assert client.post(url, {"code": wrong}).status_code == 400
    response = client.post(url, {"code": wrong}, follow=True)  # the fifth locks it
    order.refresh_from_db()
    assert order.pickup_locked_at is not None
    page = html(response)
    assert 'data-testid="handover-locked"' in page and 'data-testid="handover-form"' not in page
    assert 'data-testid="unlock-form"' not in page, "an associate cannot unlock"
    # even the right code is refused while locked
    response = client.post(url, {"code": order.pickup_code}, follow=True)
    assert (
        response.status_code == 200 and Order.objects.get(pk=order.pk).status == OrderStatus.READY_FOR_PICKUP
    )

    unlock = reverse("orders:pickup-unlock", args=[order.number])
    assert client.post(unlock, {"reason": "She showed her ID"}).status_code == 403
    assert Order.objects.get(pk=order.pk).pickup_locked_at is not None

    client.force_login(marco)
    page = html(client.get(url))
    assert 'data-testid="unlock-form"' in page and order.pickup_code not in page
    response = client.post(unlock, {"reason": "   "}, follow=True)
    assert response.status_code == 200 and messages_of(response)
    assert Order.objects.get(pk=order.pk).pickup_locked_at is not None
    response = client.post(unlock, {"reason": "She showed her ID"}, follow=True)
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.pickup_locked_at, order.pickup_failed_attempts) == (None, 0)
    assert 'data-testid="handover-form"' in html(response)
    client.post(url, {"code": order.pickup_code})
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COLLECTED


# --- Who may do what ---------------------------------------------------------------------------------------


def test_another_stores_staff_gets_404_and_changes_nothing(client, net):
    order = ready(pickup(net["milano"], paid=True))
    placed = pickup(net["milano"], email="x@example.it")
    line = placed.lines.get()
    tom = UserFactory(username="tom", role="store_manager", locations=[net["torino"]])
    client.force_login(tom)
    for name, number in (("orders:pickup-pick", placed.number), ("orders:pickup-handover", order.number)):
        assert client.get(reverse(name, args=[number])).status_code == 404
    posts = (
        ("orders:pickup-pick", placed.number, {f"line_{line.pk}": "1"}),
        (
            "orders:pickup-short",
            placed.number,
            {"line": line.pk, "missing": "1", "resolution": "cancel_line"},
        ),
        ("orders:pickup-ready", placed.number, {}),
        ("orders:pickup-handover", order.number, {"code": order.pickup_code}),
        ("orders:pickup-unlock", order.number, {"reason": "why not"}),
    )
    for name, number, data in posts:
        assert client.post(reverse(name, args=[number]), data).status_code == 404, name
    response = client.post(reverse("orders:pickup-desk"), {"q": order.pickup_code})
    assert response.status_code == 200 and response.context["results"] == []
    assert client.post(reverse("orders:pickup-desk"), {"q": order.number}).context["results"] == []
    assert order.number not in html(client.get(reverse("orders:pickup-queue")))
    order.refresh_from_db()
    placed.refresh_from_db()
    assert order.status == OrderStatus.READY_FOR_PICKUP and placed.status == OrderStatus.PLACED
    assert placed.lines.get().picked_quantity == 0


def test_staff_who_took_an_order_for_another_store_may_see_it_but_not_hand_it_over(client, net):
    tom = UserFactory(username="tom", role="associate", locations=[net["torino"]])
    order = ready(pickup(net["milano"], actor=Actor.for_user(tom), paid=True))
    client.force_login(tom)
    assert client.get(reverse("orders:detail", args=[order.number])).status_code == 200
    assert client.get(reverse("orders:pickup-handover", args=[order.number])).status_code == 403
    assert (
        client.post(reverse("orders:pickup-handover", args=[order.number]), {"code": "123456"}).status_code
        == 403
    )
    assert Order.objects.get(pk=order.pk).pickup_failed_attempts == 0


def test_posts_need_the_csrf_token(net):
    from django.test import Client

    order = ready(pickup(net["milano"], paid=True))
    user = UserFactory(username="anna", role="associate", locations=[net["milano"]])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    response = strict.post(
        reverse("orders:pickup-handover", args=[order.number]), {"code": order.pickup_code}
    )
    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY_FOR_PICKUP


def test_nav_and_order_detail_lead_to_the_pickup_pages(client, anna, net):
    order = pickup(net["milano"])
    page = html(client.get(reverse("orders:detail", args=[order.number])))
    assert 'data-testid="nav-pickup-queue"' in page and 'data-testid="nav-pickup-desk"' in page
    assert reverse("orders:pickup-pick", args=[order.number]) in page
    ready(order)
    page = html(client.get(reverse("orders:detail", args=[order.number])))
    assert reverse("orders:pickup-handover", args=[order.number]) in page
    assert Order.objects.get(pk=order.pk).pickup_code not in page

    picker = UserFactory(username="wh", role="associate", locations=[net["warehouse"]])
    client.force_login(picker)
    page = html(client.get(reverse("dashboard")))
    assert 'data-testid="nav-pickup-queue"' not in page, "the warehouse does not do click and collect"
    response = client.get(reverse("orders:pickup-queue"))
    assert response.status_code == 200 and 'data-testid="no-click-and-collect"' in html(response)


def test_the_camera_script_is_served_by_the_app(client, anna, net):
    page = html(client.get(reverse("orders:pickup-desk")))
    assert 'data-action="camera-scan"' in page and '<script src="/static/omni/scan.js"' in page
    response = client.get("/static/omni/scan.js")
    assert response.status_code == 200
    script = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"BarcodeDetector" in script


def test_invalid_pickup_code_counts_through_the_service(net):
    """The page relies on collect counting a wrong code although it raises (it is called outside any
    transaction of the view)."""
    order = ready(pickup(net["milano"], paid=True))
    with pytest.raises(InvalidPickupCode):
        collect(actor=HQ, number=order.number, code=a_wrong_code(order))
    assert Order.objects.get(pk=order.pk).pickup_failed_attempts == 1


def test_a_unit_refused_at_the_desk_is_returned_on_the_spot(client, anna, net):
    order = ready(pickup(net["milano"], lines=(("MAG-BLU-M", 1), ("CAP-1", 2))))  # paid at pickup
    url = reverse("orders:pickup-handover", args=[order.number])
    cap = order.lines.get(sku="CAP-1")
    page = html(client.get(url))
    assert 'data-testid="refused-CAP-1"' in page and 'form="handover-form"' in page

    # refusing more than was bought: a form error on that line, nothing handed over
    response = client.post(url, {"code": order.pickup_code, "method": "cash", f"refused_{cap.pk}": "3"})
    assert response.status_code == 400 and response.context["form"].errors[f"refused_{cap.pk}"]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY_FOR_PICKUP

    response = client.post(
        url, {"code": order.pickup_code, "method": "cash", f"refused_{cap.pk}": "1"}, follow=True
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.COLLECTED
    [ret] = order.returns.all()
    assert ret.location == net["milano"] and ret.refund_amount == Decimal("9.90")
    assert [(line.order_line.sku, line.quantity, line.reason) for line in ret.lines.all()] == [
        ("CAP-1", 1, "refused_at_pickup")
    ]
    assert len(messages_of(response)) == 2  # the refused unit taken back, and the handover
    level = StockLevel.objects.get(location=net["milano"], variant=net["cap"])
    assert (level.on_hand, level.reserved) == (19, 0)  # 20, two sold, one back
