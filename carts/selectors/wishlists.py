"""Wishlists: a member's entries as a caller may reach them, each with the units available at the member's
preferred store (loyalty's preferences, inventory's availability figure).

Who may reach a member's wishlist is who may reach the member: `loyalty.selectors.member_for` (integration
and staff every member; the e-shop, kiosks and stores the members they enrolled or looked up, a kiosk or a
store through the customer's card at its own location). Anyone else's member is not found (404)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from carts.models import BackInStockNotice, WishlistEntry
from inventory.models import Variant
from inventory.selectors import available_at
from loyalty.exceptions import MemberNotFound
from loyalty.models import Customer, Member, MemberStatus
from loyalty.selectors import member_for
from loyalty.selectors.preferences import preferences_of
from omni.actors import Actor
from stores.selectors import active_network_locations


@dataclass(frozen=True)
class WishlistItem:
    entry: WishlistEntry
    sku: str
    name: str
    added_at: datetime
    available_at_preferred_location: int | None  # None: the member has no preferred store
    last_notified_at: datetime | None


def wishlist_member(actor: Actor, member_id: int) -> Member:
    """The member whose wishlist the caller asks for, or 404 `not_found` (unknown, or not the caller's)."""
    member = member_for(actor, member_id)
    if member is None:
        raise MemberNotFound(_("No loyalty member %(member)s.") % {"member": member_id})
    return member


def wishlist_of(member: Member) -> QuerySet[WishlistEntry]:
    """Newest first, each with its SKU and product."""
    return (
        WishlistEntry.objects.filter(member=member)
        .select_related("variant__product")
        .order_by("-added_at", "-id")
    )


def preferred_location_id(person: Member | Customer) -> int | None:
    """The member's (or the customer's) preferred store if it is an active location, else None."""
    location_id, _language, _sizes = preferences_of(person)
    if location_id is None or location_id not in active_network_locations():
        return None
    return location_id


def available_units(location_id: int | None, variant_ids: set[int]) -> dict[int, int] | None:
    """Units available now (on hand - reserved - safety stock) of each variant at the location, or None
    without a location. One query."""
    if location_id is None:
        return None
    return available_at(location_id, variant_ids)


def wishlist_items(person: Member | Customer, entries: list[WishlistEntry]) -> list[WishlistItem]:
    """These entries of the person's wishlist with what is available at their preferred store: one query
    whatever their number (none without a preferred store)."""
    units = (
        available_units(preferred_location_id(person), {e.variant_id for e in entries}) if entries else None
    )
    return [
        WishlistItem(
            entry=e,
            sku=e.variant.sku,
            name=e.variant.display_name,
            added_at=e.added_at,
            available_at_preferred_location=None if units is None else units.get(e.variant_id, 0),
            last_notified_at=e.last_notified_at,
        )
        for e in entries
    ]


def wishlist_of_customer(customer: Customer) -> QuerySet[WishlistEntry]:
    """The customer 360 page: the wishlist of the customer's card, newest first (empty without one)."""
    return (
        WishlistEntry.objects.filter(member__customer=customer, member__status=MemberStatus.ACTIVE)
        .select_related("variant__product")
        .order_by("-added_at", "-id")
    )


def newest_wishlist_entries(
    customer_ids: Iterable[int], *, per_customer: int
) -> dict[int, list[WishlistEntry]]:
    """For each of these customers, the newest `per_customer` entries of their card's wishlist (as
    `wishlist_of_customer`), in one query (a window numbers each customer's entries; the rest stay in the
    database): for a page listing several customers, the day's agenda."""
    ids = set(customer_ids)
    out: dict[int, list[WishlistEntry]] = defaultdict(list)
    if not ids:
        return out
    entries = (
        WishlistEntry.objects.filter(member__customer_id__in=ids, member__status=MemberStatus.ACTIVE)
        .annotate(
            customer_id=F("member__customer_id"),
            position=Window(
                RowNumber(),
                partition_by=[F("member__customer_id")],
                order_by=[F("added_at").desc(), F("id").desc()],
            ),
        )
        .filter(position__lte=per_customer)
        .select_related("variant__product")
        .order_by("customer_id", "position")
    )
    for entry in entries:
        out[entry.customer_id].append(entry)  # type: ignore[attr-defined]
    return out


def _of_person(customer: Customer) -> Q:
    return Q(member__customer=customer) | Q(member__customer__merged_into=customer)


def wishlist_export(customer: Customer) -> list[dict[str, Any]]:
    """The GDPR export's "wishlist": every entry of the person and its merged duplicates, oldest first."""
    entries = WishlistEntry.objects.filter(_of_person(customer)).select_related("variant", "member")
    return [
        {
            "card_number": e.member.card_number,
            "sku": e.variant.sku,
            "added_at": e.added_at.isoformat(),
            "last_notified_at": e.last_notified_at.isoformat() if e.last_notified_at else None,
        }
        for e in entries.order_by("added_at", "id")
    ]


def back_in_stock_export(customer: Customer) -> list[dict[str, Any]]:
    """The GDPR export's "back_in_stock_emails": every notice to the person, oldest first."""
    notices = BackInStockNotice.objects.filter(_of_person(customer)).select_related("location")
    return [
        {
            "location": n.location.code,
            "skus": sorted(Variant.objects.filter(pk__in=n.variant_ids).values_list("sku", flat=True)),
            "created_at": n.created_at.isoformat(),
            "sent_at": n.sent_at.isoformat() if n.sent_at else None,
            "not_sent_because": n.skipped or None,
        }
        for n in notices.order_by("created_at", "id")
    ]
