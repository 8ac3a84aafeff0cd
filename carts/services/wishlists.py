"""Wishlists: adding and removing a member's SKUs (the back-in-stock notices: carts.services.back_in_stock).

An entry starts with what is available at the member's preferred store now as its baseline, so a SKU added
while on the shelf is not announced as "back"; one added while sold out is, when it returns."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from carts.models import BackInStockNotice, WishlistEntry
from carts.selectors.wishlists import available_units, preferred_location_id
from inventory.selectors import known_variant
from loyalty import locks as loyalty_locks
from loyalty.models import Member, MemberStatus
from omni.exceptions import InvalidInput, InvalidTransition, NotFound

MAX_WISHLIST_ENTRIES = 200


@transaction.atomic
def add_to_wishlist(*, member: Member, sku: str) -> tuple[WishlistEntry, bool]:
    """The member's entry for this SKU and whether it is new (adding it again changes nothing). An unknown
    SKU, one not on sale, or a full wishlist: 400 naming `sku`."""
    variant = known_variant(sku, field="sku")
    # The member's row, locked: adds to one wishlist queue (the 200-entry limit holds), and an add that waited
    # on a merge of this person finds the member merged instead of landing on the duplicate.
    member = loyalty_locks.member(member.pk)
    if member.status != MemberStatus.ACTIVE:
        raise InvalidTransition(
            _("This member card is no longer active (merged or erased): use the customer's current card.")
        )
    existing = WishlistEntry.objects.filter(member=member, variant=variant).first()
    if existing is not None:
        return existing, False
    if not (variant.active and variant.product.active):
        message = _("%(sku)s is not on sale.") % {"sku": variant.sku}
        raise InvalidInput(message, errors={"sku": [message]})
    if WishlistEntry.objects.filter(member=member).count() >= MAX_WISHLIST_ENTRIES:
        message = _("A wishlist holds at most %(max)d SKUs: remove one first.") % {
            "max": MAX_WISHLIST_ENTRIES
        }
        raise InvalidInput(message, errors={"sku": [message]})
    location_id = preferred_location_id(member)
    units = available_units(location_id, {variant.pk})
    return WishlistEntry.objects.get_or_create(
        member=member,
        variant=variant,
        defaults={
            "seen_location_id": location_id,
            "seen_available": bool(units and units.get(variant.pk, 0) > 0),
        },
    )


@transaction.atomic
def remove_from_wishlist(*, member: Member, sku: str) -> None:
    """Take the SKU off the member's wishlist; 404 `not_found` if it is not on it."""
    deleted, _by_model = WishlistEntry.objects.filter(member=member, variant__sku=sku).delete()
    if not deleted:
        raise NotFound(_("%(sku)s is not on this wishlist.") % {"sku": sku})


def erase_wishlists(*, customer_id: int) -> int:
    """GDPR erasure: delete the wishlists and back-in-stock notices of the person and its merged
    duplicates. Returns the entries deleted."""
    person = Q(member__customer_id=customer_id) | Q(member__customer__merged_into_id=customer_id)
    BackInStockNotice.objects.filter(person).delete()
    deleted, _by_model = WishlistEntry.objects.filter(person).delete()
    return deleted


def on_customer_erased(sender: Any, *, customer_id: int, **_: Any) -> None:
    """loyalty.signals.customer_erased, sent inside the erasure's transaction: all or nothing with it."""
    erase_wishlists(customer_id=customer_id)
