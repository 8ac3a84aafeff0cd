"""A person as the loyalty staff pages see them: the one lookup box (a scanned card, an email, a phone, a
name), the profile a merged duplicate leads to, and the 360-degree view as model rows (for labels, links
and a paginated ledger); the orders and returns come through loyalty.order_facts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from loyalty.cards import CARD_LENGTH, is_valid_card_number
from loyalty.contacts import normalize_email, normalize_phone
from loyalty.exceptions import LoyaltyInvalid
from loyalty.models import Customer, LedgerEntry, Member, PointsLot, Tier
from loyalty.selectors.members import ledger_for, lots_for, member_ids_for, qualifying_points, with_points
from loyalty.selectors.merged import root_of
from loyalty.selectors.profile import returns_of

MAX_RESULTS = 50
RECENT_ORDERS = 50
_SEPARATORS = re.compile(r"[\s\-.]")


def card_candidate(query: str) -> str:
    """The query as a card number (13 digits, separators dropped), else ""."""
    compact = _SEPARATORS.sub("", query)
    return compact if compact.isdigit() and len(compact) == CARD_LENGTH else ""


def customer_for_card(card_number: str) -> Customer | None:
    """The active profile a card leads to: a merged member's card leads to the person it was merged into;
    an erased member's old card has been replaced and leads nowhere."""
    member = Member.objects.select_related("customer").filter(card_number=card_number).first()
    if member is None:
        return None
    customer = root_of(member.customer)
    return customer if customer.erased_at is None else None


@dataclass
class Lookup:
    """What the box found: `exact` (a card: straight to the customer) or `results` (a list to choose from)."""

    query: str
    exact: Customer | None = None
    results: list[Customer] = field(default_factory=list)
    more: bool = False
    mistyped_card: bool = False  # 13 digits with a wrong check digit: a misread or mistyped card


def lookup_customers(query: str) -> Lookup:
    """A scanned or typed card number (13 digits) that exists goes straight to its customer. Otherwise
    a list: exact and partial matches on email, phone, card number and name; a merged duplicate shows as
    the profile it was merged into; erased profiles never show."""
    query = " ".join((query or "").split())
    found = Lookup(query=query)
    if not query:
        return found
    card = card_candidate(query)
    if card:
        found.exact = customer_for_card(card)
        if found.exact is not None:
            return found
        found.mistyped_card = not is_valid_card_number(card)
    condition = Q()
    compact = _SEPARATORS.sub("", query)
    if "@" in query:
        email = normalize_email(query)
        condition |= Q(email=email) | Q(email__icontains=email)
    else:
        digits = compact.lstrip("+")
        if digits.isdigit() and len(digits) >= 4:
            condition |= Q(member__card_number__startswith=digits)
            condition |= Q(phone__contains=digits)
            try:
                phone = normalize_phone(query)
            except LoyaltyInvalid:
                phone = ""
            if phone:
                condition |= Q(phone=phone)
        if any(ch.isalpha() for ch in query):
            words = query.split()[:4]
            by_name = Q()
            for word in words:
                by_name &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
            condition |= by_name | Q(email__icontains=query)
    if not condition:
        return found
    root_ids = (
        Customer.objects.filter(condition)
        .annotate(root=Coalesce("merged_into_id", "pk"))
        .values_list("root", flat=True)
        .distinct()
    )
    results = list(
        Customer.objects.filter(pk__in=root_ids, erased_at__isnull=True, merged_into__isnull=True)
        .select_related("member__tier")
        .order_by("last_name", "first_name", "email", "pk")[: MAX_RESULTS + 1]
    )
    found.results, found.more = results[:MAX_RESULTS], len(results) > MAX_RESULTS
    return found


def member_of(customer: Customer) -> Member | None:
    try:
        return customer.member
    except ObjectDoesNotExist:
        return None


def customer_for_page(customer_id: int) -> Customer | None:
    """A customer with its member, tier and spendable/pending points (one query), or None."""
    customer = Customer.objects.select_related("merged_into").filter(pk=customer_id).first()
    if customer is None:
        return None
    member = with_points(Member.objects.select_related("tier").filter(customer=customer)).first()
    Customer.member.related.set_cached_value(customer, member)  # type: ignore[attr-defined]
    if member is not None:
        Member.customer.field.set_cached_value(member, customer)
    return customer


@dataclass
class TierProgress:
    qualifying: int
    tier: Tier | None
    next_tier: Tier | None

    @property
    def points_to_next(self) -> int | None:
        return self.next_tier.threshold - self.qualifying if self.next_tier else None

    @property
    def percent(self) -> int:
        if self.next_tier is None:
            return 100
        start = self.tier.threshold if self.tier else 0
        span = max(self.next_tier.threshold - start, 1)
        return max(0, min(100, (self.qualifying - start) * 100 // span))


def tier_progress(member: Member) -> TierProgress:
    qualifying = qualifying_points(member_ids_for(member))
    next_tier = Tier.objects.filter(threshold__gt=qualifying).order_by("threshold").first()
    return TierProgress(qualifying=qualifying, tier=member.tier, next_tier=next_tier)


def recent_returns_of(order_ids: list[int]) -> list[Any]:
    """The latest returns of these orders, each with its order."""
    return list(returns_of(order_ids)[:RECENT_ORDERS])


def ledger_of(member: Member) -> QuerySet[LedgerEntry]:
    """The member's ledger, newest first, with who wrote each entry (no query per row)."""
    return ledger_for(member).select_related("user", "api_client")


def open_lots_of(member: Member) -> QuerySet[PointsLot]:
    return lots_for(member, open_only=True)


def merged_cards_of(member: Member) -> list[str]:
    return list(member.merged_members.order_by("pk").values_list("card_number", flat=True))
