"""Members as each caller may see them (OWASP API1: never another client's customers by filter or id).

- `integration` clients and staff users (HQ and stores alike, in the back-office) see every active member;
- `eshop`, `kiosk` and `store` clients see only the members they enrolled or looked up by an exact
  identifier (loyalty.services.lookup_members records it), and may look up by:
  eshop: email; kiosk: card number only; store: email, card number or phone.
Merged and erased members are seen by nobody through the API."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty import conf
from loyalty.dates import add_months
from loyalty.models import (
    ConsentChannel,
    ConsentPurpose,
    Customer,
    LedgerEntry,
    LedgerKind,
    Member,
    MemberStatus,
    PointsLot,
)
from loyalty.selectors.consent import latest_consent
from omni.actors import Actor
from omni.models import ApiRole

LOOKUP_FIELDS: dict[str, frozenset[str]] = {
    ApiRole.INTEGRATION.value: frozenset({"email", "card_number", "phone"}),
    ApiRole.ESHOP.value: frozenset({"email"}),
    ApiRole.KIOSK.value: frozenset({"card_number"}),
    ApiRole.STORE.value: frozenset({"email", "card_number", "phone"}),
}


def _lot_sum(**conditions: object) -> Coalesce:
    lots = (
        PointsLot.objects.filter(
            member=OuterRef("pk"), remaining__gt=0, expired_at__isnull=True, **conditions
        )
        .order_by()
        .values("member")
        .annotate(total=Sum("remaining"))
        .values("total")
    )
    return Coalesce(Subquery(lots, output_field=IntegerField()), Value(0))


def with_points(qs: QuerySet[Member]) -> QuerySet[Member]:
    """Annotate `points_available` (spendable now) and `points_pending` (locked until the return window
    closes): one query for a whole page."""
    now = timezone.now()
    return qs.annotate(
        points_available=_lot_sum(available_at__lte=now, expires_at__gt=now),
        points_pending=_lot_sum(available_at__gt=now),
    )


def sees_every_member(actor: Actor) -> bool:
    return actor.role == ApiRole.INTEGRATION or actor.is_staff_user


def members_for(actor: Actor) -> QuerySet[Member]:
    qs = Member.objects.select_related("customer", "tier").filter(status=MemberStatus.ACTIVE)
    if sees_every_member(actor):
        return qs
    if actor.client is None:
        return qs.none()
    return qs.filter(accesses__api_client=actor.client)


def with_marketing_consent(qs: QuerySet[Member]) -> QuerySet[Member]:
    """Annotate `marketing_consent`: the current marketing/email consent of the member's customer (its
    latest statement; none: False), as the member API's compatibility field shows it."""
    latest = latest_consent("customer_id", ConsentPurpose.MARKETING, ConsentChannel.EMAIL)
    return qs.annotate(marketing_consent=Coalesce(latest, Value(False)))


def member_for(actor: Actor, member_id: int) -> Member | None:
    return with_marketing_consent(with_points(members_for(actor))).filter(pk=member_id).first()


def matching_members(*, email: str = "", card_number: str = "", phone: str = "") -> QuerySet[Member]:
    """Active members matching every identifier given, exactly (an email of a merged duplicate leads to
    the member it was merged into)."""
    qs = Member.objects.select_related("customer", "tier").filter(status=MemberStatus.ACTIVE)
    if email:
        roots = (
            Customer.objects.filter(email=email.strip().lower())
            .annotate(root=Coalesce("merged_into_id", "pk"))
            .values("root")
        )
        qs = qs.filter(customer_id__in=Subquery(roots))
    if card_number:
        qs = qs.filter(card_number=card_number)
    if phone:
        qs = qs.filter(customer__phone=phone, customer__merged_into__isnull=True)
    return qs


def member_for_email(email: str) -> Member | None:
    """The active member whose profile this email leads to, or None (a guest, an unknown email)."""
    email = (email or "").strip().lower()
    if not email:
        return None
    return matching_members(email=email).order_by("pk").first()


def ledger_for(member: Member) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(member=member).order_by("-created_at", "-id")


def lots_for(member: Member, *, open_only: bool = True) -> QuerySet[PointsLot]:
    qs = PointsLot.objects.filter(member=member)
    if open_only:
        qs = qs.filter(remaining__gt=0, expired_at__isnull=True)
    return qs.order_by("expires_at", "id")


# --- Tiers: qualifying points ------------------------------------------------------------------------


def member_ids_for(member: Member) -> list[int]:
    """The member and the members merged into it: their earns qualify it."""
    return [member.pk, *Member.objects.filter(merged_into=member).values_list("pk", flat=True)]


def qualifying_filter(since: datetime, as_of: datetime) -> Q:
    """Earns in (since, as_of], less what returns took back of those earns."""
    earned = Q(kind=LedgerKind.EARN, created_at__gt=since, created_at__lte=as_of)
    reversed_ = Q(
        kind=LedgerKind.REVERSE,
        reverses=LedgerKind.EARN,
        reversed_entry__created_at__gt=since,
        reversed_entry__created_at__lte=as_of,
        created_at__lte=as_of,
    )
    return earned | reversed_


def qualifying_points(member_ids: Iterable[int], *, as_of: datetime | None = None) -> int:
    """Points earned in the last LOYALTY_TIER_WINDOW_MONTHS (not the balance: spending never costs a tier)."""
    as_of = as_of or timezone.now()
    since = add_months(as_of, -conf.tier_window_months())
    total = (
        LedgerEntry.objects.filter(member_id__in=list(member_ids))
        .filter(qualifying_filter(since, as_of))
        .aggregate(total=Sum("points"))["total"]
    )
    return max(int(total or 0), 0)
