"""Reads of the loyalty staff pages that loyalty.selectors does not offer as the pages need them: the one
lookup box, a person's 360-degree view as model rows (for labels, links and a paginated ledger), the
preview of a merge, and who may do what on the pages.

Who may do what (the services take any actor: the pages decide): every member of staff finds and sees
customers, whatever the channel or store (loyalty is cross-channel); store managers and above adjust
points; HQ managers and administrators also merge duplicates and export or erase personal data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldError, ObjectDoesNotExist
from django.db.models import Count, Model, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from loyalty.cards import CARD_LENGTH, is_valid_card_number
from loyalty.exceptions import LoyaltyInvalid
from loyalty.models import Customer, LedgerEntry, Member, PointsLot, Tier
from loyalty.selectors import customer_orders, ledger_for, lots_for, with_points
from loyalty.selectors.members import member_ids_for, qualifying_points
from loyalty.selectors.profile import person_emails
from loyalty.services import normalize_email, normalize_phone
from omni.actors import Actor

MAX_RESULTS = 50
RECENT_ORDERS = 50
RETURN_MODEL = ("orders", "Return")  # read by name: loyalty imports nothing of orders
_SEPARATORS = re.compile(r"[\s\-.]")

# --- Who may do what ----------------------------------------------------------------------------------


def can_adjust(actor: Actor) -> bool:
    """Store managers, HQ managers and administrators; not store associates."""
    return actor.is_staff_user and actor.is_manager


def can_merge(actor: Actor) -> bool:
    """HQ managers and administrators (they see the whole network)."""
    return actor.is_staff_user and actor.sees_all_locations


def can_manage_personal_data(actor: Actor) -> bool:
    """The GDPR export and erasure: HQ managers and administrators."""
    return actor.is_staff_user and actor.sees_all_locations


# --- The lookup box ----------------------------------------------------------------------------------


def root_of(customer: Customer) -> Customer:
    """The profile a merged duplicate points at (merges re-point, so one hop; a few for safety)."""
    for _ in range(5):
        if customer.merged_into_id is None:
            return customer
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


def customer_for_card(card_number: str) -> Customer | None:
    """The active profile a card leads to: a merged member's card leads to the person it was merged into;
    an erased member's old card has been replaced and leads nowhere."""
    member = Member.objects.select_related("customer").filter(card_number=card_number).first()
    if member is None:
        return None
    customer = root_of(member.customer)
    return customer if customer.erased_at is None else None


def _card_candidate(query: str) -> str:
    compact = _SEPARATORS.sub("", query)
    return compact if compact.isdigit() and len(compact) == CARD_LENGTH else ""


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
    card = _card_candidate(query)
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


# --- A person: the 360-degree view ----------------------------------------------------------------------


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


def orders_of(customer: Customer) -> QuerySet[Model] | None:
    """Every order of the person, from every channel (see loyalty.selectors.customer_orders)."""
    return customer_orders(customer)


def returns_of(order_ids: list[int]) -> list[Model] | None:
    """The returns of these orders, when the orders app has returns (None: it has none yet)."""
    try:
        return_model = apps.get_model(*RETURN_MODEL)
    except LookupError:
        return None
    try:
        return list(
            return_model._default_manager.filter(order_id__in=order_ids)
            .select_related("order")
            .order_by("-pk")[:RECENT_ORDERS]
        )
    except FieldError:
        return None


def ledger_of(member: Member) -> QuerySet[LedgerEntry]:
    """The member's ledger, newest first, with who wrote each entry (no query per row)."""
    return ledger_for(member).select_related("user", "api_client")


def open_lots_of(member: Member) -> QuerySet[PointsLot]:
    return lots_for(member, open_only=True)


def merged_cards_of(member: Member) -> list[str]:
    return list(member.merged_members.order_by("pk").values_list("card_number", flat=True))


# --- Merging: what would move ------------------------------------------------------------------------------


def find_duplicate(query: str, *, keep: Customer) -> list[Customer]:
    """Candidates to merge into `keep`: active profiles matching the email, card or phone exactly."""
    query = " ".join((query or "").split())
    if not query:
        return []
    condition = Q()
    card = _card_candidate(query)
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
    orders_qs = customer_orders(merge)
    orders = orders_qs.count() if orders_qs is not None else 0
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
