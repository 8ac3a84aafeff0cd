"""Wishlists (API-CONTRACT.md, Carts: "Wishlists") and the "back in stock at your preferred store" notices:
the contract's fields and codes, who may reach a member's wishlist (another store's client, another
customer's member id), and the notice rules (consent, once per availability, re-armed, language, races)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from carts.models import BackInStockNotice, WishlistEntry
from carts.services.back_in_stock import check_back_in_stock, deliver_back_in_stock_notice
from carts.services.wishlists import add_to_wishlist
from inventory import services as stock_services
from loyalty.models import Member
from loyalty.services import enroll_member
from loyalty.services.consent import record_consent
from loyalty.services.preferences import update_preferences
from omni.actors import Actor
from tests.conftest import assert_problem
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.loyalty.conftest import seed_tiers
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def stock(location, variant, quantity: int) -> None:  # type: ignore[no-untyped-def]
    """A receipt (quantity > 0) or an adjustment (quantity < 0) of this SKU at this location."""
    stock_services.record_movement(
        actor=HQ,
        location_id=location.pk,
        variant_id=variant.pk,
        kind="receipt" if quantity > 0 else "adjustment",
        quantity=quantity,
        reason="" if quantity > 0 else "correction",
    )


def wishlist_url(member_id: int, sku: str | None = None) -> str:
    if sku is None:
        return reverse("loyalty-member-wishlist-list", args=[member_id])
    return reverse("loyalty-member-wishlist-detail", args=[member_id, sku])


@pytest.fixture
def milano():
    return LocationFactory(code="MI-1", name="Milano Duomo", city="Milano")


@pytest.fixture
def roma():
    return LocationFactory(code="RM-1", name="Roma Corso", city="Roma")


@pytest.fixture
def tee():
    product = ProductFactory(name="T-shirt basic")
    return VariantFactory(product=product, sku="TEE-M", size="M", color="Blu", price=Decimal("19.90"))


@pytest.fixture
def jeans():
    return VariantFactory(product=ProductFactory(name="Jeans slim"), sku="JNS-32", size="32")


def make_member(email: str, *, location=None, language: str = "en", consent: bool = True) -> Member:  # type: ignore[no-untyped-def]
    member = enroll_member(email=email, first_name="Giulia", last_name="Rossi", actor=HQ, language=language)
    if location is not None:
        update_preferences(customer=member.customer, changes={"preferred_location": location.code}, actor=HQ)
    if consent:
        record_consent(
            customer=member.customer,
            purpose="marketing",
            channel="email",
            granted=True,
            source="web",
            actor=HQ,
        )
    return Member.objects.select_related("customer").get(pk=member.pk)


@pytest.fixture
def giulia(milano) -> Member:  # type: ignore[no-untyped-def]
    return make_member("giulia@example.it", location=milano)


# --- The API: fields and codes ------------------------------------------------------------------------------


def test_add_list_remove_with_the_contract_fields(integration_api, giulia, milano, tee, jeans):
    stock(milano, tee, 3)
    created = integration_api.post(wishlist_url(giulia.pk), {"sku": "TEE-M"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["sku"] == "TEE-M"
    assert body["name"] == "T-shirt basic (M / Blu)"
    assert body["available_at_preferred_location"] == 3
    assert body["added_at"]
    again = integration_api.post(wishlist_url(giulia.pk), {"sku": "TEE-M"}, format="json")
    assert again.status_code == 200
    assert again.json()["added_at"] == body["added_at"]
    assert integration_api.post(wishlist_url(giulia.pk), {"sku": "JNS-32"}, format="json").status_code == 201

    listed = integration_api.get(wishlist_url(giulia.pk)).json()
    assert [(e["sku"], e["available_at_preferred_location"]) for e in listed["results"]] == [
        ("JNS-32", 0),
        ("TEE-M", 3),
    ]
    assert listed["next"] is None

    assert integration_api.delete(wishlist_url(giulia.pk, "TEE-M")).status_code == 204
    assert_problem(integration_api.delete(wishlist_url(giulia.pk, "TEE-M")), 404, "not_found")
    assert [e["sku"] for e in integration_api.get(wishlist_url(giulia.pk)).json()["results"]] == ["JNS-32"]


def test_without_a_preferred_store_availability_is_null(integration_api, tee):
    member = make_member("anna@example.it")
    body = integration_api.post(wishlist_url(member.pk), {"sku": "TEE-M"}, format="json").json()
    assert body["available_at_preferred_location"] is None


def test_bad_input_is_a_problem_document(integration_api, giulia, tee):
    assert_problem(integration_api.post(wishlist_url(giulia.pk), {}, format="json"), 400, "validation_error")
    problem = assert_problem(
        integration_api.post(wishlist_url(giulia.pk), {"sku": "NOPE"}, format="json"), 400, "validation_error"
    )
    assert "sku" in problem["errors"]
    tee.active = False
    tee.save(update_fields=["active"])
    assert_problem(
        integration_api.post(wishlist_url(giulia.pk), {"sku": "TEE-M"}, format="json"),
        400,
        "validation_error",
    )
    assert_problem(integration_api.get(wishlist_url(999999)), 404, "not_found")
    assert not WishlistEntry.objects.exists()


def test_idempotency_key_replays_the_first_answer(integration_api, giulia, tee):
    headers = {"HTTP_IDEMPOTENCY_KEY": "wish-1"}
    first = integration_api.post(wishlist_url(giulia.pk), {"sku": "TEE-M"}, format="json", **headers)
    replay = integration_api.post(wishlist_url(giulia.pk), {"sku": "TEE-M"}, format="json", **headers)
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert_problem(
        integration_api.post(wishlist_url(giulia.pk), {"sku": "JNS-32"}, format="json", **headers),
        422,
        "idempotency_key_reused",
    )
    assert WishlistEntry.objects.count() == 1


# --- Who may reach a member's wishlist ----------------------------------------------------------------------


def test_another_stores_client_and_another_customers_member_are_not_found(
    make_api_client, giulia, milano, roma, tee
):
    add_to_wishlist(member=giulia, sku="TEE-M")
    other = make_member("marco@example.it", location=roma)
    kiosk_here = make_api_client("kiosk", location=milano)
    store_there = make_api_client("store", location=roma)

    # nobody at Roma looked Giulia up: her wishlist is not theirs, whatever the method
    assert_problem(store_there.get(wishlist_url(giulia.pk)), 404, "not_found")
    assert_problem(
        store_there.post(wishlist_url(giulia.pk), {"sku": "TEE-M"}, format="json"), 404, "not_found"
    )
    assert_problem(store_there.delete(wishlist_url(giulia.pk, "TEE-M")), 404, "not_found")

    # the kiosk in Milano reaches her through her card, and only her
    looked_up = kiosk_here.get(reverse("loyalty-member-list"), {"card_number": giulia.card_number})
    assert looked_up.status_code == 200 and looked_up.json()["results"]
    assert [e["sku"] for e in kiosk_here.get(wishlist_url(giulia.pk)).json()["results"]] == ["TEE-M"]
    assert_problem(kiosk_here.get(wishlist_url(other.pk)), 404, "not_found")
    assert_problem(kiosk_here.post(wishlist_url(other.pk), {"sku": "TEE-M"}, format="json"), 404, "not_found")
    assert WishlistEntry.objects.filter(member=other).count() == 0


def test_the_eshop_reaches_the_members_it_enrolled_only(make_api_client, giulia, tee):
    eshop = make_api_client("eshop")
    enrolled = eshop.post(
        reverse("loyalty-member-list"),
        {"email": "luca@example.it", "first_name": "Luca", "last_name": "Bianchi"},
        format="json",
    )
    assert enrolled.status_code == 201
    luca = enrolled.json()["id"]
    assert eshop.post(wishlist_url(luca), {"sku": "TEE-M"}, format="json").status_code == 201
    assert_problem(eshop.get(wishlist_url(giulia.pk)), 404, "not_found")
    assert_problem(eshop.delete(wishlist_url(giulia.pk, "TEE-M")), 404, "not_found")


def test_no_token_is_401(client, giulia):
    assert_problem(client.get(wishlist_url(giulia.pk)), 401, "not_authenticated")


# --- Back in stock at the preferred store -------------------------------------------------------------------


def run_job(capture) -> int:  # type: ignore[no-untyped-def]
    """The beat job, with its outbox messages run after commit as a worker would."""
    with capture(execute=True):
        return check_back_in_stock()


def test_one_email_when_it_comes_back_and_again_only_after_selling_out(
    django_capture_on_commit_callbacks, giulia, milano, tee
):
    add_to_wishlist(member=giulia, sku="TEE-M")  # sold out at Milano: armed
    assert run_job(django_capture_on_commit_callbacks) == 0
    stock(milano, tee, 2)
    assert run_job(django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["giulia@example.it"]
    assert "Milano Duomo" in email.subject
    assert "TEE-M" in email.body and "T-shirt basic" in email.body
    assert BackInStockNotice.objects.get().sent_at is not None

    # still on the shelf: never twice for the same availability
    assert run_job(django_capture_on_commit_callbacks) == 0
    stock(milano, tee, 3)
    assert run_job(django_capture_on_commit_callbacks) == 0
    assert len(mail.outbox) == 1

    # sold out: re-armed; back again: a second email
    stock(milano, tee, -5)
    assert run_job(django_capture_on_commit_callbacks) == 0
    assert WishlistEntry.objects.get().seen_available is False
    stock(milano, tee, 1)
    assert run_job(django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 2


def test_stock_elsewhere_or_already_on_the_shelf_sends_nothing(
    django_capture_on_commit_callbacks, giulia, milano, roma, tee, jeans
):
    stock(milano, jeans, 1)
    add_to_wishlist(member=giulia, sku="JNS-32")  # on the shelf when added: not "back"
    add_to_wishlist(member=giulia, sku="TEE-M")
    stock(roma, tee, 4)  # not her store
    assert run_job(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_one_email_gathers_every_sku_that_came_back(
    django_capture_on_commit_callbacks, giulia, milano, tee, jeans
):
    add_to_wishlist(member=giulia, sku="TEE-M")
    add_to_wishlist(member=giulia, sku="JNS-32")
    stock(milano, tee, 1)
    stock(milano, jeans, 1)
    assert run_job(django_capture_on_commit_callbacks) == 1
    assert len(mail.outbox) == 1
    assert "TEE-M" in mail.outbox[0].body and "JNS-32" in mail.outbox[0].body
    assert sorted(BackInStockNotice.objects.get().variant_ids) == sorted([tee.pk, jeans.pk])


def test_no_consent_no_email(django_capture_on_commit_callbacks, milano, tee):
    member = make_member("nocons@example.it", location=milano, consent=False)
    add_to_wishlist(member=member, sku="TEE-M")
    stock(milano, tee, 2)
    assert run_job(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []
    assert not BackInStockNotice.objects.exists()
    # consent given later: this availability was seen already, nothing is announced late
    record_consent(customer=member.customer, purpose="marketing", channel="email", granted=True, actor=HQ)
    assert run_job(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_consent_withdrawn_before_sending_stops_the_email(
    django_capture_on_commit_callbacks, giulia, milano, tee
):
    add_to_wishlist(member=giulia, sku="TEE-M")
    stock(milano, tee, 2)
    assert check_back_in_stock() == 1  # queued, not yet sent (no commit in this test)
    record_consent(customer=giulia.customer, purpose="marketing", channel="email", granted=False, actor=HQ)
    notice = BackInStockNotice.objects.get()
    assert deliver_back_in_stock_notice(notice.pk) is False
    notice.refresh_from_db()
    assert (notice.sent_at, notice.skipped) == (None, "no_consent")
    assert mail.outbox == []


def test_a_notice_is_sent_once_even_if_its_task_runs_twice(giulia, milano, tee):
    add_to_wishlist(member=giulia, sku="TEE-M")
    stock(milano, tee, 2)
    assert check_back_in_stock() == 1
    notice = BackInStockNotice.objects.get()
    assert deliver_back_in_stock_notice(notice.pk) is True
    assert deliver_back_in_stock_notice(notice.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("language", "expected", "body"),
    [
        (
            "en",
            "Back in stock at Milano Duomo",
            "is back in stock at Milano Duomo (Milano), your preferred store",
        ),
        (
            "it",
            "Di nuovo disponibile da Milano Duomo",
            "di nuovo disponibile da Milano Duomo (Milano), il tuo",
        ),
    ],
)
def test_the_email_is_in_the_members_language(
    django_capture_on_commit_callbacks, milano, tee, language, expected, body
):
    member = make_member(f"{language}@example.it", location=milano, language=language)
    add_to_wishlist(member=member, sku="TEE-M")
    stock(milano, tee, 1)
    run_job(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith(expected), mail.outbox[0].subject
    assert body in mail.outbox[0].body
    html = mail.outbox[0].alternatives[0][0]
    assert body in html and "TEE-M" in html


def test_a_new_preferred_store_sets_the_baseline_only(django_capture_on_commit_callbacks, giulia, roma, tee):
    add_to_wishlist(member=giulia, sku="TEE-M")
    stock(roma, tee, 2)
    update_preferences(customer=giulia.customer, changes={"preferred_location": "RM-1"}, actor=HQ)
    assert run_job(django_capture_on_commit_callbacks) == 0  # on the shelf at her new store: not "back"
    entry = WishlistEntry.objects.get()
    assert (entry.seen_location_id, entry.seen_available) == (roma.pk, True)
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_one_email():
    seed_tiers()
    milano = LocationFactory(code="MI-1", name="Milano Duomo")
    tee = VariantFactory(sku="TEE-M")
    member = make_member("race@example.it", location=milano)
    add_to_wishlist(member=member, sku="TEE-M")
    stock(milano, tee, 2)

    barrier = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(check_back_in_stock())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert sorted(results) == [0, 1]
    assert BackInStockNotice.objects.count() == 1
    assert len(mail.outbox) == 1


# --- The customer 360 page ----------------------------------------------------------------------------------


def test_the_customer_page_shows_the_wishlist(client, giulia, milano, tee):
    stock(milano, tee, 4)
    add_to_wishlist(member=giulia, sku="TEE-M")
    client.force_login(UserFactory(role="hq_manager"))
    response = client.get(reverse("loyalty:customer", args=[giulia.customer_id]), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="customer-wishlist"' in html
    assert "TEE-M" in html and "T-shirt basic" in html
    assert "Available now at the preferred store, Milano Duomo." in html
    assert 'data-testid="wishlist-TEE-M"' in html
    italian = client.get(reverse("loyalty:customer", args=[giulia.customer_id]), HTTP_ACCEPT_LANGUAGE="it")
    assert "Lista dei desideri" in italian.content.decode()


def test_erasing_the_customer_erases_the_wishlist_and_its_notices(giulia, milano, tee, jeans):
    from loyalty.services import erase_customer

    add_to_wishlist(member=giulia, sku="TEE-M")
    stock(milano, tee, 1)
    assert check_back_in_stock() == 1
    other = make_member("marco@example.it", location=milano)
    add_to_wishlist(member=other, sku="JNS-32")
    erase_customer(customer=giulia.customer, actor=HQ, reason="GDPR request 42")
    assert list(WishlistEntry.objects.values_list("member_id", flat=True)) == [other.pk]
    assert not BackInStockNotice.objects.exists()


def test_the_gdpr_export_carries_the_wishlist_and_its_emails(
    django_capture_on_commit_callbacks, giulia, milano, tee
):
    from loyalty.services import export_customer

    add_to_wishlist(member=giulia, sku="TEE-M")
    stock(milano, tee, 1)
    run_job(django_capture_on_commit_callbacks)
    export = export_customer(giulia.customer)
    assert [(e["card_number"], e["sku"]) for e in export["wishlist"]] == [(giulia.card_number, "TEE-M")]
    assert export["wishlist"][0]["last_notified_at"]
    [email] = export["back_in_stock_emails"]
    assert (email["location"], email["skus"], email["not_sent_because"]) == ("MI-1", ["TEE-M"], None)
    assert email["sent_at"]


def test_a_broker_that_is_down_delays_the_email_and_never_doubles_it(
    django_capture_on_commit_callbacks, settings, giulia, milano, tee
):
    from unittest import mock

    from omni import outbox
    from omni.models import OutboxMessage

    add_to_wishlist(member=giulia, sku="TEE-M")
    stock(milano, tee, 1)
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a real broker, which is down
    try:
        with mock.patch("celery.current_app.send_task", side_effect=ConnectionError("broker down")):
            assert run_job(django_capture_on_commit_callbacks) == 1
            assert (
                run_job(django_capture_on_commit_callbacks) == 0
            )  # the return is recorded: not queued again
    finally:
        outbox.reset_breaker()
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the worker is back (runs here)
    assert mail.outbox == []
    message = OutboxMessage.objects.get(task="carts.tasks.send_back_in_stock_notice_task")
    OutboxMessage.objects.update(available_at=message.created_at)  # due now
    outbox.drain()  # the sweeper: the email goes now
    outbox.drain()
    assert not OutboxMessage.objects.filter(pk=message.pk).exists()
    assert len(mail.outbox) == 1
    assert BackInStockNotice.objects.get().sent_at is not None


def test_a_preferred_store_that_closed_counts_as_none(
    django_capture_on_commit_callbacks, giulia, milano, tee
):
    from carts.services.back_in_stock import _changed

    add_to_wishlist(member=giulia, sku="TEE-M")
    stock(milano, tee, 2)
    milano.active = False
    milano.save(update_fields=["active"])
    assert run_job(django_capture_on_commit_callbacks) == 0
    entry = WishlistEntry.objects.get()
    assert (entry.seen_location_id, entry.seen_available) == (None, False)
    assert not _changed().exists()  # settled: the next runs do not pick the member again
    assert mail.outbox == []


def test_the_list_costs_the_same_queries_with_1_or_30_entries(integration_api, milano):
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (1, 30):
        member = make_member(f"list{n}@example.it", location=milano)
        for i in range(n):
            variant = VariantFactory(sku=f"L{n}-{i}")
            stock(milano, variant, 1)
            add_to_wishlist(member=member, sku=variant.sku)
        integration_api.get(wishlist_url(member.pk))  # warm the client's caches
        with CaptureQueriesContext(connection) as queries:
            response = integration_api.get(wishlist_url(member.pk))
        assert len(response.json()["results"]) == n
        assert {e["available_at_preferred_location"] for e in response.json()["results"]} == {1}
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
