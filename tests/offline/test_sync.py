"""Exactly-once sync of offline actions (offline.services.sync), through the service with the API's own
input parsing: sales (once, replayed, from a second tablet, another body, two at once), the price paid kept,
stock-outs covered by a `found` adjustment and a shortfall, points earned once, count scans, damage, and
rejections kept."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.models import Sum
from django.utils import translation

from inventory.models import StockCount, StockCountLine, StockLevel, StockMovement
from inventory.selectors.ledger import note_text
from inventory.services import StockLine, post_count, reserve_stock, start_count
from loyalty.models import LedgerEntry
from offline.api.serializers import ActionIn
from offline.exceptions import IdempotencyKeyReused
from offline.models import ActionStatus, OfflineAction, Shortfall
from offline.services.sync import apply_action
from omni.actors import Actor
from omni.api.parsing import parse
from orders.models import Order, OrderEvent
from orders.timeline import event_sentence
from stores.selectors import cached_location
from tests.offline.conftest import HAPPENED, TEE_GTIN, action_body, receive, sale_body

pytestmark = pytest.mark.django_db


def sync(actor: Actor, body: dict[str, Any]) -> tuple[OfflineAction, bool]:
    data = parse(ActionIn, body)
    return apply_action(
        actor=actor,
        device_id=data["device"],
        key=data["key"],
        kind=data["kind"],
        location=cached_location(data["location"]),
        happened_at=data["happened_at"],
        catalog_version=data["catalog_version"],
        payload=data["payload"],
    )


def on_hand(location: Any, variant: Any) -> int:
    return StockLevel.objects.get(location=location, variant=variant).on_hand


def ledger_sum(location: Any, variant: Any) -> int:
    return StockMovement.objects.filter(location=location, variant=variant).aggregate(s=Sum("delta"))["s"]


def test_a_sale_is_applied_once_and_replays_change_nothing(world, member):
    anna = Actor.for_user(world["anna"])
    body = sale_body(
        [("TEE-OFF", 2, "19.90"), ("JNS-OFF", 1, "59.90")], device=world["device"], card=member.card_number
    )
    action, replayed = sync(anna, body)
    assert not replayed and action.status == ActionStatus.APPLIED, action.result
    order = Order.objects.get()
    assert (order.channel, order.fulfilment_type, order.status) == ("store", "carry_out", "completed")
    assert order.location == world["milano"] and order.total == Decimal("99.70")
    assert order.customer_email == member.customer.email
    # dated when it happened (reports count it that day), not when it synced
    assert order.created_at == datetime.fromisoformat(HAPPENED) == order.completed_at
    assert order.payments.get().method == "cash" and order.payments.get().status == "captured"
    assert on_hand(world["milano"], world["tee"]) == 8 and on_hand(world["milano"], world["jeans"]) == 9
    # points per line on what was paid: floor(39.80) + floor(59.90) = 39 + 59
    earned = LedgerEntry.objects.filter(member=member, kind="earn")
    assert sum(e.points for e in earned) == 98 and earned.count() == 2
    assert action.result == {
        "order": order.number,
        "total": "99.70",
        "points_earned": 98,
        "price_changes": [],
        "shortfalls": [],
    }
    assert action.order == order and not Shortfall.objects.exists()

    again, replayed = sync(anna, body)  # a retry
    other_tablet = {**body, "device": str(uuid.uuid4()), "catalog_version": "v-other"}
    third, replayed_elsewhere = sync(Actor.for_user(world["marco"]), other_tablet)
    assert replayed and replayed_elsewhere
    assert again.pk == third.pk == action.pk and again.result == action.result
    assert OfflineAction.objects.get().replays == 2
    assert Order.objects.count() == 1 and LedgerEntry.objects.filter(member=member, kind="earn").count() == 2
    assert on_hand(world["milano"], world["tee"]) == 8 and on_hand(world["milano"], world["jeans"]) == 9
    member.refresh_from_db()
    assert member.points_balance == 98
    call_command("check_stock", quiet=True)
    call_command("check_loyalty", quiet=True)


def test_a_card_that_leads_to_no_member_still_sells_without_points(world, member):
    unknown = member.card_number[:-2] + ("00" if member.card_number[-2:] != "00" else "11")
    body = sale_body([("TEE-OFF", 1, "19.90")], device=world["device"], card=unknown)
    action, _ = sync(Actor.for_user(world["anna"]), body)
    assert action.status == "applied" and action.result["card"] == "not_found"
    assert action.result["points_earned"] == 0 and Order.objects.get().customer_email == ""
    assert not LedgerEntry.objects.filter(kind="earn").exists()


def test_only_a_counter_sale_takes_the_offline_option(world):
    from orders import services as orders
    from orders.exceptions import OrderInvalid
    from orders.services.inputs import OfflineSaleInput

    with pytest.raises(OrderInvalid, match="Only a sale at the counter"):
        orders.place_order(
            actor=Actor.system(),
            channel="web",
            customer=orders.CustomerInput(email="a@example.it"),
            lines=[orders.LineInput("TEE-OFF", 1)],
            fulfilment=orders.FulfilmentInput(type="pickup", location="MI-OFF"),
            offline_sale=OfflineSaleInput(
                paid_prices={"TEE-OFF": Decimal("1.00")}, happened_at=datetime.now(UTC)
            ),
        )
    assert not Order.objects.exists()


def test_the_same_key_with_another_body_is_refused(world):
    anna = Actor.for_user(world["anna"])
    body = sale_body([("TEE-OFF", 1, "19.90")], device=world["device"])
    sync(anna, body)
    changed = sale_body([("TEE-OFF", 2, "19.90")], device=world["device"], key=body["key"])
    with pytest.raises(IdempotencyKeyReused) as caught:
        sync(anna, changed)
    assert caught.value.code == "idempotency_key_reused" and caught.value.status == 422
    assert Order.objects.count() == 1 and on_hand(world["milano"], world["tee"]) == 9


def test_a_price_changed_since_keeps_the_price_paid_and_says_so(world):
    tee = world["tee"]
    tee.price = Decimal("24.90")  # raised at HQ while the tablet was offline
    tee.save(update_fields=["price"])
    action, _ = sync(
        Actor.for_user(world["anna"]), sale_body([("TEE-OFF", 3, "19.90")], device=world["device"])
    )
    order = Order.objects.get()
    line = order.lines.get()
    assert line.unit_price == Decimal("19.90") and line.line_total == Decimal("59.70")
    assert order.total == Decimal("59.70") and line.promotion_id is None
    change = {"sku": "TEE-OFF", "paid": "19.90", "catalog": "24.90"}
    assert action.result["price_changes"] == [change]
    noted = OrderEvent.objects.get(order=order, kind="offline_sale")
    assert noted.data["price_changes"] == [change] and noted.data["device"] == str(world["device"])
    with translation.override("en"):
        english = event_sentence(noted).replace("\xa0", " ")
    with translation.override("it"):
        italian = event_sentence(noted).replace("\xa0", " ")
    assert english.startswith("Sold offline at the counter on 12/05/2026 10:15 a.m., synced on ")
    assert f"from tablet {world['device']}. TEE-OFF paid" in english
    assert english.endswith(" TEE-OFF paid € 19.90 (catalog price at sync: € 24.90).")
    assert italian.startswith("Venduto offline al banco il 05/12/2026 10:15, sincronizzato il ")
    assert f"dal tablet {world['device']}. TEE-OFF pagato" in italian
    assert italian.endswith(" TEE-OFF pagato € 19,90 (prezzo di catalogo alla sincronizzazione: € 24,90).")


def test_units_the_ledger_no_longer_has_are_found_then_sold_and_flagged(world):
    milano, tee = world["milano"], world["tee"]
    # 8 of the 10 were reserved online meanwhile: 2 free, the tablet sold 5 -> 3 short
    reserve_stock(owner="order:W-ONLINE", lines=[StockLine(milano.pk, tee.pk, 8)])
    action, _ = sync(
        Actor.for_user(world["anna"]), sale_body([("TEE-OFF", 5, "19.90")], device=world["device"])
    )
    assert action.status == ActionStatus.APPLIED, action.result
    shortfall = Shortfall.objects.get()
    assert (shortfall.quantity, shortfall.variant, shortfall.location, shortfall.action) == (
        3,
        tee,
        milano,
        action,
    )
    found = shortfall.movement
    assert (found.kind, found.reason, found.delta, found.note_code) == (
        "adjustment",
        "found",
        3,
        "tablet_shortfall",
    )
    assert found.note_params == {"units": 3, "sku": "TEE-OFF"}
    with translation.override("it"):
        assert "3 × TEE-OFF" in note_text(found) and "tablet" in note_text(found)
    sale = StockMovement.objects.get(location=milano, variant=tee, kind="sale")
    assert sale.delta == -5 and sale.id > found.id  # found first, then sold
    level = StockLevel.objects.get(location=milano, variant=tee)
    assert (level.on_hand, level.reserved) == (10 + 3 - 5, 8)
    assert ledger_sum(milano, tee) == level.on_hand
    assert action.result["shortfalls"] == [{"sku": "TEE-OFF", "quantity": 3}]
    call_command("check_stock", quiet=True)


def test_a_sale_of_more_than_on_hand_leaves_zero_and_the_safety_stock_is_sold_without_shortfall(world):
    milano, tee, jeans = world["milano"], world["tee"], world["jeans"]
    StockLevel.objects.filter(location=milano, variant=jeans).update(safety_stock=4)
    anna = Actor.for_user(world["anna"])
    sync(anna, sale_body([("TEE-OFF", 12, "19.90"), ("JNS-OFF", 8, "59.90")], device=world["device"]))
    # TEE: 10 on hand, 12 sold -> 2 found; JNS: 8 of 10 sold, within the shop's units (safety stock too)
    assert [(s.variant.sku, s.quantity) for s in Shortfall.objects.all()] == [("TEE-OFF", 2)]
    assert on_hand(milano, tee) == 0 and on_hand(milano, jeans) == 2
    assert ledger_sum(milano, tee) == 0 and ledger_sum(milano, jeans) == 2
    call_command("check_stock", quiet=True)


def test_an_unknown_sku_is_rejected_and_kept(world):
    body = sale_body([("TEE-OFF", 1, "19.90"), ("GONE-1", 1, "5.00")], device=world["device"])
    action, replayed = sync(Actor.for_user(world["anna"]), body)
    assert not replayed and action.status == ActionStatus.REJECTED
    assert action.error_code == "validation_error" and "GONE-1" in action.error_detail
    stored = OfflineAction.objects.get(key=body["key"])  # committed with its reason
    assert (
        stored.status == "rejected" and stored.order is None and stored.result["code"] == "validation_error"
    )
    assert (stored.result["reason"], stored.result["params"]) == ("unknown_codes", {"codes": "GONE-1"})
    assert not Order.objects.exists() and on_hand(world["milano"], world["tee"]) == 10
    again, replayed = sync(Actor.for_user(world["anna"]), body)
    assert replayed and again.status == "rejected" and not Order.objects.exists()


def test_a_sale_at_a_warehouse_is_rejected_with_nothing_moved(world):
    from tests.stores.factories import WarehouseFactory

    hub = WarehouseFactory(code="WH-OFF")
    receive(hub, world["tee"], 5)
    action, _ = sync(
        Actor.system(), sale_body([("TEE-OFF", 1, "19.90")], device=world["device"], location="WH-OFF")
    )
    assert action.status == "rejected" and "WH-OFF" in action.error_detail
    assert not Shortfall.objects.exists() and on_hand(hub, world["tee"]) == 5


def test_count_scans_go_into_the_open_count(world):
    milano, anna = world["milano"], Actor.for_user(world["anna"])
    count = start_count(actor=anna, location_id=milano.pk)
    scans = [
        {"code": TEE_GTIN, "quantity": 1},
        {"code": TEE_GTIN, "quantity": 1},
        {"code": "JNS-OFF", "quantity": 2},
        {"code": "tee-off", "quantity": 1},
    ]
    body = action_body("count", {"count": count.pk, "scans": scans}, device=world["device"])
    action, _ = sync(anna, body)
    assert action.status == "applied", action.result
    counted = dict(StockCountLine.objects.filter(count=count).values_list("variant__sku", "counted"))
    assert counted == {"TEE-OFF": 3, "JNS-OFF": 2}
    assert action.result["entries"] == [{"sku": "JNS-OFF", "quantity": 2}, {"sku": "TEE-OFF", "quantity": 3}]
    sync(anna, body)  # replayed: not added twice
    counted = dict(StockCountLine.objects.filter(count=count).values_list("variant__sku", "counted"))
    assert counted == {"TEE-OFF": 3, "JNS-OFF": 2}


def test_count_scans_without_a_count_start_one_and_a_posted_count_is_rejected(world):
    milano, anna = world["milano"], Actor.for_user(world["anna"])
    body = action_body(
        "count", {"count": None, "scans": [{"code": "TEE-OFF", "quantity": 7}]}, device=world["device"]
    )
    action, _ = sync(anna, body)
    count = StockCount.objects.get()
    assert action.result["started"] is True and action.result["count"] == count.pk
    assert (count.location, count.status) == (milano, "open")
    assert StockCountLine.objects.get(count=count, variant=world["tee"]).counted == 7
    sync(anna, body)
    assert StockCount.objects.count() == 1
    post_count(actor=anna, count_id=count.pk)
    late = action_body(
        "count", {"count": count.pk, "scans": [{"code": "TEE-OFF", "quantity": 1}]}, device=world["device"]
    )
    rejected, _ = sync(anna, late)
    assert rejected.status == "rejected" and rejected.error_code == "invalid_transition"
    assert StockCountLine.objects.get(count=count, variant=world["tee"]).counted == 7


def test_damage_with_a_shortfall(world):
    milano, tee = world["milano"], world["tee"]
    body = action_body("damage", {"sku": "TEE-OFF", "quantity": 12, "note": "Acqua"}, device=world["device"])
    action, _ = sync(Actor.for_user(world["anna"]), body)
    assert action.status == "applied", action.result
    damage = StockMovement.objects.get(location=milano, variant=tee, kind="damage")
    assert (damage.delta, damage.reason, damage.note) == (-12, "damaged_in_store", "Acqua")
    assert Shortfall.objects.get().quantity == 2 and on_hand(milano, tee) == 0 == ledger_sum(milano, tee)
    assert action.result["shortfalls"] == [{"sku": "TEE-OFF", "quantity": 2}]
    sync(Actor.for_user(world["anna"]), body)
    assert StockMovement.objects.filter(kind="damage").count() == 1 and Shortfall.objects.count() == 1
    call_command("check_stock", quiet=True)


@pytest.mark.django_db(transaction=True)
def test_two_syncs_of_one_key_at_once_place_one_order(world):
    body = sale_body([("TEE-OFF", 2, "19.90")], device=world["device"])
    actor = Actor.for_user(world["anna"])
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            action, replayed = sync(actor, {**body, "device": str(uuid.uuid4()) if index else body["device"]})
            outcomes[index] = (action.status, replayed)
        except Exception as exc:
            outcomes[index] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert sorted(outcomes) == [("applied", False), ("applied", True)], outcomes
    assert Order.objects.count() == 1 and OfflineAction.objects.get().replays == 1
    assert on_hand(world["milano"], world["tee"]) == 8
