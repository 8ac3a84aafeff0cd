"""Real races on the stock locks: threads started together by a barrier, each on its own database
connection, against committed data. Nothing oversells, nothing drifts from the ledger."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from inventory import selectors, services
from inventory.models import Reservation, ReservationState, StockLevel, StockMovement, TransferStatus
from inventory.services import StockLine, TransferLineInput
from omni.actors import Actor
from tests.inventory.factories import VariantFactory
from tests.races import run_together
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db(transaction=True)

HQ = Actor(role="integration")


def ledger_sum(location_id: int, variant_id: int) -> int:
    return sum(
        StockMovement.objects.filter(location_id=location_id, variant_id=variant_id).values_list(
            "delta", flat=True
        )
    )


def test_ten_buyers_for_the_last_three_units():
    store = LocationFactory(code="MI-RACE")
    variant = VariantFactory(sku="RACE-1")
    services.record_movement(
        actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=3
    )

    def buy(n: int) -> Callable[[], str]:
        def job() -> str:
            services.reserve_stock(
                owner=f"order:R-{n}",
                lines=[StockLine(location_id=store.pk, variant_id=variant.pk, quantity=1)],
            )
            return "reserved"

        return job

    outcomes = run_together([buy(n) for n in range(10)])

    assert sorted(outcomes) == ["insufficient_stock"] * 7 + ["reserved"] * 3, outcomes
    level = StockLevel.objects.get(location=store, variant=variant)
    assert (level.on_hand, level.reserved, level.available) == (3, 3, 0)
    assert Reservation.objects.filter(state=ReservationState.ACTIVE).count() == 3
    assert selectors.stock_drift() == []


def test_a_transfer_ships_while_the_till_sells_the_same_sku():
    store = LocationFactory(code="MI-TILL")
    other = LocationFactory(code="RM-TILL")
    variant = VariantFactory(sku="RACE-2")
    services.record_movement(
        actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=6
    )
    transfer = services.request_transfer(
        actor=HQ,
        from_location_id=store.pk,
        to_location_id=other.pk,
        lines=[TransferLineInput(variant_id=variant.pk, quantity=3)],
    )  # holds 3 of the 6: 3 are left to sell

    def ship() -> str:
        services.ship_transfer(actor=HQ, transfer_id=transfer.pk)
        return "shipped"

    def sell(n: int) -> Callable[[], str]:
        def job() -> str:
            owner = f"order:S-{n}"
            with transaction.atomic():  # a sale at the till: reserve and hand over at once
                services.reserve_stock(
                    owner=owner, lines=[StockLine(location_id=store.pk, variant_id=variant.pk, quantity=1)]
                )
                services.consume_reservations(owner=owner, actor=HQ, reference=owner)
            return "sold"

        return job

    outcomes = run_together([ship, *[sell(n) for n in range(5)]])

    assert outcomes[0] == "shipped", outcomes
    assert sorted(outcomes[1:]) == ["insufficient_stock"] * 2 + ["sold"] * 3, outcomes
    level = StockLevel.objects.get(location=store, variant=variant)
    assert (level.on_hand, level.reserved) == (0, 0)
    assert level.on_hand == ledger_sum(store.pk, variant.pk)
    movements = StockMovement.objects.filter(location=store, variant=variant)
    assert all(m.on_hand_after >= 0 for m in movements)
    assert sorted(movements.values_list("kind", "delta")) == sorted(
        [("receipt", 6), ("transfer_out", -3)] + [("sale", -1)] * 3
    )
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHIPPED
    assert not Reservation.objects.filter(state=ReservationState.ACTIVE).exists()
    assert selectors.stock_drift() == []


def test_concurrent_damage_never_takes_on_hand_below_reserved():
    """Eight clerks each record 1 damaged unit of 5 on hand with 2 reserved: exactly 3 can be written."""
    store = LocationFactory(code="MI-DMG")
    variant = VariantFactory(sku="RACE-3")
    services.record_movement(
        actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=5
    )
    services.reserve_stock(owner="order:D-1", lines=[StockLine(store.pk, variant.pk, 2)])

    def damage() -> str:
        services.record_movement(
            actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="damage", quantity=1
        )
        return "recorded"

    outcomes = run_together([damage] * 8)

    assert sorted(outcomes) == ["insufficient_stock"] * 5 + ["recorded"] * 3, outcomes
    level = StockLevel.objects.get(location=store, variant=variant)
    assert (level.on_hand, level.reserved) == (2, 2)
    assert sorted(StockMovement.objects.filter(kind="damage").values_list("on_hand_after", flat=True)) == [
        2,
        3,
        4,
    ]
    assert selectors.stock_drift() == []


def test_the_same_movement_posted_five_times_at_once_is_written_once(make_api_client):
    """Five retries of one POST with the same Idempotency-Key, racing through the API: one movement."""
    store = LocationFactory(code="MI-IDEM")
    variant = VariantFactory(sku="RACE-4")
    client = make_api_client("integration")
    body = {"location": store.code, "sku": variant.sku, "kind": "receipt", "quantity": 2}

    def post() -> str:
        own = APIClient()  # one test client per thread, all with the same token
        own.credentials(HTTP_AUTHORIZATION=f"Bearer {client.token}")
        response = own.post("/api/v1/stock/movements/", body, format="json", HTTP_IDEMPOTENCY_KEY="race-1")
        if response.status_code == 201:
            return "replayed" if response.get("Idempotent-Replayed") == "true" else "created"
        return f"{response.status_code} {response.json()['code']}"

    outcomes = run_together([post] * 5)

    assert outcomes.count("created") == 1, outcomes
    assert set(outcomes) <= {"created", "replayed", "409 idempotency_in_progress"}, outcomes
    assert StockMovement.objects.filter(variant=variant).count() == 1
    assert StockLevel.objects.get(location=store, variant=variant).on_hand == 2
    assert selectors.stock_drift() == []


def test_store_clients_racing_damage_through_the_api_never_go_below_reserved(make_api_client):
    store = LocationFactory(code="MI-API")
    variant = VariantFactory(sku="RACE-5")
    services.record_movement(
        actor=HQ, location_id=store.pk, variant_id=variant.pk, kind="receipt", quantity=4
    )
    services.reserve_stock(owner="order:A-1", lines=[StockLine(store.pk, variant.pk, 1)])
    clients = [make_api_client("store", location=store) for _ in range(6)]

    def damage(client) -> Callable[[], str]:  # type: ignore[no-untyped-def]
        def job() -> str:
            body = {"location": store.code, "sku": variant.sku, "kind": "damage", "quantity": 1}
            response = client.post("/api/v1/stock/movements/", body, format="json")
            return str(response.status_code)

        return job

    outcomes = run_together([damage(c) for c in clients])

    assert sorted(outcomes) == ["201"] * 3 + ["409"] * 3, outcomes
    level = StockLevel.objects.get(location=store, variant=variant)
    assert (level.on_hand, level.reserved) == (1, 1)
    assert selectors.stock_drift() == []
