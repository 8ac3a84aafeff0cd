"""Stock services: the ledger, reservations, transfers and counts keep every invariant."""

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from inventory import selectors, services
from inventory.exceptions import InsufficientStock
from inventory.models import (
    CountStatus,
    LowStockAlert,
    Reservation,
    StockLevel,
    StockMovement,
    TransferStatus,
)
from inventory.services import ReceivedLineInput, StockLine, TransferLineInput
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput, InvalidTransition
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor(role="integration")


def level(location, variant) -> StockLevel:
    return StockLevel.objects.get(location=location, variant=variant)


def ledger_sum(location, variant) -> int:
    return sum(
        StockMovement.objects.filter(location=location, variant=variant).values_list("delta", flat=True)
    )


@pytest.fixture
def store():
    return LocationFactory(code="MI-1", default_safety_stock=1)


@pytest.fixture
def variant():
    return VariantFactory(sku="TEE-1")


def receive(location, variant, quantity):
    return services.record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def test_receipt_creates_the_level_with_the_locations_safety_stock(store, variant):
    movement, lvl = receive(store, variant, 10)
    assert movement.delta == 10 and movement.on_hand_after == 10 and movement.actor_label == "system"
    assert lvl.on_hand == 10 and lvl.safety_stock == 1 and lvl.available == 9
    assert level(store, variant).on_hand == 10 == ledger_sum(store, variant)


@pytest.mark.parametrize(
    ("kind", "quantity", "reason", "expected"),
    [
        ("damage", 3, "", 7),
        ("adjustment", -2, "shrinkage", 8),
        ("adjustment", 5, "found", 15),
        ("count", 4, "", 4),
    ],
)
def test_movement_kinds_change_on_hand_by_their_delta(store, variant, kind, quantity, reason, expected):
    receive(store, variant, 10)
    movement, lvl = services.record_movement(
        actor=HQ, location_id=store.pk, variant_id=variant.pk, kind=kind, quantity=quantity, reason=reason
    )
    assert lvl.on_hand == expected == level(store, variant).on_hand == ledger_sum(store, variant)
    assert movement.delta == expected - 10


@pytest.mark.parametrize(
    ("kind", "quantity", "reason"),
    [
        ("receipt", 0, ""),
        ("damage", -1, ""),
        ("adjustment", 0, "found"),
        ("adjustment", 1, ""),
        ("count", -1, ""),
        ("sale", 1, ""),
    ],
)
def test_bad_movements_are_refused(store, variant, kind, quantity, reason):
    with pytest.raises(InvalidInput):
        services.record_movement(
            actor=HQ, location_id=store.pk, variant_id=variant.pk, kind=kind, quantity=quantity, reason=reason
        )
    assert not StockMovement.objects.exists()


def test_on_hand_never_below_zero_or_reserved(store, variant):
    receive(store, variant, 5)
    services.reserve_stock(owner="order:1", lines=[StockLine(store.pk, variant.pk, 3)])
    with pytest.raises(InsufficientStock) as excinfo:
        services.record_movement(
            actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="damage", quantity=3
        )
    assert excinfo.value.code == "insufficient_stock" and excinfo.value.extra["skus"] == ["TEE-1"]
    assert level(store, variant).on_hand == 5
    services.record_movement(actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="damage", quantity=2)
    assert level(store, variant).on_hand == 3


def test_the_ledger_is_append_only_in_the_database(store, variant):
    movement, _ = receive(store, variant, 5)
    with pytest.raises(ValueError, match="append-only"):
        movement.save()
    with pytest.raises(ValueError, match="append-only"):
        movement.delete()
    for statement in (
        "UPDATE inventory_stockmovement SET delta = 50",
        "DELETE FROM inventory_stockmovement",
    ):
        with (
            pytest.raises((IntegrityError, InternalError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert StockMovement.objects.get().delta == 5


def test_check_constraints_hold_even_against_raw_sql(store, variant):
    receive(store, variant, 5)
    for statement in (
        "UPDATE inventory_stocklevel SET on_hand = -1",
        "UPDATE inventory_stocklevel SET reserved = on_hand + 1",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)


def test_reserve_is_all_or_nothing_and_names_every_short_sku(store):
    a, b, c = VariantFactory(sku="A"), VariantFactory(sku="B"), VariantFactory(sku="C")
    for v, q in ((a, 5), (b, 1)):
        receive(store, v, q)
    with pytest.raises(InsufficientStock) as excinfo:
        services.reserve_stock(
            owner="order:2",
            lines=[StockLine(store.pk, a.pk, 2), StockLine(store.pk, b.pk, 1), StockLine(store.pk, c.pk, 1)],
        )
    # b has 1 on hand but safety stock 1: nothing available; c has no stock at all
    assert excinfo.value.extra["skus"] == ["B", "C"]
    assert not Reservation.objects.exists()
    assert level(store, a).reserved == 0


def test_reserve_release_and_consume(store, variant):
    receive(store, variant, 10)
    services.reserve_stock(
        owner="order:3", lines=[StockLine(store.pk, variant.pk, 2), StockLine(store.pk, variant.pk, 1)]
    )
    assert level(store, variant).reserved == 3 and Reservation.objects.get().quantity == 3
    assert services.release_reservations(owner="order:3") == 3
    assert services.release_reservations(owner="order:3") == 0
    assert level(store, variant).reserved == 0
    services.reserve_stock(owner="order:4", lines=[StockLine(store.pk, variant.pk, 4)])
    [sale] = services.consume_reservations(owner="order:4", actor=HQ, reference="order:4")
    lvl = level(store, variant)
    assert (lvl.on_hand, lvl.reserved) == (6, 0) and lvl.last_sale_at is not None
    assert sale.kind == "sale" and sale.delta == -4 and sale.on_hand_after == 6
    assert services.consume_reservations(owner="order:4", actor=HQ) == []
    assert ledger_sum(store, variant) == 6


def test_availability_in_one_query_nearest_first(django_assert_num_queries, variant):
    milano = LocationFactory(code="MI-A", latitude="45.464200", longitude="9.190000", ships=False)
    roma = LocationFactory(code="RM-A", latitude="41.902800", longitude="12.496400")
    wh = WarehouseFactory(code="WH-A", latitude="45.052000", longitude="9.693000")
    closed = LocationFactory(code="XX-A", click_and_collect=False, ships=False)
    for loc, q in ((milano, 3), (roma, 5), (wh, 20), (closed, 7)):
        receive(loc, variant, q)
    selectors.availability(variant=variant)  # the locations' copy, loaded once per process and change
    with django_assert_num_queries(2):  # the cache versions (once per request in a request) + the stock
        result = selectors.availability(variant=variant, near=(41.9, 12.5))
    assert result.locations[0].location == "RM-A"
    assert result.locations[0].distance_km < 1
    assert result.available == 3 + 5 + 20  # XX-A neither ships nor does click-and-collect
    result = selectors.availability(variant=variant, click_and_collect=True)
    assert {loc.location for loc in result.locations} == {"MI-A", "RM-A"}


def test_transfer_request_ship_receive_with_shortfall(store, variant):
    wh = WarehouseFactory(code="WH-1")
    receive(wh, variant, 10)
    transfer = services.request_transfer(
        actor=HQ, from_location_id=wh.pk, to_location_id=store.pk, lines=[TransferLineInput(variant.pk, 4)]
    )
    assert level(wh, variant).reserved == 4 and transfer.number.startswith("T-")
    services.ship_transfer(actor=HQ, transfer_id=transfer.pk, carrier="BRT", tracking="X1")
    assert (level(wh, variant).on_hand, level(wh, variant).reserved) == (6, 0)
    assert list(selectors.incoming_transfers(store.pk)) == [transfer]
    with pytest.raises(InvalidTransition):
        services.ship_transfer(actor=HQ, transfer_id=transfer.pk)
    with pytest.raises(InvalidInput):
        services.receive_transfer(actor=HQ, transfer_id=transfer.pk, lines=[ReceivedLineInput(variant.pk, 5)])
    services.receive_transfer(
        actor=HQ, transfer_id=transfer.pk, lines=[ReceivedLineInput(variant.pk, 3, "box torn")]
    )
    transfer.refresh_from_db()
    line = transfer.lines.get()
    assert transfer.status == TransferStatus.RECEIVED and line.quantity_received == 3 and line.shortfall == 1
    assert line.shortfall_reason == "box torn"
    assert level(store, variant).on_hand == 3 == ledger_sum(store, variant)
    assert ledger_sum(wh, variant) == 6


def test_transfer_cancel_releases_and_store_may_only_act_at_its_own_location(store, variant):
    wh = WarehouseFactory(code="WH-2")
    other = LocationFactory(code="OTHER")
    receive(wh, variant, 10)
    clerk = Actor(role="store", location_ids=frozenset({store.pk}))
    with pytest.raises(Forbidden):
        services.request_transfer(
            actor=clerk,
            from_location_id=wh.pk,
            to_location_id=other.pk,
            lines=[TransferLineInput(variant.pk, 1)],
        )
    transfer = services.request_transfer(
        actor=clerk, from_location_id=wh.pk, to_location_id=store.pk, lines=[TransferLineInput(variant.pk, 2)]
    )
    with pytest.raises(Forbidden):
        services.ship_transfer(actor=clerk, transfer_id=transfer.pk)
    services.cancel_transfer(actor=clerk, transfer_id=transfer.pk)
    assert level(wh, variant).reserved == 0
    with pytest.raises(InvalidTransition):
        services.cancel_transfer(actor=clerk, transfer_id=transfer.pk)
    with pytest.raises(InsufficientStock):
        services.request_transfer(
            actor=HQ,
            from_location_id=wh.pk,
            to_location_id=store.pk,
            lines=[TransferLineInput(variant.pk, 11)],
        )


def test_count_variance_is_taken_against_stock_at_count_time(store, variant):
    other = VariantFactory(sku="TEE-2")
    receive(store, variant, 10)
    receive(store, other, 4)
    count = services.start_count(actor=HQ, location_id=store.pk)
    assert count.lines.count() == 2 and count.status == CountStatus.OPEN
    services.record_count_entry(actor=HQ, count_id=count.pk, variant_id=variant.pk, counted=8)  # 2 missing
    services.reserve_stock(owner="order:9", lines=[StockLine(store.pk, variant.pk, 3)])
    services.consume_reservations(owner="order:9", actor=HQ)  # 3 sold after the count: on hand 7
    services.post_count(actor=HQ, count_id=count.pk)
    assert level(store, variant).on_hand == 5 == ledger_sum(store, variant)  # 8 counted - 3 sold since
    assert level(store, other).on_hand == 4  # not counted: untouched
    count.refresh_from_db()
    assert count.status == CountStatus.POSTED
    assert count.lines.get(variant=variant).variance == -2
    with pytest.raises(InvalidTransition):
        services.record_count_entry(actor=HQ, count_id=count.pk, variant_id=variant.pk, counted=1)


def test_count_of_a_sku_found_on_the_shelf(store, variant):
    count = services.start_count(actor=HQ, location_id=store.pk)
    services.record_count_entry(actor=HQ, count_id=count.pk, variant_id=variant.pk, counted=2)
    services.record_count_entry(actor=HQ, count_id=count.pk, variant_id=variant.pk, counted=1, add=True)
    services.post_count(actor=HQ, count_id=count.pk)
    assert level(store, variant).on_hand == 3 == ledger_sum(store, variant)


def test_low_stock_alert_raised_after_commit_and_cleared(store, variant, django_capture_on_commit_callbacks):
    receive(store, variant, 10)
    services.set_stock_parameters(location_id=store.pk, variant_id=variant.pk, reorder_point=5)
    assert not LowStockAlert.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.record_movement(
            actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="damage", quantity=6
        )
    assert not LowStockAlert.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    alert = LowStockAlert.objects.get()
    assert alert.cleared_at is None and alert.available_at_raise == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.record_movement(
            actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="damage", quantity=1
        )
    assert LowStockAlert.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        receive(store, variant, 10)
    alert.refresh_from_db()
    assert alert.cleared_at is not None


def test_stock_drift_finds_a_tampered_level(store, variant):
    receive(store, variant, 5)
    assert selectors.stock_drift() == []
    StockLevel.objects.filter(location=store, variant=variant).update(on_hand=7)
    [drift] = selectors.stock_drift()
    assert drift["on_hand"] == 7 and drift["ledger_sum"] == 5
