"""A merged duplicate's wishlist and open carts follow the person it was merged into: loyalty re-points its
own rows and then sends `customers_merged` inside merge_customers' transaction; here, in that same
transaction (all or nothing with the merge), the wishlist entries and the unsent back-in-stock notices of
the members merged into the kept member move to it, and the open carts of the merged duplicates (their
member, their email) are re-pointed to the kept member and email.

Everything is read from the kept person's tombstones (the members merged into its member, the profiles
merged into it), so a duplicate merged before this was done is caught up by the next merge too.

Locks: the merge already holds both customers' rows (and both members' rows); the entries, the notices and
the carts are then locked in primary-key order (carts.locks, the order of the back-in-stock job, of the
notice delivery and of every cart change) and re-read under the lock."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from carts import locks
from carts.models import BackInStockNotice, Cart, CartStatus, WishlistEntry
from loyalty.models import Customer, Member
from loyalty.selectors.members import member_ids_for
from loyalty.selectors.profile import person_emails


def move_wishlists(*, member: Member, from_ids: list[int]) -> int:
    """Move the wishlist entries of the members `from_ids` to `member`; a SKU already on its list keeps one
    entry: `member`'s own (with its notification state, whose baseline is at `member`'s preferred store),
    added when it was first added to either list. Pending back-in-stock notices move with them (the email
    goes to the kept person, consent asked again when sending). Returns the entries moved."""
    if not from_ids:
        return 0
    entries = list(locks.locked_wishlists([member.pk, *from_ids]))
    kept = {e.variant_id: e for e in entries if e.member_id == member.pk}
    theirs = sorted((e for e in entries if e.member_id != member.pk), key=lambda e: (e.added_at, e.pk))
    moved: list[WishlistEntry] = []
    earlier: list[WishlistEntry] = []
    dropped: list[int] = []
    for entry in theirs:  # earliest first: the first of several duplicates with one SKU is the one kept
        survivor = kept.get(entry.variant_id)
        if survivor is None:
            entry.member_id = member.pk
            kept[entry.variant_id] = entry
            moved.append(entry)
            continue
        dropped.append(entry.pk)
        if entry.added_at < survivor.added_at:  # only `member`'s own entry can be later than this one
            survivor.added_at = entry.added_at
            earlier.append(survivor)
    if dropped:
        WishlistEntry.objects.filter(pk__in=dropped).delete()
    if moved:
        WishlistEntry.objects.bulk_update(moved, ["member"])
    if earlier:
        WishlistEntry.objects.bulk_update(earlier, ["added_at"])
    pending = [n.pk for n in locks.locked_pending_notices(from_ids)]
    if pending:
        BackInStockNotice.objects.filter(pk__in=pending).update(member_id=member.pk)
    return len(moved)


def repoint_open_carts(*, keep: Customer, member: Member | None, from_ids: list[int]) -> int:
    """The open carts carrying a merged duplicate's email get `keep`'s (when it has one), those of a member
    merged into `member` get `member`. When they were last changed (and so when they expire) stays as it
    was. Returns the carts re-pointed."""
    emails: set[str] = set()
    if keep.email:  # without an email of its own, the cart keeps the duplicate's (which still finds it)
        emails = {e.lower() for e in person_emails(keep)} - {keep.email.lower()}
    condition = Q()
    if emails:
        condition |= Q(email_lower__in=emails)
    if member is not None and from_ids:
        condition |= Q(member_id__in=from_ids)
    if not condition:
        return 0
    found = Cart.objects.annotate(email_lower=Lower("customer_email")).filter(condition)
    changed: list[Cart] = []
    for cart in locks.locked_carts(found.filter(status=CartStatus.OPEN).values_list("pk", flat=True)):
        if cart.status != CartStatus.OPEN:  # converted or expired while we waited for its lock
            continue
        before = (cart.customer_email, cart.member_id)
        if cart.customer_email.lower() in emails:
            cart.customer_email = keep.email
        if member is not None and cart.member_id in from_ids:
            cart.member_id = member.pk
        if (cart.customer_email, cart.member_id) != before:
            changed.append(cart)
    if changed:
        Cart.objects.bulk_update(changed, ["customer_email", "member"])
    return len(changed)


def follow_merge(*, keep: Customer) -> tuple[int, int]:
    """The wishlist entries moved and the open carts re-pointed to `keep` (see the module)."""
    member = Member.objects.filter(customer_id=keep.pk).first()  # read now: a member may just have moved over
    from_ids = [pk for pk in member_ids_for(member) if pk != member.pk] if member is not None else []
    moved = move_wishlists(member=member, from_ids=from_ids) if member is not None else 0
    return moved, repoint_open_carts(keep=keep, member=member, from_ids=from_ids)


def on_customers_merged(sender: Any, *, keep: Customer, **_: Any) -> None:
    """loyalty.signals.customers_merged, sent inside the merge's transaction: all or nothing with it."""
    follow_merge(keep=keep)
