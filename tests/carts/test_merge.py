"""Merging two loyalty customers (loyalty.services.merge_customers, the staff merge page) carries the
duplicate's wishlist and open carts over to the kept person (loyalty.signals.customers_merged, received by
carts.services.merges in the merge's transaction): a SKU on both lists is kept once, the open carts follow
the kept member and email, and nothing moves when the merge fails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carts import services
from carts.models import BackInStockNotice, Cart, CartStatus, WishlistEntry
from carts.selectors import open_carts_for_card, open_carts_for_email
from carts.services.back_in_stock import check_back_in_stock
from carts.services.carts import CartLineInput
from carts.services.merges import follow_merge
from carts.services.wishlists import add_to_wishlist
from loyalty import services as loyalty
from loyalty.exceptions import LoyaltyInvalid
from loyalty.models import Customer, Member, MemberStatus
from loyalty.services.consent import record_consent
from loyalty.services.preferences import update_preferences
from loyalty.signals import customers_merged
from omni.actors import Actor
from tests.inventory.factories import VariantFactory
from tests.omni.factories import UserFactory
from tests.orders.conftest import stock

pytestmark = pytest.mark.django_db

HQ = Actor.system()


def person(email: str, *, location=None, enrolled: bool = True) -> Customer:  # type: ignore[no-untyped-def]
    """A customer (a loyalty member unless told otherwise) who agreed to marketing emails."""
    if enrolled:
        customer = loyalty.enroll_member(
            email=email, first_name="Giulia", last_name="Rossi", actor=HQ
        ).customer
    else:
        customer, _created = loyalty.get_or_create_customer(email, first_name="Giulia", last_name="Rossi")
    if location is not None:
        update_preferences(customer=customer, changes={"preferred_location": location.code}, actor=HQ)
    record_consent(
        customer=customer, purpose="marketing", channel="email", granted=True, source="web", actor=HQ
    )
    return Customer.objects.get(pk=customer.pk)


def member(customer: Customer) -> Member:
    return Member.objects.get(customer=customer)


def wishlist(customer: Customer) -> dict[str, WishlistEntry]:
    return {e.variant.sku: e for e in WishlistEntry.objects.filter(member__customer=customer)}


def merge(keep: Customer, dup: Customer) -> Customer:
    return loyalty.merge_customers(keep=keep, merge=dup, actor=HQ, reason="Enrolled twice")


@pytest.fixture
def cap():
    return VariantFactory(sku="CAP-1")


@pytest.fixture
def keep(milano):  # type: ignore[no-untyped-def]
    return person("giulia@example.it", location=milano)


@pytest.fixture
def dup(roma):  # type: ignore[no-untyped-def]
    return person("g.rossi@example.it", location=roma)


@pytest.fixture
def kiosk(milano):  # type: ignore[no-untyped-def]
    return Actor(role="kiosk", location_ids=frozenset({milano.pk}))


def cart_by_email(email: str) -> Cart:
    return services.create_cart(actor=HQ, channel="web", email=email, lines=[CartLineInput("TEE-1", 1)])


def cart_by_card(kiosk: Actor, customer: Customer) -> Cart:
    return services.create_cart(
        actor=kiosk,
        channel="kiosk",
        card_number=member(customer).card_number,
        lines=[CartLineInput("JNS-1", 1)],
        location_code="MI-1",
    )


# --- The wishlist ---------------------------------------------------------------------------------------


def test_the_duplicates_wishlist_moves_and_a_sku_on_both_lists_is_kept_once(
    keep, dup, milano, tee, jeans, cap
):
    now = timezone.now()
    ours, _new = add_to_wishlist(member=member(keep), sku="TEE-1")
    theirs_tee, _new = add_to_wishlist(member=member(dup), sku="TEE-1")
    theirs_jeans, _new = add_to_wishlist(member=member(dup), sku="JNS-1")
    add_to_wishlist(member=member(keep), sku="CAP-1")
    # the duplicate put the tee on its list first; the kept person's entry has been announced already
    WishlistEntry.objects.filter(pk=theirs_tee.pk).update(added_at=now - timedelta(days=30))
    WishlistEntry.objects.filter(pk=ours.pk).update(
        added_at=now - timedelta(days=2), seen_available=True, last_notified_at=now - timedelta(days=1)
    )
    WishlistEntry.objects.filter(pk=theirs_jeans.pk).update(added_at=now - timedelta(days=5))

    merge(keep, dup)

    entries = wishlist(keep)
    assert sorted(entries) == ["CAP-1", "JNS-1", "TEE-1"]
    assert not WishlistEntry.objects.filter(member__customer=dup).exists()
    tee_entry = entries["TEE-1"]
    assert tee_entry.pk == ours.pk  # the kept member's entry, with its notification state ...
    assert tee_entry.seen_available is True
    assert tee_entry.last_notified_at == now - timedelta(days=1)
    assert tee_entry.seen_location_id == milano.pk
    assert tee_entry.added_at == now - timedelta(days=30)  # ... added when it was first added to either list
    assert entries["JNS-1"].pk == theirs_jeans.pk  # moved as it was
    assert entries["JNS-1"].added_at == now - timedelta(days=5)
    assert WishlistEntry.objects.count() == 3


def test_the_moved_wishlist_is_checked_again_for_the_kept_person(
    django_capture_on_commit_callbacks, keep, dup, milano, roma, jeans
):
    add_to_wishlist(member=member(dup), sku="JNS-1")  # sold out at the duplicate's store (Roma)
    merge(keep, dup)
    with django_capture_on_commit_callbacks(execute=False):
        assert check_back_in_stock() == 0  # the baseline moves to the kept person's store (Milano) ...
    entry = wishlist(keep)["JNS-1"]
    assert entry.seen_location_id == milano.pk and entry.seen_available is False
    stock(milano, jeans, 2)  # ... where it comes back
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert check_back_in_stock() == 1
        assert check_back_in_stock() == 0
    assert len(callbacks) == 1
    notice = BackInStockNotice.objects.get()
    assert notice.member.customer_id == keep.pk and notice.variant_ids == [jeans.pk]
    assert notice.location_id == milano.pk


def test_an_unsent_notice_of_the_duplicate_goes_to_the_kept_person(
    django_capture_on_commit_callbacks, keep, dup, roma, jeans
):
    add_to_wishlist(member=member(dup), sku="JNS-1")
    stock(roma, jeans, 1)
    with django_capture_on_commit_callbacks(execute=False):
        assert check_back_in_stock() == 1  # queued for the duplicate, not sent yet
    notice = BackInStockNotice.objects.get()
    merge(keep, dup)
    notice.refresh_from_db()
    assert notice.member.customer_id == keep.pk
    assert notice.sent_at is None and not notice.skipped


def test_a_kept_person_without_a_member_takes_the_duplicates_member_and_wishlist(milano, roma, tee):
    keep = person("giulia@example.it", enrolled=False)
    dup = person("g.rossi@example.it", location=roma)
    entry, _new = add_to_wishlist(member=member(dup), sku="TEE-1")
    dup_member = member(dup)
    merge(keep, dup)
    assert member(keep).pk == dup_member.pk
    assert wishlist(keep) == {"TEE-1": entry}


def test_the_wishlists_of_a_duplicate_merged_earlier_are_caught_up(keep, dup, tee, jeans):
    """A duplicate merged before its wishlist followed (its member merged into the kept one) is caught up by
    the next merge, and following the same merge twice changes nothing."""
    add_to_wishlist(member=member(dup), sku="TEE-1")
    customers_merged.disconnect(dispatch_uid="carts.merges.customers_merged")
    try:
        merge(keep, dup)
    finally:
        from carts.services.merges import on_customers_merged

        customers_merged.connect(on_customers_merged, dispatch_uid="carts.merges.customers_merged")
    assert wishlist(keep) == {}  # what used to happen: stranded on the merged member
    third = person("giulia.rossi@example.it")
    add_to_wishlist(member=member(third), sku="JNS-1")
    merge(keep, third)
    assert sorted(wishlist(keep)) == ["JNS-1", "TEE-1"]
    assert follow_merge(keep=keep) == (0, 0)


# --- The open carts -------------------------------------------------------------------------------------


def test_the_duplicates_open_carts_follow_the_kept_member_and_email(keep, dup, milano, tee, jeans, kiosk):
    stock(milano, tee, 5)
    stock(milano, jeans, 5)
    by_email = cart_by_email("G.Rossi@Example.it")
    by_card = cart_by_card(kiosk, dup)
    expired = cart_by_email("g.rossi@example.it")
    Cart.objects.filter(pk=expired.pk).update(status=CartStatus.EXPIRED, closed_at=timezone.now())
    others = cart_by_email("marco@example.it")
    ours = cart_by_card(kiosk, keep)
    before = {c.pk: (c.updated_at, c.expires_at) for c in Cart.objects.all()}
    keep_member = member(keep)

    merge(keep, dup)

    carts = {c.pk: c for c in Cart.objects.all()}
    assert (carts[by_email.pk].customer_email, carts[by_email.pk].member_id) == (keep.email, keep_member.pk)
    assert (carts[by_card.pk].customer_email, carts[by_card.pk].member_id) == (keep.email, keep_member.pk)
    assert carts[expired.pk].customer_email == "g.rossi@example.it"  # history stays as it was
    assert carts[expired.pk].member_id == member(dup).pk
    assert carts[others.pk].customer_email == "marco@example.it" and carts[others.pk].member_id is None
    assert carts[ours.pk].member_id == keep_member.pk
    assert {c.pk: (c.updated_at, c.expires_at) for c in carts.values()} == before  # not "used" by the merge
    # the e-shop (by the kept email) and a kiosk (by the kept card) now find them
    assert set(open_carts_for_email(HQ, keep.email)) == {
        carts[by_email.pk],
        carts[by_card.pk],
        carts[ours.pk],
    }
    assert {c.pk for c in open_carts_for_card(kiosk, keep_member.card_number)} == {
        by_email.pk,
        by_card.pk,
        ours.pk,
    }


def test_without_an_email_of_its_own_the_kept_person_keeps_the_duplicates_on_its_carts(roma, tee, kiosk):
    keep, _created = loyalty.get_or_create_customer("", phone="+39 02 1234 5678", first_name="Giulia")
    dup = person("g.rossi@example.it", location=roma)
    cart = cart_by_email("g.rossi@example.it")
    merge(keep, dup)
    cart.refresh_from_db()
    assert (cart.customer_email, cart.member_id) == ("g.rossi@example.it", member(keep).pk)
    assert [c.pk for c in open_carts_for_card(kiosk, member(keep).card_number)] == [cart.pk]


# --- All or nothing ---------------------------------------------------------------------------------------


def test_nothing_moves_when_the_merge_fails(keep, dup, tee, jeans, kiosk, milano):
    stock(milano, jeans, 5)
    add_to_wishlist(member=member(keep), sku="TEE-1")
    add_to_wishlist(member=member(dup), sku="TEE-1")
    add_to_wishlist(member=member(dup), sku="JNS-1")
    cart = cart_by_card(kiosk, dup)

    def snapshot() -> tuple[list[tuple[int, int, object]], list[tuple[object, str, int | None]]]:
        entries = WishlistEntry.objects.order_by("pk").values_list("pk", "member_id", "added_at")
        carts = Cart.objects.order_by("pk").values_list("pk", "customer_email", "member_id")
        return list(entries), list(carts)

    before = snapshot()

    def fails_after_carts(sender, **kwargs):  # type: ignore[no-untyped-def]
        assert wishlist(keep).keys() == {"TEE-1", "JNS-1"}  # carts moved them, in this transaction
        raise RuntimeError("a later step of the merge failed")

    customers_merged.connect(fails_after_carts, dispatch_uid="test.fails_after_carts")
    try:
        with pytest.raises(RuntimeError):
            merge(keep, dup)
    finally:
        customers_merged.disconnect(dispatch_uid="test.fails_after_carts")
    assert snapshot() == before
    assert Customer.objects.get(pk=dup.pk).merged_into_id is None
    assert Member.objects.get(customer=dup).status == MemberStatus.ACTIVE
    cart.refresh_from_db()
    assert cart.member_id == member(dup).pk

    # a merge refused before anything is written moves nothing either
    merge(keep, dup)
    after = snapshot()
    with pytest.raises(LoyaltyInvalid):
        merge(keep, dup)  # already merged
    assert snapshot() == after


# --- The staff merge page -----------------------------------------------------------------------------------


def test_the_staff_merge_page_moves_the_wishlist_and_the_carts(client, keep, dup, tee, kiosk, milano):
    stock(milano, tee, 5)
    add_to_wishlist(member=member(dup), sku="TEE-1")
    cart = cart_by_email("g.rossi@example.it")
    client.force_login(UserFactory(username="hq-merge", role="hq_manager"))
    url = reverse("loyalty:merge", args=[keep.pk])
    done = client.post(url, {"merge": dup.pk, "reason": "Enrolled twice"}, HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 302
    cart.refresh_from_db()
    assert cart.customer_email == keep.email and cart.member_id == member(keep).pk
    page = client.get(reverse("loyalty:customer", args=[keep.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="wishlist-TEE-1"' in page


def test_an_add_to_the_duplicates_wishlist_after_the_merge_is_refused(keep, dup, cap):
    """An add that reaches the duplicate's member after the merge (it waited on the merge's lock, or came with
    the old card) is refused, never stranded on the duplicate."""
    from omni.exceptions import InvalidTransition

    old = member(dup)
    merge(keep, dup)
    with pytest.raises(InvalidTransition):
        add_to_wishlist(member=old, sku="CAP-1")
    assert not WishlistEntry.objects.filter(member=old).exists()
