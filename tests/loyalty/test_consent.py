"""Consent per purpose and channel with its history, and preferences (issue 18): the services, the
append-only events (refused UPDATE/DELETE, the erasure's exception), the migration's data step, merges,
the API (every role, another store's kiosk and store, another customer's member id, the unhappy paths,
Idempotency-Key), the expiry warning sent only with consent, the GDPR export and erasure, and the
customer page in Italian and English."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from loyalty.exceptions import LoyaltyInvalid
from loyalty.models import ConsentEvent, Customer, ExpiryWarning, PointsLot
from loyalty.selectors import (
    consent_history,
    current_consents,
    has_consent,
    preferences_of,
    with_marketing_consent,
)
from loyalty.services import (
    adjust,
    enroll_member,
    erase_customer,
    export_customer,
    get_or_create_customer,
    merge_customers,
    record_consent,
    send_expiry_warnings,
    update_preferences,
)
from loyalty.services.expiry import deliver_expiry_warning
from omni.actors import Actor
from omni.models import AuditEntry
from omni.services import create_api_client
from tests.conftest import assert_problem
from tests.loyalty.conftest import HQ
from tests.loyalty.test_races import together
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/loyalty/members/"
MIGRATION = importlib.import_module("loyalty.migrations.0004_consents_and_preferences")


def url(member_id: int, action: str) -> str:
    return f"{MEMBERS}{member_id}/{action}/"


@pytest.fixture
def milano():
    return LocationFactory(code="MI-CON", name="Milano Centro", kind="store")


@pytest.fixture
def roma():
    return LocationFactory(code="RM-CON", name="Roma Termini", kind="store")


@pytest.fixture
def giulia():
    return enroll_member(email="giulia@example.it", first_name="Giulia", last_name="Rossi", actor=HQ)


def stated(customer: Customer, purpose: str, channel: str, granted: bool, **kw):  # type: ignore[no-untyped-def]
    return record_consent(
        customer=customer, purpose=purpose, channel=channel, granted=granted, actor=HQ, **kw
    )


# --- Services and selectors ------------------------------------------------------------------------------


def test_the_latest_statement_is_the_state_and_every_statement_is_kept(giulia, clock):
    customer = giulia.customer
    assert not has_consent(customer, "marketing", "email")  # never asked: no consent
    with clock.ago(days=10):
        stated(customer, "marketing", "email", True, source="web")
    with clock.ago(days=5):
        stated(customer, "marketing", "email", False, source="app")
    stated(customer, "marketing", "email", False, source="store")  # the same again: still recorded
    stated(customer, "profiling", "sms", True, source="kiosk")
    assert not has_consent(customer, "marketing", "email")
    assert has_consent(customer.pk, "profiling", "sms")  # by id too
    assert not has_consent(customer, "profiling", "email")  # per channel
    assert not has_consent(customer, "nonsense", "sms") and not has_consent(customer, "profiling", "fax")
    assert not has_consent(10**9, "profiling", "sms")
    assert [(s.purpose, s.channel, s.granted) for s in current_consents(customer)] == [
        ("marketing", "email", False),
        ("profiling", "sms", True),
    ]
    history = list(consent_history(customer))
    assert [e.source for e in history] == ["kiosk", "store", "app", "web"]  # newest first
    assert {e.actor_label for e in history} == {"system"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purpose": "newsletter"}, "purpose"),
        ({"channel": "fax"}, "channel"),
        ({"source": "Web Shop!"}, "source"),
        ({"source": "x" * 21}, "source"),
    ],
)
def test_a_statement_must_name_a_known_purpose_channel_and_a_short_source(giulia, changes, field):
    args = {"purpose": "marketing", "channel": "email", "source": "web", **changes}
    with pytest.raises(LoyaltyInvalid) as caught:
        record_consent(customer=giulia.customer, granted=True, actor=HQ, **args)
    assert field in caught.value.errors
    assert not ConsentEvent.objects.exists()


def test_consent_events_are_append_only_in_the_orm_and_the_database(giulia):
    event = stated(giulia.customer, "feedback", "email", True, source="web")
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    with pytest.raises(ValueError, match="append-only"):
        ConsentEvent.objects.filter(pk=event.pk).update(granted=False)
    for sql in (
        "UPDATE loyalty_consentevent SET granted = false WHERE id = %s",
        "DELETE FROM loyalty_consentevent WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    assert ConsentEvent.objects.get(pk=event.pk).granted


def test_a_kiosk_or_store_records_at_its_own_location_and_a_staff_user_by_name(giulia, milano, roma):
    kiosk, _token = create_api_client(name="kiosk-mi", role="kiosk", location_id=milano.pk)
    event = record_consent(
        customer=giulia.customer,
        purpose="marketing",
        channel="push",
        granted=True,
        actor=Actor.for_client(kiosk),
        location_id=roma.pk,  # a kiosk cannot say it is elsewhere
    )
    assert (event.source, event.location_id, event.actor_label) == ("kiosk", milano.pk, "api:kiosk-mi")
    user = UserFactory(username="anna.staff", role="associate", locations=[roma])
    event = record_consent(
        customer=giulia.customer,
        purpose="marketing",
        channel="push",
        granted=False,
        source="store",
        actor=Actor.for_user(user),
        location_id=roma.pk,
    )
    assert (event.source, event.location_id, event.actor_label) == ("store", roma.pk, "anna.staff")


def test_the_migration_turns_each_marketing_flag_into_one_event_with_its_date(clock):
    anna, _ = get_or_create_customer("anna@example.it")
    bruno, _ = get_or_create_customer("bruno@example.it")
    then = timezone.now() - timedelta(days=400)
    later = timezone.now() - timedelta(days=30)
    written = MIGRATION.consent_events_from_flags(
        iter([(anna.pk, True, then), (bruno.pk, False, later)]), ConsentEvent
    )
    assert written == 2
    assert has_consent(anna, "marketing", "email") and not has_consent(bruno, "marketing", "email")
    [state] = current_consents(anna)
    assert state.since == then and (state.purpose, state.channel) == ("marketing", "email")
    event = ConsentEvent.objects.get(customer=bruno)
    assert (event.source, event.actor_label, event.granted, event.created_at) == (
        "migration",
        "migration",
        False,
        later,
    )
    # in batches: more rows than one batch
    many = [get_or_create_customer(f"c{n}@example.it")[0].pk for n in range(5)]
    original = MIGRATION.BATCH
    MIGRATION.BATCH = 2
    try:
        assert MIGRATION.consent_events_from_flags(((pk, True, then) for pk in many), ConsentEvent) == 5
    finally:
        MIGRATION.BATCH = original
    assert all(has_consent(pk, "marketing", "email") for pk in many)


def test_enrolment_and_the_customer_service_record_the_marketing_flag_as_an_event(giulia):
    member = enroll_member(email="marco@example.it", actor=HQ, marketing_consent=True)
    assert has_consent(member.customer, "marketing", "email")
    event = ConsentEvent.objects.get(customer=member.customer)
    assert (event.source, event.actor_label) == ("system", "system")
    get_or_create_customer("marco@example.it", marketing_consent=False, actor=HQ)
    assert not has_consent(member.customer, "marketing", "email")
    get_or_create_customer("marco@example.it")  # None: nothing stated
    assert ConsentEvent.objects.filter(customer=member.customer).count() == 2
    annotated = with_marketing_consent(type(member).objects.filter(pk__in=[member.pk, giulia.pk]))
    assert {m.pk: m.marketing_consent for m in annotated} == {member.pk: False, giulia.pk: False}


def test_a_merge_keeps_the_persons_latest_statement_and_both_histories(clock):
    keep = enroll_member(email="k@example.it", actor=HQ)
    dup = enroll_member(email="d@example.it", actor=HQ)
    with clock.ago(days=20):
        stated(keep.customer, "marketing", "email", True, source="web")
        stated(dup.customer, "profiling", "email", False, source="app")
    with clock.ago(days=10):
        stated(dup.customer, "marketing", "email", False, source="store")  # later: withdrawn
        stated(keep.customer, "feedback", "sms", True, source="web")
    with clock.ago(days=15):
        stated(dup.customer, "feedback", "sms", False, source="kiosk")  # earlier than keep's
    update_preferences(customer=dup.customer, changes={"sizes": {"tops": "M", "shoes": "41"}}, actor=HQ)
    update_preferences(customer=keep.customer, changes={"sizes": {"shoes": "42"}}, actor=HQ)
    merge_customers(keep=keep.customer, merge=dup.customer, actor=HQ, reason="same person")
    states = {(s.purpose, s.channel): s.granted for s in current_consents(keep.customer)}
    assert states == {
        ("marketing", "email"): False,
        ("profiling", "email"): False,
        ("feedback", "sms"): True,
    }
    assert not has_consent(dup.customer, "marketing", "email")  # the tombstone answers for the person
    history = list(consent_history(keep.customer))
    assert len(history) == 7 and sum(e.source == "merge" for e in history) == 2
    keep.customer.refresh_from_db()
    assert keep.customer.sizes == {"tops": "M", "shoes": "42"}  # keep's own size wins


def test_preferences_change_partially_and_are_validated(giulia, milano):
    warehouse = LocationFactory(code="WH-CON", kind="warehouse")
    closed = LocationFactory(code="OLD-CON", kind="store", active=False)
    customer = update_preferences(
        customer=giulia.customer,
        changes={"preferred_location": "MI-CON", "language": "en", "sizes": {"Tops": " M ", "shoes": "42"}},
        actor=HQ,
    )
    assert customer.sizes == {"tops": "M", "shoes": "42"}
    giulia.refresh_from_db()
    assert preferences_of(type(giulia).objects.get(pk=giulia.pk)) == (
        milano.pk,
        "en",
        {"tops": "M", "shoes": "42"},
    )
    update_preferences(customer=customer, changes={"language": ""}, actor=HQ)
    assert preferences_of(Customer.objects.get(pk=customer.pk)) == (
        milano.pk,
        "",
        {"tops": "M", "shoes": "42"},
    )
    bad = [
        ({"preferred_location": warehouse.code}, "preferred_location"),
        ({"preferred_location": closed.code}, "preferred_location"),
        ({"preferred_location": "NOPE"}, "preferred_location"),
        ({"language": "de"}, "language"),
        ({"sizes": ["M"]}, "sizes"),
        ({"sizes": {"tops": ""}}, "sizes"),
        ({"sizes": {"tops": "x" * 21}}, "sizes"),
        ({"sizes": {"two words": "M"}}, "sizes"),
        ({"sizes": {f"k{n}": "M" for n in range(21)}}, "sizes"),
        ({"colour": "red"}, "colour"),
    ]
    for changes, field in bad:
        with pytest.raises(LoyaltyInvalid) as caught:
            update_preferences(customer=customer, changes=changes, actor=HQ)
        assert field in caught.value.errors, changes
    audit = AuditEntry.objects.filter(action="loyalty.preferences_changed").order_by("id")
    assert [a.data["fields"] for a in audit] == [["preferred_location", "language", "sizes"], ["language"]]
    update_preferences(customer=customer, changes={"preferred_location": None, "sizes": {}}, actor=HQ)
    assert preferences_of(Customer.objects.get(pk=customer.pk)) == (None, "", {})


# --- Enforcement: the points expiry warning is marketing by email -------------------------------------------


def _expiring(member, clock):  # type: ignore[no-untyped-def]
    with clock.ago(days=345):
        adjust(member=member, points=100, reason="old points", actor=HQ)  # expire in ~20 days


def test_the_expiry_warning_goes_only_to_members_who_consent_to_marketing_emails(
    clock, django_capture_on_commit_callbacks
):
    silent = enroll_member(email="silent@example.it", actor=HQ)
    other_channel = enroll_member(email="sms@example.it", actor=HQ)
    stated(other_channel.customer, "marketing", "sms", True)
    withdrawn = enroll_member(email="withdrawn@example.it", actor=HQ, marketing_consent=True)
    stated(withdrawn.customer, "marketing", "email", False)
    yes = enroll_member(email="yes@example.it", actor=HQ, marketing_consent=True)
    for member in (silent, other_channel, withdrawn, yes):
        _expiring(member, clock)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_expiry_warnings() == 1
    assert [m.to for m in mail.outbox] == [["yes@example.it"]]
    assert list(ExpiryWarning.objects.values_list("member_id", flat=True)) == [yes.pk]
    # their lots stay unwarned: consent given later lets the next run warn them
    assert PointsLot.objects.filter(member=silent, warning__isnull=True).exists()
    stated(silent.customer, "marketing", "email", True)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_expiry_warnings() == 1
    assert mail.outbox[-1].to == ["silent@example.it"]


def test_consent_withdrawn_after_the_warning_was_queued_stops_the_email(clock):
    member = enroll_member(email="late@example.it", actor=HQ, marketing_consent=True)
    _expiring(member, clock)
    assert send_expiry_warnings() == 1  # queued (on commit), not sent
    stated(member.customer, "marketing", "email", False, source="app")
    warning = ExpiryWarning.objects.get()
    assert deliver_expiry_warning(warning.pk) is False
    warning.refresh_from_db()
    assert warning.sent_at is None and mail.outbox == []


# --- GDPR ------------------------------------------------------------------------------------------------


def test_the_export_holds_consents_with_history_and_preferences_and_erasure_removes_them(giulia, milano):
    dup = enroll_member(email="giulia.old@example.it", actor=HQ)
    stated(dup.customer, "feedback", "push", True, source="app")
    merge_customers(keep=giulia.customer, merge=dup.customer, actor=HQ, reason="same person")
    stated(giulia.customer, "marketing", "email", True, source="web")
    stated(giulia.customer, "marketing", "email", False, source="store", location_id=milano.pk)
    update_preferences(
        customer=giulia.customer,
        changes={"preferred_location": "MI-CON", "language": "it", "sizes": {"shoes": "38"}},
        actor=HQ,
    )
    data = export_customer(Customer.objects.get(pk=giulia.customer_id))
    assert data["customer"]["preferred_location"] == "MI-CON"
    assert data["customer"]["sizes"] == {"shoes": "38"} and data["customer"]["language"] == "it"
    assert {(c["purpose"], c["channel"], c["granted"]) for c in data["consents"]} == {
        ("marketing", "email", False),
        ("feedback", "push", True),
    }
    history = data["consent_history"]  # oldest first, the duplicate's too
    assert [(h["source"], h["granted"]) for h in history] == [
        ("app", True),
        ("merge", True),
        ("web", True),
        ("store", False),
    ]
    assert history[-1]["location"] == "MI-CON" and history[-1]["actor"] == "system"

    erase_customer(customer=giulia.customer, actor=HQ, reason="GDPR request 18")
    assert not ConsentEvent.objects.filter(customer__in=[giulia.customer_id, dup.customer_id]).exists()
    customer = Customer.objects.get(pk=giulia.customer_id)
    assert (customer.preferred_location_id, customer.sizes, customer.language) == (None, {}, "")
    assert not has_consent(customer, "feedback", "push")
    audit = AuditEntry.objects.get(action="loyalty.customer_erased")
    assert audit.data["consent_events"] == 4
    with pytest.raises(LoyaltyInvalid):
        stated(customer, "marketing", "email", True)
    with pytest.raises(LoyaltyInvalid):
        update_preferences(customer=customer, changes={"language": "en"}, actor=HQ)
    # outside the erasure, deleting stays refused
    stated(enroll_member(email="x@example.it", actor=HQ).customer, "marketing", "sms", True)
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM loyalty_consentevent")


# --- API -------------------------------------------------------------------------------------------------


@pytest.fixture
def api(make_api_client, milano):
    def make(role: str, location=None):  # type: ignore[no-untyped-def]
        bound = role in ("kiosk", "store")
        return make_api_client(role, location=(location or milano) if bound else None)

    return make


@pytest.fixture
def enrolled(api):
    """(the e-shop client, the member it enrolled: Giulia, with marketing consent given on the web)."""
    eshop = api("eshop")
    body = {
        "email": "giulia@example.it",
        "first_name": "Giulia",
        "last_name": "Rossi",
        "marketing_consent": True,
    }
    response = eshop.post(MEMBERS, body, format="json")
    assert response.status_code == 201, response.content
    return eshop, response.json()


def test_the_member_api_keeps_marketing_consent_as_a_compatibility_field(enrolled):
    eshop, member = enrolled
    assert member["marketing_consent"] is True
    event = ConsentEvent.objects.get()
    assert (event.purpose, event.channel, event.source, event.granted) == ("marketing", "email", "web", True)
    assert event.actor_label.startswith("api:test-eshop")
    withdrawn = eshop.post(
        url(member["id"], "consents"),
        {"purpose": "marketing", "channel": "email", "granted": False},
        format="json",
    )
    assert withdrawn.status_code == 201, withdrawn.content
    assert eshop.get(f"{MEMBERS}{member['id']}/").json()["marketing_consent"] is False
    [listed] = eshop.get(MEMBERS, {"email": "giulia@example.it"}).json()["results"]
    assert listed["marketing_consent"] is False


def test_consents_are_recorded_and_read_with_their_history(enrolled, api, milano):
    eshop, member = enrolled
    post = eshop.post(
        url(member["id"], "consents"),
        {"purpose": "profiling", "channel": "push", "granted": True, "source": "app"},
        format="json",
    )
    assert post.status_code == 201, post.content
    created = post.json()
    assert {k: created[k] for k in ("purpose", "channel", "granted", "source", "location")} == {
        "purpose": "profiling",
        "channel": "push",
        "granted": True,
        "source": "app",
        "location": None,
    }
    body = eshop.get(url(member["id"], "consents")).json()
    assert [(c["purpose"], c["channel"], c["granted"]) for c in body["current"]] == [
        ("marketing", "email", True),
        ("profiling", "push", True),
    ]
    assert all(c["since"] for c in body["current"])
    assert [h["source"] for h in body["history"]] == ["app", "web"]  # newest first
    assert body["history"][0]["actor"].startswith("api:") and body["history"][0]["id"] == created["id"]

    # a store that looked the member up by card records at its location; a kiosk sees no actor names
    store = api("store")
    store.get(MEMBERS, {"card_number": member["card_number"]})
    by_store = store.post(
        url(member["id"], "consents"),
        {"purpose": "feedback", "channel": "sms", "granted": False},
        format="json",
    )
    assert by_store.status_code == 201 and by_store.json()["location"] == "MI-CON"
    assert by_store.json()["source"] == "store"
    kiosk = api("kiosk")
    kiosk.get(MEMBERS, {"card_number": member["card_number"]})
    seen = kiosk.get(url(member["id"], "consents")).json()
    assert len(seen["history"]) == 3 and {h["actor"] for h in seen["history"]} == {""}


def test_preferences_are_read_and_patched_through_the_api(enrolled, milano):
    eshop, member = enrolled
    assert eshop.get(url(member["id"], "preferences")).json() == {
        "preferred_location": None,
        "preferred_location_name": None,
        "language": "",
        "sizes": {},
    }
    patched = eshop.patch(
        url(member["id"], "preferences"),
        {"preferred_location": "MI-CON", "sizes": {"tops": "M", "shoes": "42"}},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json() == {
        "preferred_location": "MI-CON",
        "preferred_location_name": "Milano Centro",
        "language": "",
        "sizes": {"tops": "M", "shoes": "42"},
    }
    again = eshop.patch(url(member["id"], "preferences"), {"language": "en"}, format="json").json()
    assert (
        again["preferred_location"] == "MI-CON"
        and again["language"] == "en"
        and again["sizes"]["tops"] == "M"
    )
    assert eshop.patch(url(member["id"], "preferences"), {}, format="json").json() == again


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"preferred_location": "NOPE"}, "preferred_location"),
        ({"language": "de"}, "language"),
        ({"sizes": {"tops": ""}}, "sizes"),
        ({"sizes": {"Two Words": "M"}}, "sizes"),
        ({"sizes": "M"}, "sizes"),
    ],
)
def test_bad_preferences_are_a_validation_error_naming_the_field(enrolled, body, field):
    eshop, member = enrolled
    problem = assert_problem(
        eshop.patch(url(member["id"], "preferences"), body, format="json"), 400, "validation_error"
    )
    assert any(key.split(".")[0] == field for key in problem["errors"]), problem


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "newsletter", "channel": "email", "granted": True}, "purpose"),
        ({"purpose": "marketing", "channel": "fax", "granted": True}, "channel"),
        ({"purpose": "marketing", "channel": "email"}, "granted"),
        ({"purpose": "marketing", "channel": "email", "granted": True, "source": "Web Shop"}, "source"),
    ],
)
def test_bad_consents_are_a_validation_error_and_record_nothing(enrolled, body, field):
    eshop, member = enrolled
    problem = assert_problem(
        eshop.post(url(member["id"], "consents"), body, format="json"), 400, "validation_error"
    )
    assert field in problem["errors"]
    assert ConsentEvent.objects.count() == 1  # the enrolment's


def test_another_customers_member_and_another_stores_clients_are_not_found(enrolled, api, roma):
    eshop, member = enrolled
    other_eshop = api("eshop")
    stranger = enroll_member(email="other@example.it", actor=HQ)
    body = {"purpose": "marketing", "channel": "sms", "granted": True}
    for client in (other_eshop, api("kiosk", roma), api("store", roma)):
        assert_problem(client.get(url(member["id"], "consents")), 404, "not_found")
        assert_problem(client.post(url(member["id"], "consents"), body, format="json"), 404, "not_found")
        assert_problem(client.get(url(member["id"], "preferences")), 404, "not_found")
        assert_problem(
            client.patch(url(member["id"], "preferences"), {"language": "en"}, format="json"),
            404,
            "not_found",
        )
    # the e-shop reaches its own customer only, not another member by id
    assert_problem(eshop.get(url(stranger.pk, "consents")), 404, "not_found")
    assert_problem(eshop.post(url(stranger.pk, "consents"), body, format="json"), 404, "not_found")
    # a kiosk of another store that scans the card does reach it (through the card), at its own location
    roma_kiosk = api("kiosk", roma)
    roma_kiosk.get(MEMBERS, {"card_number": member["card_number"]})
    recorded = roma_kiosk.post(url(member["id"], "consents"), body, format="json")
    assert recorded.status_code == 201 and recorded.json()["location"] == "RM-CON"
    assert ConsentEvent.objects.filter(customer__email="giulia@example.it").count() == 2
    assert_problem(APIClient().get(url(member["id"], "consents")), 401, "not_authenticated")


def test_a_consent_posted_twice_with_one_idempotency_key_is_recorded_once(enrolled):
    eshop, member = enrolled
    body = {"purpose": "feedback", "channel": "email", "granted": True, "source": "web"}
    first = eshop.post(url(member["id"], "consents"), body, format="json", HTTP_IDEMPOTENCY_KEY="consent-1")
    second = eshop.post(url(member["id"], "consents"), body, format="json", HTTP_IDEMPOTENCY_KEY="consent-1")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert ConsentEvent.objects.filter(purpose="feedback").count() == 1
    changed = eshop.post(
        url(member["id"], "consents"),
        {**body, "granted": False},
        format="json",
        HTTP_IDEMPOTENCY_KEY="consent-1",
    )
    assert_problem(changed, 422, "idempotency_key_reused")


# --- The customer page -----------------------------------------------------------------------------------


def _staff(client, milano, language="en"):  # type: ignore[no-untyped-def]
    user = UserFactory(username="lucia", role="associate", locations=[milano])
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return user


def _page(member) -> str:  # type: ignore[no-untyped-def]
    return reverse("loyalty:customer", kwargs={"customer_id": member.customer_id})


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "en",
            ["Preferences", "Consent history", "Record what the customer says", "Web shop", "Never asked"],
        ),
        (
            "it",
            [
                "Preferenze",
                "Storico dei consensi",
                "Registra quanto dichiara il cliente",
                "Negozio online",
                "Mai chiesto",
            ],
        ),
    ],
)
def test_the_customer_page_shows_preferences_consents_and_their_history(
    client, milano, giulia, language, texts
):
    stated(giulia.customer, "marketing", "email", True, source="web")
    update_preferences(
        customer=giulia.customer, changes={"preferred_location": "MI-CON", "sizes": {"shoes": "38"}}, actor=HQ
    )
    _staff(client, milano, language)
    html = client.get(_page(giulia)).content.decode()
    for text in texts:
        assert text in html, text
    assert 'data-testid="consent-marketing-email"' in html and "Milano Centro" in html and "shoes: 38" in html
    assert 'data-testid="customer-consent"><span class="badge badge-ok">' in html


def test_staff_record_a_consent_stated_in_store_and_edit_preferences(client, milano, giulia):
    _staff(client, milano)
    consent_url = reverse("loyalty:consent", kwargs={"customer_id": giulia.customer_id})
    response = client.post(consent_url, {"purpose": "profiling", "channel": "sms", "granted": "yes"})
    assert response.status_code == 302 and response["Location"].endswith("#consent")
    event = ConsentEvent.objects.get()
    assert (event.source, event.actor_label, event.location_id, event.granted) == (
        "store",
        "lucia",
        milano.pk,
        True,
    )
    html = client.get(_page(giulia)).content.decode()
    assert (
        f'data-testid="consent-event-{event.pk}"' in html and "In store (staff)" in html and "lucia" in html
    )

    prefs_url = reverse("loyalty:preferences", kwargs={"customer_id": giulia.customer_id})
    response = client.post(
        prefs_url, {"preferred_location": "MI-CON", "language": "en", "sizes": "tops: S\nshoes = 39\n"}
    )
    assert response.status_code == 302
    assert preferences_of(Customer.objects.get(pk=giulia.customer_id)) == (
        milano.pk,
        "en",
        {"tops": "S", "shoes": "39"},
    )


def test_bad_input_on_the_page_is_a_form_error_that_keeps_what_was_typed(client, milano, giulia):
    _staff(client, milano)
    prefs_url = reverse("loyalty:preferences", kwargs={"customer_id": giulia.customer_id})
    response = client.post(prefs_url, {"preferred_location": "", "language": "", "sizes": "tops M"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 1" in html and "tops M" in html
    response = client.post(prefs_url, {"preferred_location": "", "language": "", "sizes": "my tops: M"})
    assert response.status_code == 400 and "my tops: M" in response.content.decode()
    consent_url = reverse("loyalty:consent", kwargs={"customer_id": giulia.customer_id})
    response = client.post(consent_url, {"purpose": "marketing", "channel": "fax", "granted": "yes"})
    assert response.status_code == 400 and not ConsentEvent.objects.exists()
    assert preferences_of(Customer.objects.get(pk=giulia.customer_id)) == (None, "", {})


def test_an_erased_customers_page_has_no_consent_section(client, milano, giulia):
    erase_customer(customer=giulia.customer, actor=HQ, reason="GDPR")
    _staff(client, milano)
    html = client.get(_page(giulia)).content.decode()
    assert 'data-testid="customer-consents"' not in html
    consent_url = reverse("loyalty:consent", kwargs={"customer_id": giulia.customer_id})
    response = client.post(consent_url, {"purpose": "marketing", "channel": "email", "granted": "yes"})
    assert response.status_code == 400 and not ConsentEvent.objects.exists()


# --- Concurrency ------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_statements_at_the_same_moment_are_ordered_and_one_merged_meanwhile_reaches_the_kept_profile():
    keep = enroll_member(email="keep@example.it", actor=HQ)
    dup = enroll_member(email="dup@example.it", actor=HQ)

    def work(i: int):  # type: ignore[no-untyped-def]
        if i == 0:
            return merge_customers(keep=keep.customer, merge=dup.customer, actor=HQ, reason="same person")
        return record_consent(
            customer=dup.customer,
            purpose="marketing",
            channel="sms",
            granted=i % 2 == 0,
            actor=HQ,
            source="app",
        )

    results = together(5, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    events = list(
        ConsentEvent.objects.filter(purpose="marketing", channel="sms").order_by("created_at", "id")
    )
    assert len([e for e in events if e.source == "app"]) == 4  # every statement kept
    # whichever way they interleaved, the person's state is their latest statement
    latest_app = max((e for e in events if e.source == "app"), key=lambda e: (e.created_at, e.pk))
    assert has_consent(keep.customer_id, "marketing", "sms") is latest_app.granted
    assert has_consent(dup.customer_id, "marketing", "sms") is latest_app.granted
