"""The loyalty API as API-CONTRACT.md fixes it: enrolment, lookups, a member, its ledger, adjustments;
every role, another client's members, and the unhappy paths."""

from decimal import Decimal

import pytest

from loyalty.cards import check_digit
from loyalty.models import LedgerEntry, Member
from loyalty.services import earn_for_order, enroll_member, redeem_for_order, reverse_for_return
from omni.models import AuditEntry
from tests.conftest import assert_problem
from tests.inventory.factories import VariantFactory
from tests.loyalty.conftest import HQ
from tests.loyalty.factories import order_with_lines
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/loyalty/members/"
GIULIA = {
    "email": "Giulia.Rossi@example.it",
    "first_name": "Giulia",
    "last_name": "Rossi",
    "phone": "+39 333 1234567",
}


def url(member_id: int, action: str = "") -> str:
    return f"{MEMBERS}{member_id}/" + (f"{action}/" if action else "")


@pytest.fixture
def milano():
    return LocationFactory(code="MI-LOY")


@pytest.fixture
def api(make_api_client, milano):
    """api("kiosk") -> a client of that role (kiosk and store at MI-LOY)."""

    def make(role: str, location=None):  # type: ignore[no-untyped-def]
        bound = role in ("kiosk", "store")
        return make_api_client(role, location=(location or milano) if bound else None)

    return make


@pytest.fixture
def giulia(api):
    response = api("integration").post(MEMBERS, GIULIA, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_enrolment_issues_a_card_and_answers_the_member(api):
    response = api("eshop").post(MEMBERS, GIULIA, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "giulia.rossi@example.it" and body["first_name"] == "Giulia"
    assert body["phone"] == "+393331234567" and body["last_name"] == "Rossi"
    card = body["card_number"]
    assert len(card) == 13 and card.isdigit() and check_digit(card[:12]) == card[12]
    assert body["points_balance"] == 0 and body["tier"] == "bronze" and body["points_available"] == 0
    assert response["Location"] == url(body["id"])
    assert {"id", "card_number", "email", "points_balance", "tier", "enrolled_at"} <= set(body)


def test_an_email_already_enrolled_is_member_exists(api, giulia):
    again = api("eshop").post(MEMBERS, {**GIULIA, "email": "GIULIA.rossi@EXAMPLE.it"}, format="json")
    assert_problem(again, 409, "member_exists")
    assert Member.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GIULIA, "email": "not-an-email"}, "email"),
        ({"first_name": "A", "last_name": "B"}, "email"),
        ({**GIULIA, "phone": "call me maybe"}, "phone"),
        ({**GIULIA, "language": "de"}, "language"),
        ([1, 2], "non_field_errors"),
    ],
)
def test_bad_enrolments_are_400_naming_the_field(api, body, field):
    problem = assert_problem(api("integration").post(MEMBERS, body, format="json"), 400, "validation_error")
    assert field in problem["errors"], problem


@pytest.mark.parametrize("role", ["kiosk", "store"])
def test_kiosks_and_stores_do_not_enrol(api, role):
    assert_problem(api(role).post(MEMBERS, GIULIA, format="json"), 403, "permission_denied")


def test_no_token_is_401(client):
    assert_problem(client.get(MEMBERS), 401, "not_authenticated")
    assert_problem(client.post(MEMBERS, GIULIA, content_type="application/json"), 401, "not_authenticated")


def test_lookups_by_email_and_card_number(api, giulia):
    hq = api("integration")
    by_email = hq.get(MEMBERS, {"email": "GIULIA.ROSSI@example.it"}).json()["results"]
    assert [m["id"] for m in by_email] == [giulia["id"]]
    by_card = hq.get(MEMBERS, {"card_number": giulia["card_number"]}).json()["results"]
    assert [m["id"] for m in by_card] == [giulia["id"]]
    by_phone = hq.get(MEMBERS, {"phone": "333 123 4567"}).json()["results"]
    assert [m["id"] for m in by_phone] == [giulia["id"]]
    assert hq.get(MEMBERS, {"email": "nobody@example.it"}).json()["results"] == []
    assert hq.get(url(giulia["id"])).json()["card_number"] == giulia["card_number"]
    assert_problem(hq.get(url(999999)), 404, "not_found")
    bad = giulia["card_number"][:12] + str((int(giulia["card_number"][12]) + 1) % 10)
    problem = assert_problem(hq.get(MEMBERS, {"card_number": bad}), 400, "validation_error")
    assert "card_number" in problem["errors"]


def test_the_eshop_sees_the_members_it_enrolled_or_looked_up_by_email(api, giulia):
    shop = api("eshop")
    mine = shop.post(
        MEMBERS, {"email": "marco@example.it", "first_name": "Marco", "last_name": "B"}, format="json"
    ).json()
    assert [m["id"] for m in shop.get(MEMBERS).json()["results"]] == [mine["id"]]
    assert_problem(shop.get(url(giulia["id"])), 404, "not_found")  # never by guessing an id
    assert_problem(shop.get(url(giulia["id"], "ledger")), 404, "not_found")
    assert_problem(shop.get(MEMBERS, {"card_number": giulia["card_number"]}), 403, "permission_denied")
    assert_problem(shop.get(MEMBERS, {"phone": GIULIA["phone"]}), 403, "permission_denied")
    found = shop.get(MEMBERS, {"email": "giulia.rossi@example.it"}).json()["results"]
    assert [m["id"] for m in found] == [giulia["id"]]
    assert shop.get(url(giulia["id"])).status_code == 200
    assert shop.get(url(giulia["id"], "ledger")).status_code == 200
    # another e-shop client sees none of it
    other = api("eshop")
    assert other.get(MEMBERS).json()["results"] == []
    assert_problem(other.get(url(mine["id"])), 404, "not_found")
    assert_problem(
        shop.post(url(giulia["id"], "adjustments"), {"points": 5, "reason": "x"}, format="json"),
        403,
        "permission_denied",
    )


def test_a_kiosk_looks_members_up_by_card_number_only_and_sees_them_masked(api, giulia):
    kiosk = api("kiosk")
    for params in ({"email": "giulia.rossi@example.it"}, {"phone": GIULIA["phone"]}, {}):
        assert_problem(kiosk.get(MEMBERS, params), 403, "permission_denied")
    assert_problem(kiosk.get(url(giulia["id"])), 404, "not_found")
    [found] = kiosk.get(MEMBERS, {"card_number": giulia["card_number"]}).json()["results"]
    assert found["id"] == giulia["id"] and found["points_balance"] == 0
    assert found["email"] == "g***@example.it" and found["phone"] == "***567" and found["last_name"] == "R."
    assert kiosk.get(url(giulia["id"])).json()["card_number"] == giulia["card_number"]
    assert_problem(kiosk.get(url(giulia["id"], "ledger")), 403, "permission_denied")
    assert_problem(
        kiosk.post(url(giulia["id"], "adjustments"), {"points": 5, "reason": "x"}, format="json"),
        403,
        "permission_denied",
    )


def test_a_store_looks_up_and_adjusts_at_its_location(api, giulia, milano):
    store = api("store")
    assert_problem(
        store.post(url(giulia["id"], "adjustments"), {"points": 50, "reason": "x"}, format="json"),
        404,
        "not_found",
    )
    [found] = store.get(MEMBERS, {"phone": "+393331234567"}).json()["results"]
    response = store.post(
        url(giulia["id"], "adjustments"), {"points": 50, "reason": "Broken zip, goodwill"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["member"]["points_balance"] == 50 and body["entry"]["points"] == 50
    assert body["entry"]["kind"] == "adjust" and body["entry"]["location"] == "MI-LOY"
    assert body["entry"]["expires_at"] is not None
    audit = AuditEntry.objects.get(action="loyalty.points_adjusted")
    assert audit.api_client == store.client_row and audit.reason == "Broken zip, goodwill"
    assert audit.data["location"] == "MI-LOY"
    assert_problem(store.get(url(giulia["id"], "export")), 403, "permission_denied")
    assert found["email"] == "giulia.rossi@example.it"  # stores are staff: not masked


def test_the_ledger_adds_up_to_the_balance(api, giulia):
    hq = api("integration")
    member = Member.objects.get(pk=giulia["id"])
    order = order_with_lines(
        [(VariantFactory(price=Decimal("45.50")), 2)], customer_email=member.customer.email
    )
    earn_for_order(order=order)
    redeem_for_order(
        order=order_with_lines(
            [(VariantFactory(price=Decimal("20.00")), 1)], customer_email=member.customer.email
        ),
        points=40,
        actor=HQ,
    )
    reverse_for_return(order=order, returned_lines=[(order.lines.get(), 1)], source_id="R-77")
    hq.post(url(member.pk, "adjustments"), {"points": -3, "reason": "typo"}, format="json")
    body = hq.get(url(member.pk, "ledger")).json()
    entries = body["results"]
    assert [e["kind"] for e in entries] == ["adjust", "reverse", "redeem", "earn"]  # newest first
    assert [e["points"] for e in entries] == [-3, -45, -40, 91]
    balance = hq.get(url(member.pk)).json()["points_balance"]
    assert balance == sum(e["points"] for e in entries) == entries[0]["balance_after"] == 3
    earn, redeem, reverse = entries[3], entries[2], entries[1]
    assert earn["order"] == order.number and earn["expires_at"] and earn["return"] is None
    assert reverse["return"] == "R-77" and reverse["order"] == order.number and reverse["reverses"] == "earn"
    assert redeem["expires_at"] is None and redeem["order"] is not None
    lots = hq.get(url(member.pk, "lots")).json()["results"]
    assert sum(lot["remaining"] for lot in lots) == balance


def test_adjustments_are_validated_and_idempotent(api, giulia):
    hq = api("integration")
    adjustments = url(giulia["id"], "adjustments")
    problem = assert_problem(
        hq.post(adjustments, {"points": -1, "reason": "x"}, format="json"), 400, "validation_error"
    )
    assert "points" in problem["errors"]
    for body, field in (
        ({"points": 0, "reason": "x"}, "points"),
        ({"points": 5}, "reason"),
        ({"points": 10**12, "reason": "x"}, "points"),
    ):
        problem = assert_problem(hq.post(adjustments, body, format="json"), 400, "validation_error")
        assert field in problem["errors"]
    headers = {"HTTP_IDEMPOTENCY_KEY": "adj-1"}
    first = hq.post(adjustments, {"points": 100, "reason": "gift"}, format="json", **headers)
    again = hq.post(adjustments, {"points": 100, "reason": "gift"}, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert LedgerEntry.objects.filter(kind="adjust").count() == 1
    assert_problem(
        hq.post(adjustments, {"points": 200, "reason": "gift"}, format="json", **headers),
        422,
        "idempotency_key_reused",
    )


def test_enrolment_is_idempotent(api):
    shop = api("eshop")
    first = shop.post(MEMBERS, GIULIA, format="json", HTTP_IDEMPOTENCY_KEY="enrol-1")
    again = shop.post(MEMBERS, GIULIA, format="json", HTTP_IDEMPOTENCY_KEY="enrol-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert Member.objects.count() == 1


def test_hq_exports_merges_and_erases(api, giulia):
    hq, shop = api("integration"), api("eshop")
    member = Member.objects.get(pk=giulia["id"])
    order = order_with_lines(
        [(VariantFactory(price=Decimal("10.00")), 1)], customer_email=member.customer.email
    )
    earn_for_order(order=order)
    export = hq.get(url(member.pk, "export")).json()
    assert (
        export["customer"]["email"] == "giulia.rossi@example.it"
        and export["orders"][0]["number"] == order.number
    )
    assert_problem(shop.get(url(member.pk, "export")), 403, "permission_denied")

    dup = enroll_member(email="g.rossi@work.example.it", first_name="G", last_name="Rossi", actor=HQ)
    hq.post(url(dup.pk, "adjustments"), {"points": 20, "reason": "x"}, format="json")
    merged = hq.post(url(member.pk, "merge"), {"merge": dup.pk, "reason": "same person"}, format="json")
    assert merged.status_code == 200 and merged.json()["points_balance"] == 30
    assert_problem(hq.get(url(dup.pk)), 404, "not_found")
    assert [m["id"] for m in hq.get(MEMBERS, {"email": "g.rossi@work.example.it"}).json()["results"]] == [
        member.pk
    ]
    assert_problem(
        hq.post(url(member.pk, "merge"), {"merge": member.pk, "reason": "x"}, format="json"),
        400,
        "validation_error",
    )

    assert_problem(
        shop.post(url(member.pk, "erase"), {"reason": "x"}, format="json"), 403, "permission_denied"
    )
    assert_problem(hq.post(url(member.pk, "erase"), {}, format="json"), 400, "validation_error")
    assert hq.post(url(member.pk, "erase"), {"reason": "GDPR 12"}, format="json").status_code == 204
    assert_problem(hq.get(url(member.pk)), 404, "not_found")
    assert hq.get(MEMBERS, {"email": "giulia.rossi@example.it"}).json()["results"] == []


def test_staff_sessions_map_onto_roles(client, giulia, milano):
    associate = UserFactory(role="associate", locations=[milano])
    client.force_login(associate)
    found = client.get(MEMBERS, {"card_number": giulia["card_number"]}).json()["results"]
    assert [m["id"] for m in found] == [giulia["id"]]
    assert client.get(url(giulia["id"])).status_code == 200
    response = client.post(
        url(giulia["id"], "adjustments"), {"points": 15, "reason": "till"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["entry"]["location"] == "MI-LOY"
    assert AuditEntry.objects.get(action="loyalty.points_adjusted").user == associate


def test_pending_points_show_as_pending_not_available(api, giulia, settings):
    settings.LOYALTY_PENDING_PERIOD = True
    member = Member.objects.get(pk=giulia["id"])
    earn_for_order(
        order=order_with_lines(
            [(VariantFactory(price=Decimal("100.00")), 1)], customer_email=member.customer.email
        )
    )
    body = api("integration").get(url(member.pk)).json()
    assert (body["points_balance"], body["points_pending"], body["points_available"]) == (100, 100, 0)
