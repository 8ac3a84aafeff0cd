"""Large stock adjustments wait for a manager's approval, one's own adjustment can be undone for a few
minutes, and the ledger reads in the reader's language (issue 17).

Services: the threshold per location, a pending request that changes nothing, approve (applied once, also
when two managers approve at once), reject, another store's manager and an associate refused, undo's rules.
Pages: posting, the queue, the dashboard's panel, undo, the Italian ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from inventory import services
from inventory.exceptions import AdjustmentRequestDecided, InsufficientStock, UndoNotAllowed
from inventory.models import AdjustmentRequest, StockLevel, StockMovement
from inventory.selectors.ledger import note_text, reason_label
from inventory.services.adjustments import (
    approve_adjustment,
    post_adjustment,
    reject_adjustment,
    undo_adjustment,
)
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidTransition
from stores.models import Location
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.races import run_together
from tests.stores.factories import LocationFactory, WarehouseFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
IT = {"HTTP_ACCEPT_LANGUAGE": "it"}


@pytest.fixture
def milano(db):
    return LocationFactory(code="MI-01", name="Milano Duomo", adjustment_approval_units=20)


@pytest.fixture
def torino(db):
    return LocationFactory(
        code="TO-01", name="Torino Centro", latitude=Decimal("45.0703"), longitude=Decimal("7.6869")
    )


@pytest.fixture
def tee(db):
    return VariantFactory(sku="TEE-M", gtin=None)


@pytest.fixture
def giulia(milano):
    return UserFactory(username="giulia", role="associate", locations=[milano])


@pytest.fixture
def marco(milano):
    return UserFactory(username="marco", role="store_manager", locations=[milano])


@pytest.fixture
def tina(torino):
    return UserFactory(username="tina", role="store_manager", locations=[torino])


@pytest.fixture
def anna(db):
    return UserFactory(username="anna", role="hq_manager")


def receive(location, variant, quantity: int) -> None:
    services.record_movement(
        actor=None, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def on_hand(location, variant) -> int:
    row = StockLevel.objects.filter(location=location, variant=variant).first()
    return row.on_hand if row else 0


def adjust(user, location, variant, quantity: int, reason: str = "found", note: str = ""):  # type: ignore[no-untyped-def]
    return post_adjustment(
        actor=Actor.for_user(user),
        location_id=location.pk,
        variant_id=variant.pk,
        quantity=quantity,
        reason=reason,
        note=note,
    )


# --- the threshold ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_location_waits_above_20_units_by_default_and_never_below_1():
    location = LocationFactory(code="NEW-1")
    assert Location.objects.get(pk=location.pk).adjustment_approval_units == 20
    assert WarehouseFactory(code="WH-NEW").adjustment_approval_units == 20
    location.adjustment_approval_units = 0
    with pytest.raises(ValidationError) as caught:
        location.full_clean()
    assert "adjustment_approval_units" in caught.value.message_dict
    location.adjustment_approval_units = None  # never
    location.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.filter(pk=location.pk).update(adjustment_approval_units=0)


# --- posting ----------------------------------------------------------------------------------------------


def test_an_associate_within_the_threshold_is_recorded_at_once(giulia, milano, tee):
    done = adjust(giulia, milano, tee, 20)
    assert not done.pending and done.movement.delta == 20
    assert on_hand(milano, tee) == 20


def test_an_associate_above_the_threshold_waits_and_changes_nothing(giulia, milano, tee):
    receive(milano, tee, 3)
    done = adjust(giulia, milano, tee, 5000, reason="damaged_in_store", note="scatolone")
    assert done.pending and done.movement is None
    request = AdjustmentRequest.objects.get()
    assert (request.delta, request.reason, request.note, request.status, request.requested_by) == (
        5000,
        "damaged_in_store",
        "scatolone",
        "pending",
        giulia,
    )
    assert on_hand(milano, tee) == 3
    assert StockMovement.objects.filter(kind="adjustment").count() == 0


def test_a_negative_request_that_does_not_fit_the_stock_is_refused_at_once(giulia, milano, tee):
    receive(milano, tee, 30)
    assert adjust(giulia, milano, tee, -25, reason="shrinkage").pending
    with pytest.raises(InsufficientStock):
        adjust(giulia, milano, tee, -31, reason="shrinkage")
    assert AdjustmentRequest.objects.count() == 1 and on_hand(milano, tee) == 30


def test_managers_hq_api_clients_and_locations_without_threshold_never_wait(giulia, marco, anna, milano, tee):
    assert not adjust(marco, milano, tee, 500).pending
    assert not adjust(anna, milano, tee, 500).pending
    store_client = Actor(role="store", location_ids=frozenset({milano.pk}))
    assert not post_adjustment(
        actor=store_client, location_id=milano.pk, variant_id=tee.pk, quantity=500, reason="found"
    ).pending
    Location.objects.filter(pk=milano.pk).update(adjustment_approval_units=None)
    assert not adjust(giulia, milano, tee, 500).pending
    assert on_hand(milano, tee) == 2000 and not AdjustmentRequest.objects.exists()


def test_an_associate_cannot_adjust_another_store(giulia, torino, tee):
    with pytest.raises(Forbidden):
        adjust(giulia, torino, tee, 5)


# --- deciding ---------------------------------------------------------------------------------------------


def test_approving_applies_the_adjustment_once(giulia, marco, milano, tee):
    receive(milano, tee, 3)
    request = adjust(giulia, milano, tee, 50, note="found in the back").request
    approved = approve_adjustment(actor=Actor.for_user(marco), request_id=request.pk, note="ok")
    assert (approved.status, approved.decided_by, approved.decision_note) == ("approved", marco, "ok")
    movement = approved.movement
    assert (movement.kind, movement.delta, movement.reason, movement.user) == (
        "adjustment",
        50,
        "found",
        giulia,
    )
    assert on_hand(milano, tee) == 53
    with pytest.raises(AdjustmentRequestDecided):
        approve_adjustment(actor=Actor.for_user(marco), request_id=request.pk)
    with pytest.raises(InvalidTransition):
        reject_adjustment(actor=Actor.for_user(marco), request_id=request.pk)
    assert on_hand(milano, tee) == 53 and StockMovement.objects.filter(kind="adjustment").count() == 1


def test_rejecting_leaves_the_stock(giulia, marco, milano, tee):
    request = adjust(giulia, milano, tee, 5000, reason="damaged_in_store").request
    rejected = reject_adjustment(actor=Actor.for_user(marco), request_id=request.pk, note="no: count it")
    assert (rejected.status, rejected.decided_by, rejected.movement) == ("rejected", marco, None)
    assert on_hand(milano, tee) == 0
    with pytest.raises(AdjustmentRequestDecided):
        approve_adjustment(actor=Actor.for_user(marco), request_id=request.pk)
    assert on_hand(milano, tee) == 0


def test_another_stores_manager_and_associates_cannot_decide(giulia, tina, anna, milano, tee):
    request = adjust(giulia, milano, tee, 40).request
    for user in (tina, giulia):
        with pytest.raises(Forbidden):
            approve_adjustment(actor=Actor.for_user(user), request_id=request.pk)
        with pytest.raises(Forbidden):
            reject_adjustment(actor=Actor.for_user(user), request_id=request.pk)
    assert AdjustmentRequest.objects.get().status == "pending" and on_hand(milano, tee) == 0
    approve_adjustment(actor=Actor.for_user(anna), request_id=request.pk)  # HQ may
    assert on_hand(milano, tee) == 40


def test_a_negative_adjustment_that_no_longer_fits_is_refused_and_stays_pending(giulia, marco, milano, tee):
    receive(milano, tee, 30)
    request = adjust(giulia, milano, tee, -25, reason="shrinkage").request
    services.record_movement(
        actor=None, location_id=milano.pk, variant_id=tee.pk, kind="damage", quantity=10
    )  # 20 left
    with pytest.raises(InsufficientStock) as caught:
        approve_adjustment(actor=Actor.for_user(marco), request_id=request.pk)
    assert "TEE-M" in caught.value.detail and "20" in caught.value.detail
    assert AdjustmentRequest.objects.get().status == "pending" and on_hand(milano, tee) == 20


# --- undo -------------------------------------------------------------------------------------------------


def test_undo_reverses_ones_own_adjustment_once(giulia, milano, tee):
    receive(milano, tee, 10)
    movement = adjust(giulia, milano, tee, -4, reason="shrinkage").movement
    reversal = undo_adjustment(actor=Actor.for_user(giulia), movement_id=movement.pk)
    assert (reversal.kind, reversal.delta, reversal.reason, reversal.reverses_id) == (
        "adjustment",
        4,
        "shrinkage",
        movement.pk,
    )
    assert on_hand(milano, tee) == 10
    with pytest.raises(UndoNotAllowed):
        undo_adjustment(actor=Actor.for_user(giulia), movement_id=movement.pk)
    with pytest.raises(UndoNotAllowed):  # an undo is not undone in turn
        undo_adjustment(actor=Actor.for_user(giulia), movement_id=reversal.pk)
    assert on_hand(milano, tee) == 10
    assert StockMovement.objects.get(pk=movement.pk).delta == -4  # the ledger keeps both rows


def test_undo_is_refused_to_others_too_late_for_receipts_and_approved_ones(
    giulia, marco, milano, tee, monkeypatch
):
    receipt = services.record_movement(
        actor=Actor.for_user(giulia), location_id=milano.pk, variant_id=tee.pk, kind="receipt", quantity=10
    )[0]
    mine = adjust(giulia, milano, tee, 2).movement
    approved = approve_adjustment(
        actor=Actor.for_user(marco), request_id=adjust(giulia, milano, tee, 30).request.pk
    ).movement
    with pytest.raises(UndoNotAllowed):
        undo_adjustment(actor=Actor.for_user(giulia), movement_id=receipt.pk)
    with pytest.raises(UndoNotAllowed):
        undo_adjustment(actor=Actor.for_user(marco), movement_id=mine.pk)  # not his
    with pytest.raises(UndoNotAllowed):
        undo_adjustment(actor=Actor.for_user(giulia), movement_id=approved.pk)
    later = timezone.now() + timedelta(minutes=11)
    monkeypatch.setattr("inventory.services.adjustments.timezone.now", lambda: later)
    with pytest.raises(UndoNotAllowed) as caught:
        undo_adjustment(actor=Actor.for_user(giulia), movement_id=mine.pk)
    assert "10" in caught.value.detail
    assert on_hand(milano, tee) == 42


def test_undo_is_refused_when_the_stock_no_longer_allows_it(giulia, milano, tee):
    movement = adjust(giulia, milano, tee, 5).movement
    services.record_movement(actor=None, location_id=milano.pk, variant_id=tee.pk, kind="damage", quantity=3)
    with pytest.raises(InsufficientStock):
        undo_adjustment(actor=Actor.for_user(giulia), movement_id=movement.pk)
    assert on_hand(milano, tee) == 2 and not StockMovement.objects.filter(reverses=movement).exists()


# --- races: threads with their own connections ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_at_once_apply_it_once():
    milano = LocationFactory(code="MI-RACE")
    tee = VariantFactory(sku="RACE-TEE")
    giulia = UserFactory(username="giulia-race", role="associate", locations=[milano])
    managers = [
        UserFactory(username="marco-race", role="store_manager", locations=[milano]),
        UserFactory(username="anna-race", role="hq_manager"),
    ]
    receive(milano, tee, 5)
    request = adjust(giulia, milano, tee, 100).request

    def approve(user) -> Callable[[], str]:  # type: ignore[no-untyped-def]
        def job() -> str:
            approve_adjustment(actor=Actor.for_user(user), request_id=request.pk)
            return "approved"

        return job

    outcomes = sorted(run_together([approve(user) for user in managers]))
    assert outcomes == ["approved", "invalid_transition"], outcomes  # the second finds it decided
    assert on_hand(milano, tee) == 105
    assert StockMovement.objects.filter(kind="adjustment").count() == 1
    assert AdjustmentRequest.objects.get().status == "approved"


@pytest.mark.django_db(transaction=True)
def test_two_undos_at_once_reverse_it_once():
    milano = LocationFactory(code="MI-UNDO")
    tee = VariantFactory(sku="UNDO-TEE")
    giulia = UserFactory(username="giulia-undo", role="associate", locations=[milano])
    receive(milano, tee, 5)
    movement = adjust(giulia, milano, tee, 3).movement

    def undo() -> str:
        undo_adjustment(actor=Actor.for_user(giulia), movement_id=movement.pk)
        return "undone"

    outcomes = sorted(run_together([undo, undo]))
    assert outcomes == ["invalid_transition", "undone"], outcomes  # the second finds it undone
    assert on_hand(milano, tee) == 5 and StockMovement.objects.filter(reverses=movement).count() == 1


# --- the ledger in the reader's language ------------------------------------------------------------------


def test_reasons_and_notes_read_in_italian_and_english(giulia, milano, tee):
    from django.utils import translation

    legacy = StockMovement(
        kind="count", reason="", note="variance -3 limited by stock sold or reserved since", delta=-1
    )
    short_pick = StockMovement(
        kind="adjustment",
        reason="shrinkage",
        note="Short pick: 2 × TEE-M not on the shelf for order W-1.",
        delta=-2,
    )
    coded = StockMovement(kind="count", note_code="count_limited", note_params={"variance": -7}, delta=-1)
    person = StockMovement(kind="adjustment", note="scatolone rotto", delta=-1)
    with translation.override("it"):
        assert reason_label("damaged_in_store") == "Danneggiato in negozio"
        assert reason_label("returned_damaged") == "Reso danneggiato"
        assert reason_label("mystery") == "mystery"
        assert note_text(legacy) == "Differenza di -3 limitata dalla merce venduta o impegnata nel frattempo."
        assert note_text(coded) == "Differenza di -7 limitata dalla merce venduta o impegnata nel frattempo."
        assert note_text(short_pick) == "Prelievo incompleto: 2 × TEE-M non a scaffale per l'ordine W-1."
        assert note_text(person) == "scatolone rotto"
        returned = StockMovement(kind="return", note="Return R-7 of order W-3", delta=1)
        assert note_text(returned) == "Reso R-7 dell'ordine W-3."
    with translation.override("en"):
        assert reason_label("damaged_in_store") == "Damaged in store"
        assert note_text(coded) == "Variance -7 limited by stock sold or reserved since."


# --- pages ------------------------------------------------------------------------------------------------


def movement_post(client, location, quantity, **extra):  # type: ignore[no-untyped-def]
    data = {
        "location": location.pk,
        "sku": "TEE-M",
        "kind": "adjustment",
        "quantity": str(quantity),
        "reason": "damaged_in_store",
        "note": "",
    }
    return client.post(reverse("inventory:stock-movement-new"), data, **extra)


def test_the_associate_sees_the_request_wait_and_the_manager_approves_it(client, giulia, marco, milano, tee):
    receive(milano, tee, 3)
    client.force_login(giulia)
    form = client.get(reverse("inventory:stock-movement-new"), **EN).content.decode()
    assert "more than 20 units waits for a manager" in form
    response = movement_post(client, milano, 5000, follow=True, **EN)
    page = response.content.decode()
    assert "waiting for a manager&#x27;s approval" in page or "waiting for a manager's approval" in page
    assert on_hand(milano, tee) == 3
    request = AdjustmentRequest.objects.get()
    assert (
        f'data-testid="approval-{request.pk}"' in page and f'data-testid="approve-{request.pk}"' not in page
    )
    # an associate may not decide
    approve_url = reverse("inventory:stock-adjustment-approve", args=[request.pk])
    assert client.post(approve_url, {f"r{request.pk}-note": ""}).status_code == 403
    assert AdjustmentRequest.objects.get().status == "pending"

    client.force_login(marco)
    dashboard = client.get(reverse("dashboard"), **EN).content.decode()
    assert "Adjustments to approve" in dashboard
    queue = client.get(reverse("inventory:stock-adjustments"), **EN).content.decode()
    assert f'data-testid="approve-{request.pk}"' in queue and "data-confirm=" in queue
    assert "TEE-M" in queue and "+5,000" in queue and "Damaged in store" in queue
    assert giulia.get_full_name() in queue
    response = client.post(approve_url, {f"r{request.pk}-note": "visto"}, follow=True, **EN)
    assert response.status_code == 200 and "Approved" in response.content.decode()
    assert on_hand(milano, tee) == 5003
    request.refresh_from_db()
    assert (request.status, request.decision_note, request.decided_by) == ("approved", "visto", marco)
    # the ledger says who approved it
    ledger = client.get(reverse("inventory:stock-movements", args=["TEE-M"]), **EN).content.decode()
    assert "approved by" in ledger


def test_another_stores_manager_cannot_approve_from_the_page(client, giulia, tina, milano, tee):
    request = adjust(giulia, milano, tee, 40).request
    client.force_login(tina)
    response = client.post(reverse("inventory:stock-adjustment-approve", args=[request.pk]))
    assert response.status_code == 403
    response = client.post(reverse("inventory:stock-adjustment-reject", args=[request.pk]))
    assert response.status_code == 403
    queue = client.get(reverse("inventory:stock-adjustments"), **EN).content.decode()
    assert f'data-testid="approval-{request.pk}"' not in queue
    assert AdjustmentRequest.objects.get().status == "pending"


def test_the_manager_rejects_with_a_note_and_a_failed_approval_keeps_the_note(
    client, giulia, marco, milano, tee
):
    receive(milano, tee, 30)
    shrink = adjust(giulia, milano, tee, -25, reason="shrinkage").request
    services.record_movement(actor=None, location_id=milano.pk, variant_id=tee.pk, kind="damage", quantity=10)
    client.force_login(marco)
    response = client.post(
        reverse("inventory:stock-adjustment-approve", args=[shrink.pk]),
        {f"r{shrink.pk}-note": "controllato"},
        **EN,
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "no longer fits" in page and 'value="controllato"' in page
    response = client.post(
        reverse("inventory:stock-adjustment-reject", args=[shrink.pk]),
        {f"r{shrink.pk}-note": "conta di nuovo"},
    )
    assert response.status_code == 302
    shrink.refresh_from_db()
    assert (shrink.status, shrink.decision_note) == ("rejected", "conta di nuovo")
    assert on_hand(milano, tee) == 20


def test_the_dashboard_panel_counts_the_queue_for_managers_only(client, giulia, marco, milano, tee):
    adjust(giulia, milano, tee, 40)
    adjust(giulia, milano, tee, 50)
    client.force_login(marco)
    response = client.get(reverse("dashboard"), **EN)
    panels = {p.title: p for p in response.context["panels"]}
    panel = panels["Adjustments to approve"]
    assert panel.figures[0].value == 2 and "adjustments" in panel.figures[0].url
    client.force_login(giulia)
    response = client.get(reverse("dashboard"), **EN)
    assert "Adjustments to approve" not in {p.title for p in response.context["panels"]}


def test_undo_from_the_ledger(client, giulia, milano, tee):
    receive(milano, tee, 10)
    client.force_login(giulia)
    response = movement_post(client, milano, -2, follow=True, **EN)
    page = response.content.decode()
    movement = StockMovement.objects.get(kind="adjustment")
    assert "undo it" in page and f'data-testid="undo-{movement.pk}"' in page and "data-confirm=" in page
    response = client.post(reverse("inventory:stock-movement-undo", args=[movement.pk]), follow=True, **EN)
    page = response.content.decode()
    assert "undone" in page and f'data-testid="undo-{movement.pk}"' not in page
    assert "Undoes the adjustment of" in page and "(-2)" in page
    italian = client.get(reverse("inventory:stock-movements", args=["TEE-M"]), **IT).content.decode()
    assert "Annulla la rettifica del" in italian and "annullata" in italian
    assert on_hand(milano, tee) == 10
    # a second undo (a stale page) is a message, not an error page
    response = client.post(reverse("inventory:stock-movement-undo", args=[movement.pk]), follow=True, **EN)
    assert response.status_code == 200 and "already been undone" in response.content.decode()
    assert on_hand(milano, tee) == 10


def test_undo_of_another_stores_movement_is_refused(client, giulia, torino, tee):
    movement = services.record_movement(
        actor=None, location_id=torino.pk, variant_id=tee.pk, kind="adjustment", quantity=3, reason="found"
    )[0]
    client.force_login(giulia)
    assert client.post(reverse("inventory:stock-movement-undo", args=[movement.pk])).status_code == 403
    assert client.post(reverse("inventory:stock-movement-undo", args=[999999])).status_code == 404
    assert client.get(reverse("inventory:stock-movement-undo", args=[movement.pk])).status_code == 405


def test_the_ledger_page_reads_in_italian(client, giulia, milano, tee):
    receive(milano, tee, 1500)
    adjust(giulia, milano, tee, -3, reason="damaged_in_store")
    client.force_login(giulia)
    page = client.get(reverse("inventory:stock-movements", args=["TEE-M"]), **IT).content.decode()
    assert "Danneggiato in negozio" in page and "damaged_in_store" not in page
    assert "Rettifica" in page and "1.497" in page and "1.500" in page
    assert "<td>sistema</td>" in page  # the receipt recorded by Omni itself


def test_the_location_page_shows_the_threshold(client, anna, milano):
    client.force_login(anna)
    page = client.get(reverse("stores:detail", args=[milano.code]), **EN).content.decode()
    assert "more than 20 units" in page


# --- error messages name labels, not codes ----------------------------------------------------------------


def test_error_messages_use_labels_not_codes(giulia, milano, torino, tee):
    from django.utils import translation

    from omni.exceptions import InvalidInput

    receive(milano, tee, 5)
    transfer = services.request_transfer(
        actor=Actor.system(),
        from_location_id=milano.pk,
        to_location_id=torino.pk,
        lines=[services.TransferLineInput(variant_id=tee.pk, quantity=1)],
    )
    services.ship_transfer(actor=Actor.system(), transfer_id=transfer.pk)
    with translation.override("it"), pytest.raises(InvalidTransition) as caught:
        services.cancel_transfer(actor=Actor.system(), transfer_id=transfer.pk)
    assert "spedito" in caught.value.detail and "shipped" not in caught.value.detail
    count = services.start_count(actor=Actor.system(), location_id=milano.pk)
    services.cancel_count(actor=Actor.system(), count_id=count.pk)
    with translation.override("en"), pytest.raises(InvalidTransition) as caught:
        services.post_count(actor=Actor.system(), count_id=count.pk)
    assert f"Count {count.number} is cancelled" in caught.value.detail
    with translation.override("it"), pytest.raises(InvalidTransition) as caught:
        services.post_count(actor=Actor.system(), count_id=count.pk)
    assert "annullat" in caught.value.detail and "cancelled" not in caught.value.detail
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        services.record_movement(
            actor=None, location_id=milano.pk, variant_id=tee.pk, kind="adjustment", quantity=1, reason=""
        )
    assert "Damaged in store" in caught.value.detail and "damaged_in_store" not in caught.value.detail
    with translation.override("it"), pytest.raises(InvalidInput) as caught:
        services.record_movement(
            actor=None, location_id=milano.pk, variant_id=tee.pk, kind="damage", quantity=0
        )
    assert caught.value.detail.startswith("Danneggiato") and "damage " not in caught.value.detail


def test_the_api_with_a_staff_session_cannot_go_around_the_approval(client, giulia, marco, milano, tee):
    """The API answers the movement it recorded, so a large adjustment by an associate's browser session is
    refused there (403, problem document) instead of being recorded or queued; a manager's is recorded."""
    receive(milano, tee, 3)
    url = reverse("stock-movement-list")
    body = {"location": "MI-01", "sku": "TEE-M", "kind": "adjustment", "quantity": 5000, "reason": "found"}
    client.force_login(giulia)
    response = client.post(url, body, content_type="application/json", **EN)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "permission_denied"
    assert "manager's approval" in response.json()["detail"]
    assert on_hand(milano, tee) == 3 and not AdjustmentRequest.objects.exists()
    # within the threshold the associate's adjustment is recorded at once
    small = client.post(url, {**body, "quantity": 2}, content_type="application/json", **EN)
    assert small.status_code == 201 and on_hand(milano, tee) == 5
    client.force_login(marco)
    assert client.post(url, body, content_type="application/json", **EN).status_code == 201
    assert on_hand(milano, tee) == 5005
