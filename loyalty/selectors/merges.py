"""Merging duplicate customers: the candidates, and what a merge would move."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum

from loyalty.contacts import normalize_email, normalize_phone
from loyalty.exceptions import LoyaltyInvalid
from loyalty.models import Customer, LedgerEntry, Member, PointsLot
from loyalty.selectors.customers import MAX_RESULTS, card_candidate, member_of
from loyalty.selectors.profile import customer_orders, person_emails


def find_duplicate(query: str, *, keep: Customer) -> list[Customer]:
    """Candidates to merge into `keep`: active profiles matching the email, card or phone exactly."""
    query = " ".join((query or "").split())
    if not query:
        return []
    condition = Q()
    card = card_candidate(query)
    if card:
        condition |= Q(member__card_number=card)
    if "@" in query:
        condition |= Q(email=normalize_email(query))
    else:
        try:
            phone = normalize_phone(query)
        except LoyaltyInvalid:
            phone = ""
        if phone:
            condition |= Q(phone=phone)
    if not condition:
        return []
    return list(
        Customer.objects.filter(condition, merged_into__isnull=True, erased_at__isnull=True)
        .exclude(pk=keep.pk)
        .select_related("member__tier")
        .order_by("pk")[:MAX_RESULTS]
    )


@dataclass
class MergePreview:
    keep: Customer
    merge: Customer
    keep_member: Member | None
    merge_member: Member | None
    points: int
    lots: int
    entries: int
    orders: int
    emails: list[str]
    fills: dict[str, Any]

    @property
    def card_moves(self) -> bool:
        """The duplicate's card becomes the kept person's card (the kept person has none)."""
        return self.merge_member is not None and self.keep_member is None


def merge_preview(*, keep: Customer, merge: Customer) -> MergePreview:
    """What merge_customers would do: points (with their expiries) moving to the kept member, or the whole
    member moving when the kept person has none; the emails that will lead to the kept profile; the blank
    fields of the kept profile that the duplicate fills in."""
    keep_member, merge_member = member_of(keep), member_of(merge)
    points = lots = entries = 0
    if merge_member is not None:
        open_lots = PointsLot.objects.filter(member=merge_member, remaining__gt=0).aggregate(
            points=Sum("remaining"), lots=Count("pk")
        )
        points, lots = int(open_lots["points"] or 0), int(open_lots["lots"] or 0)
        entries = LedgerEntry.objects.filter(member=merge_member).count()
    orders = customer_orders(merge).count()
    fills = {
        str(getattr(Customer._meta.get_field(name), "verbose_name", name)): getattr(merge, name)
        for name in ("phone", "first_name", "last_name", "language")
        if getattr(merge, name) and not getattr(keep, name)
    }
    return MergePreview(
        keep=keep,
        merge=merge,
        keep_member=keep_member,
        merge_member=merge_member,
        points=points,
        lots=lots,
        entries=entries,
        orders=orders,
        emails=person_emails(merge),
        fills=fills,
    )
