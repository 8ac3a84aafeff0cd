"""Property-based: any sequence of stock operations keeps every invariant and check_stock clean."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory import selectors, services
from inventory.exceptions import InsufficientStock
from inventory.models import StockCount, StockLevel, Transfer, TransferStatus
from inventory.services import ReceivedLineInput, StockLine, TransferLineInput
from omni.actors import Actor
from omni.exceptions import DomainError
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
SYSTEM = Actor.system()

location_index = st.integers(0, 2)
variant_index = st.integers(0, 1)
qty = st.integers(1, 6)
operation = st.one_of(
    st.tuples(st.just("receipt"), location_index, variant_index, qty),
    st.tuples(st.just("damage"), location_index, variant_index, qty),
    st.tuples(st.just("adjustment"), location_index, variant_index, st.integers(-6, 6).filter(bool)),
    st.tuples(st.just("count"), location_index, variant_index, st.integers(0, 8)),
    st.tuples(st.just("reserve"), location_index, variant_index, qty),
    st.tuples(st.just("release"), st.integers(0, 9), st.just(0), st.just(0)),
    st.tuples(st.just("consume"), st.integers(0, 9), st.just(0), st.just(0)),
    st.tuples(st.just("transfer"), location_index, variant_index, qty),
    st.tuples(st.just("ship"), st.integers(0, 5), st.just(0), st.just(0)),
    st.tuples(st.just("receive"), st.integers(0, 5), st.just(0), st.integers(0, 6)),
    st.tuples(st.just("count_session"), location_index, variant_index, st.integers(0, 8)),
)


@pytest.fixture
def world():
    locations = [WarehouseFactory(code="WH-P"), LocationFactory(code="ST-P1"), LocationFactory(code="ST-P2")]
    variants = [VariantFactory(sku="P-1"), VariantFactory(sku="P-2")]
    return locations, variants


def apply(op, locations, variants, owners):  # type: ignore[no-untyped-def]
    kind, a, b, n = op
    if kind in ("receipt", "damage", "adjustment", "count"):
        services.record_movement(
            actor=SYSTEM,
            location_id=locations[a].pk,
            variant_id=variants[b].pk,
            kind=kind,
            quantity=n,
            reason="correction" if kind == "adjustment" else "",
        )
    elif kind == "reserve":
        owner = f"order:{len(owners)}"
        services.reserve_stock(owner=owner, lines=[StockLine(locations[a].pk, variants[b].pk, n)])
        owners.append(owner)
    elif kind in ("release", "consume") and owners:
        owner = owners[a % len(owners)]
        if kind == "release":
            services.release_reservations(owner=owner)
        else:
            services.consume_reservations(owner=owner, actor=SYSTEM)
    elif kind == "transfer":
        target = locations[(a + 1) % len(locations)]
        services.request_transfer(
            actor=SYSTEM,
            from_location_id=locations[a].pk,
            to_location_id=target.pk,
            lines=[TransferLineInput(variants[b].pk, n)],
        )
    elif kind in ("ship", "receive"):
        transfers = list(Transfer.objects.order_by("pk"))
        if not transfers:
            return
        transfer = transfers[a % len(transfers)]
        if kind == "ship":
            services.ship_transfer(actor=SYSTEM, transfer_id=transfer.pk)
        elif transfer.status == TransferStatus.SHIPPED:
            line = transfer.lines.get()
            services.receive_transfer(
                actor=SYSTEM,
                transfer_id=transfer.pk,
                lines=[ReceivedLineInput(line.variant_id, min(n, line.quantity), "short")],
            )
    elif kind == "count_session":
        count = StockCount.objects.filter(
            status="open", location=locations[a]
        ).first() or services.start_count(actor=SYSTEM, location_id=locations[a].pk)
        services.record_count_entry(actor=SYSTEM, count_id=count.pk, variant_id=variants[b].pk, counted=n)
        if n % 2:
            services.post_count(actor=SYSTEM, count_id=count.pk)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, min_size=1, max_size=25))
def test_any_sequence_of_operations_keeps_the_invariants(world, ops):
    locations, variants = world
    with transaction.atomic():
        owners: list[str] = []
        for location in locations:  # some stock everywhere, so reservations and transfers often succeed
            for variant in variants:
                apply(
                    ("receipt", locations.index(location), variants.index(variant), 5),
                    locations,
                    variants,
                    owners,
                )
        for op in ops:
            try:
                with transaction.atomic():
                    apply(op, locations, variants, owners)
            except (InsufficientStock, DomainError):
                pass  # refused operations change nothing; that is part of what is checked below
        for level in StockLevel.objects.all():
            assert 0 <= level.reserved <= level.on_hand
            assert level.available >= 0
        assert selectors.stock_drift() == []
        transaction.set_rollback(True)
