"""Every locking queryset of carts in one place (STYLE.md): carts are locked in primary-key order, so two
merges of the same pair of carts never deadlock."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db.models import QuerySet

from carts.models import BackInStockNotice, Cart, WishlistEntry


def locked_carts(ids: Iterable[UUID]) -> QuerySet[Cart]:
    return Cart.objects.filter(pk__in=list(ids)).order_by("pk").select_for_update(of=("self",))


def locked_wishlist(member_id: int) -> QuerySet[WishlistEntry]:
    """A member's wishlist entries, locked in primary-key order (the back-in-stock job, member by member)."""
    return (
        WishlistEntry.objects.filter(member_id=member_id)
        .select_related("member__customer", "variant__product")
        .order_by("pk")
        .select_for_update(of=("self",))
    )


def locked_wishlists(member_ids: Iterable[int]) -> QuerySet[WishlistEntry]:
    """Several members' wishlist entries, locked in primary-key order (a merge moving a duplicate's entries
    to the kept member; the back-in-stock job locks a subset of these, in the same order)."""
    return (
        WishlistEntry.objects.filter(member_id__in=list(member_ids))
        .order_by("pk")
        .select_for_update(of=("self",))
    )


def locked_pending_notices(member_ids: Iterable[int]) -> QuerySet[BackInStockNotice]:
    """The members' back-in-stock notices not yet sent nor skipped, locked in primary-key order (the
    delivery locks one of them at a time): what a merge hands to the kept member."""
    return (
        BackInStockNotice.objects.filter(member_id__in=list(member_ids), sent_at__isnull=True, skipped="")
        .order_by("pk")
        .select_for_update(of=("self",))
    )


def locked_notice(notice_id: int) -> BackInStockNotice | None:
    """A back-in-stock notice, locked while it is sent (so two runs never both send it)."""
    return (
        BackInStockNotice.objects.filter(pk=notice_id)
        .select_related("member__customer", "location")
        .select_for_update(of=("self",))
        .first()
    )
