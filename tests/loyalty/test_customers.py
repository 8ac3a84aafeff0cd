"""Customers: one profile across channels, enrolment, merging duplicates, the 360-degree view, the GDPR
export and erasure."""

from decimal import Decimal

import pytest

from loyalty.exceptions import LoyaltyInvalid, MemberExists
from loyalty.models import Customer, LedgerEntry, Member, MemberAccess, PointsLot
from loyalty.selectors import check_loyalty, customer_360, has_consent, matching_members
from loyalty.services import (
    adjust,
    earn_for_order,
    enroll_member,
    erase_customer,
    export_customer,
    get_or_create_customer,
    member_for_email,
    merge_customers,
    redeem_for_order,
)
from omni.models import AuditEntry
from orders.models import Order
from tests.inventory.factories import VariantFactory
from tests.loyalty.conftest import HQ, assert_books_balance
from tests.loyalty.factories import order_with_lines

pytestmark = pytest.mark.django_db


def test_one_profile_per_person_matched_by_email_then_phone(clock):
    a, created = get_or_create_customer(
        "Anna@Example.it", "+39 02 1234 5678", "Anna", "", marketing_consent=True
    )
    assert created and a.email == "anna@example.it" and a.phone == "+390212345678"
    assert has_consent(a, "marketing", "email")
    same, created = get_or_create_customer("ANNA@example.it", None, "", "Verdi")
    assert not created and same == a
    same.refresh_from_db()
    assert same.last_name == "Verdi" and same.first_name == "Anna"  # blanks filled, nothing overwritten
    assert has_consent(same, "marketing", "email")  # None leaves the consent alone
    # a till customer known only by phone gets the email the next time
    till, _ = get_or_create_customer("", "0039 333 111 2222")
    web, created = get_or_create_customer("luca@example.it", "+39 333 1112222")
    assert not created and web == till and web.email == "luca@example.it"
    # but a phone shared with someone who has another email is not the same person
    other, created = get_or_create_customer("marta@example.it", "+39 02 12345678")
    assert created and other != a
    with pytest.raises(LoyaltyInvalid):
        get_or_create_customer("", "")
    with pytest.raises(LoyaltyInvalid):
        get_or_create_customer("x@example.it", "call me")


def test_enrolling_twice_is_member_exists_whatever_the_case():
    member = enroll_member(
        email="Sara@example.it", first_name="Sara", last_name="Neri", phone="3331234567", actor=HQ
    )
    assert member.tier.code == "bronze" and member.points_balance == 0
    assert member.customer.phone == "+393331234567"
    with pytest.raises(MemberExists) as exc:
        enroll_member(email="SARA@EXAMPLE.IT", first_name="S", last_name="N", actor=HQ)
    assert exc.value.code == "member_exists" and exc.value.status == 409
    assert Member.objects.count() == 1


def test_merging_duplicates_moves_points_with_their_expiry_and_is_audited(clock):
    keep = enroll_member(email="paolo@example.it", first_name="Paolo", last_name="", actor=HQ)
    dup = enroll_member(
        email="paolo.work@example.it", first_name="", last_name="Gialli", phone="3330000001", actor=HQ
    )
    with clock.ago(days=200):
        adjust(member=dup, points=300, reason="old", actor=HQ)
    adjust(member=dup, points=50, reason="new", actor=HQ)
    adjust(member=keep, points=10, reason="mine", actor=HQ)
    dup_expiries = sorted(PointsLot.objects.filter(member=dup).values_list("expires_at", flat=True))
    merge_customers(keep=keep.customer, merge=dup.customer, actor=HQ, reason="Same person, ticket 42")
    keep.refresh_from_db()
    dup.refresh_from_db()
    assert keep.points_balance == 360 and dup.points_balance == 0
    assert dup.status == "merged" and dup.merged_into == keep
    moved = PointsLot.objects.filter(member=keep, entry__source_type="merge").order_by("expires_at")
    assert [lot.expires_at for lot in moved] == dup_expiries
    # the old email leads to the person now
    assert member_for_email("paolo.work@example.it") == keep
    assert list(matching_members(email="paolo.work@example.it")) == [keep]
    keep.customer.refresh_from_db()
    assert keep.customer.last_name == "Gialli" and keep.customer.phone == "+393330000001"
    audit = AuditEntry.objects.get(action="loyalty.customers_merged")
    assert audit.reason == "Same person, ticket 42" and audit.data["points_moved"] == 350
    with pytest.raises(LoyaltyInvalid):
        merge_customers(keep=keep.customer, merge=dup.customer, actor=HQ, reason="again")
    assert check_loyalty().ok
    for m in (keep, dup):
        assert_books_balance(m)


def test_a_duplicate_without_a_card_simply_joins(clock):
    customer, _ = get_or_create_customer("till@example.it", "3339999999")
    member = enroll_member(email="web@example.it", first_name="W", last_name="", actor=HQ)
    merge_customers(keep=customer, merge=member.customer, actor=HQ, reason="same")
    member.refresh_from_db()
    assert member.customer == customer and member.status == "active"
    assert member_for_email("web@example.it") == member == member_for_email("till@example.it")


def test_the_360_view_shows_orders_of_every_channel_points_and_tier():
    member = enroll_member(email="elena@example.it", first_name="Elena", last_name="Blu", actor=HQ)
    web = order_with_lines(
        [(VariantFactory(price=Decimal("120.00")), 1)], customer_email="elena@example.it", channel="web"
    )
    till = order_with_lines(
        [(VariantFactory(price=Decimal("30.00")), 1)],
        customer_email="elena@example.it",
        channel="store",
        fulfilment_type="delivery",
    )
    order_with_lines([(VariantFactory(), 1)], customer_email="someone@example.it")
    earn_for_order(order=web)
    earn_for_order(order=till)
    from orders.models import Return
    from tests.stores.factories import LocationFactory

    Return.objects.create(
        number="R-360",
        order=web,
        location=LocationFactory(),
        status="refunded",
        refund_method="card",
        refund_amount=Decimal("120.00"),
        refund_paid=Decimal("120.00"),
    )
    view = customer_360(member.customer)
    assert [(r["number"], r["order"], r["refund_amount"]) for r in view["returns"]] == [
        ("R-360", web.number, "120.00")
    ]
    assert {o["number"] for o in view["orders"]} == {web.number, till.number}
    assert {o["channel"] for o in view["orders"]} == {"web", "store"}
    assert {o["number"]: o["points_earned"] for o in view["orders"]} == {web.number: 120, till.number: 30}
    assert view["member"]["points_balance"] == 150 and view["member"]["tier"] == "bronze"
    assert view["member"]["next_tier"] == "silver" and view["member"]["points_to_next_tier"] == 850
    assert view["next_expiry"]["points"] in (120, 150) and len(view["ledger"]) == 2


def test_export_holds_everything_and_erasure_keeps_the_books(clock):
    member = enroll_member(
        email="ugo@example.it",
        first_name="Ugo",
        last_name="Viola",
        phone="3335550000",
        actor=HQ,
        marketing_consent=True,
    )
    order = order_with_lines([(VariantFactory(price=Decimal("250.00")), 1)], customer_email="ugo@example.it")
    earn_for_order(order=order)
    redeem_for_order(
        order=order_with_lines(
            [(VariantFactory(price=Decimal("50.00")), 1)], customer_email="ugo@example.it"
        ),
        points=100,
        actor=HQ,
    )
    data = export_customer(member.customer)
    assert data["customer"]["email"] == "ugo@example.it"
    assert data["consents"] == [
        {"purpose": "marketing", "channel": "email", "granted": True, "since": data["consents"][0]["since"]}
    ]
    assert [e["kind"] for e in data["ledger"]] == ["earn", "redeem"]
    assert order.number in {o["number"] for o in data["orders"]}
    assert data["orders"][0]["lines"] and data["cards"][0]["card_number"] == member.card_number
    old_card = member.card_number

    erase_customer(customer=member.customer, actor=HQ, reason="GDPR request 7")
    customer = Customer.objects.get(pk=member.customer_id)
    assert (customer.email, customer.phone, customer.first_name, customer.last_name) == ("", "", "", "")
    assert customer.erased_at is not None and not has_consent(customer, "marketing", "email")
    member.refresh_from_db()
    assert member.status == "erased" and member.card_number != old_card
    assert member.points_balance == 150 and LedgerEntry.objects.filter(member=member).count() == 2
    assert member_for_email("ugo@example.it") is None
    assert not matching_members(card_number=old_card).exists()
    assert not MemberAccess.objects.filter(member=member).exists()
    assert AuditEntry.objects.filter(action="loyalty.customer_erased", reason="GDPR request 7").exists()
    assert "ugo" not in str(AuditEntry.objects.filter(action="loyalty.customer_erased").values("data"))
    assert check_loyalty().ok  # the ledger's totals still add up
    # a new enrolment with the same email is a new person
    again = enroll_member(email="ugo@example.it", first_name="Ugo", last_name="", actor=HQ)
    # ... and the erased person's orders were anonymised with them (orders.services.privacy)
    assert again != member and Order.objects.filter(customer_email="ugo@example.it").count() == 0
    with pytest.raises(LoyaltyInvalid):
        erase_customer(customer=again.customer, actor=HQ, reason="")


def test_after_a_merge_returns_and_cancellations_reach_the_surviving_member(clock):
    keep = enroll_member(email="k@example.it", first_name="K", last_name="", actor=HQ)
    dup = enroll_member(email="d@example.it", first_name="D", last_name="", actor=HQ)
    with clock.ago(days=100):
        bought = order_with_lines(
            [(VariantFactory(price=Decimal("300.00")), 1)], customer_email="d@example.it"
        )
        earn_for_order(order=bought)
    spent = order_with_lines([(VariantFactory(price=Decimal("50.00")), 1)], customer_email="d@example.it")
    redeem_for_order(order=spent, points=200, actor=HQ)
    original_expiry = PointsLot.objects.get(member=dup).expires_at
    merge_customers(keep=keep.customer, merge=dup.customer, actor=HQ, reason="same")
    assert earn_for_order(order=bought) == 0  # already earned, whoever holds the points now
    from loyalty.services import restore_redeemed_for_order, reverse_for_return

    assert restore_redeemed_for_order(order=spent) == 200
    back = PointsLot.objects.filter(member=keep).order_by("-id").first()
    assert back.points == 200 and back.expires_at == original_expiry  # not shortened by the merge
    report = reverse_for_return(order=bought, returned_lines=[(bought.lines.get(), 1)], source_id="R-M")
    assert report["member"] == keep.pk and report["points_reversed"] == 300
    keep.refresh_from_db()
    assert keep.points_balance == 0
    assert check_loyalty().ok
