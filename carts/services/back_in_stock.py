""" "Back in stock at your preferred store": the job (beat, every 15 minutes) and the email it sends.

Each wishlist entry remembers what the job last saw at the member's preferred store (`seen_location`,
`seen_available`). A SKU that turns available there is announced once, and the entry is re-armed when it
sells out again; a new preferred store (or a first one) only sets the baseline, it announces nothing.

The job works member by member, each in one short transaction that locks the member's entries (ordered by
primary key) and re-reads them under the lock: a second run at the same time waits, then finds nothing
changed. The notice row (one per member and run, gathering every SKU that came back) is written in that
same transaction with its outbox message (omni.outbox), so a broker that is down only delays the email; the
delivery locks the notice and records `sent_at`, so it goes out at most once. Nothing is sent, and nothing
is queued, without the customer's consent to marketing by email (asked again when sending)."""

from __future__ import annotations

from datetime import datetime

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from carts import locks
from carts.models import BackInStockNotice, WishlistEntry
from carts.selectors.wishlists import available_units, preferred_location_id
from inventory.models import StockLevel, Variant
from inventory.selectors import levels_with_available
from loyalty import conf as loyalty_conf
from loyalty.models import Member, MemberStatus
from loyalty.selectors.consent import has_consent
from loyalty.selectors.preferences import preferences_of
from omni import outbox
from omni.emails import render_email

PURPOSE, CHANNEL = "marketing", "email"
DELIVER_TASK = "carts.tasks.send_back_in_stock_notice_task"


def _available_at_preferred() -> Subquery:
    levels = levels_with_available(
        StockLevel.objects.filter(
            location_id=OuterRef("member__customer__preferred_location_id"),
            variant_id=OuterRef("variant_id"),
            location__active=True,
            variant__active=True,
            variant__product__active=True,
        )
    )
    available = levels.values("available_qty")[:1]  # type: ignore[misc]  # levels_with_available's
    return Subquery(available, output_field=IntegerField())


def _changed() -> QuerySet[WishlistEntry]:
    """Entries whose state at the preferred store differs from what the job last saw (one statement)."""
    preferred = "member__customer__preferred_location_id"
    # as preferred_location_id() reads it: a preferred store that has closed counts as none
    has_preferred = Q(**{f"{preferred}__isnull": False, "member__customer__preferred_location__active": True})
    moved = (
        (~has_preferred & Q(seen_location__isnull=False))
        | (has_preferred & Q(seen_location__isnull=True))
        | (has_preferred & Q(seen_location__isnull=False) & ~Q(seen_location_id=F(preferred)))
    )
    return (
        WishlistEntry.objects.filter(member__status=MemberStatus.ACTIVE)
        .annotate(units_now=Coalesce(_available_at_preferred(), Value(0)))
        .filter(moved | Q(seen_available=False, units_now__gt=0) | Q(seen_available=True, units_now=0))
    )


def _on_sale(variant: Variant) -> bool:
    return variant.active and variant.product.active


@transaction.atomic
def _check_member(member_id: int, now: datetime) -> BackInStockNotice | None:
    entries = list(locks.locked_wishlist(member_id))
    if not entries:
        return None
    member = entries[0].member
    location_id = preferred_location_id(member)
    units = available_units(location_id, {e.variant_id for e in entries}) or {}
    back: list[WishlistEntry] = []
    changed: list[WishlistEntry] = []
    for entry in entries:
        available = location_id is not None and units.get(entry.variant_id, 0) > 0 and _on_sale(entry.variant)
        if entry.seen_location_id != location_id:  # a new (or no) preferred store: the baseline only
            entry.seen_location_id, entry.seen_available = location_id, available
            changed.append(entry)
        elif available != entry.seen_available:
            entry.seen_available = available
            changed.append(entry)
            if available:
                back.append(entry)
    notice = None
    if back and location_id is not None and _may_email(member):
        notice = BackInStockNotice.objects.create(
            member=member, location_id=location_id, variant_ids=[e.variant_id for e in back], created_at=now
        )
        for entry in back:
            entry.last_notice, entry.last_notified_at = notice, now
        outbox.enqueue(DELIVER_TASK, notice.pk)
    if changed:
        WishlistEntry.objects.bulk_update(
            changed, ["seen_location", "seen_available", "last_notice", "last_notified_at"]
        )
    return notice


def _may_email(member: Member) -> bool:
    customer = member.customer
    return (
        member.status == MemberStatus.ACTIVE
        and bool(customer.email)
        and has_consent(customer, PURPOSE, CHANNEL)
    )


def check_back_in_stock(*, now: datetime | None = None) -> int:
    """Compare every wishlist with the stock at its member's preferred store; queue one email per member
    for the SKUs that came back (consent permitting). Returns the number of notices queued."""
    now = now or timezone.now()
    member_ids = sorted(set(_changed().values_list("member_id", flat=True)))
    return sum(1 for member_id in member_ids if _check_member(member_id, now) is not None)


# --- The email --------------------------------------------------------------------------------------------


def render_back_in_stock(notice: BackInStockNotice, language: str) -> tuple[str, str, str]:
    variants = sorted(
        Variant.objects.select_related("product").filter(pk__in=notice.variant_ids), key=lambda v: v.sku
    )
    context = {
        "notice": notice,
        "customer": notice.member.customer,
        "location": notice.location,
        "items": [{"sku": v.sku, "name": v.display_name, "price": v.price} for v in variants],
        "site_name": "Omni",
    }
    return render_email("carts/email/back_in_stock", context, language=language)


def deliver_back_in_stock_notice(notice_id: int) -> bool:
    """Send one notice unless it went already or may not go (its row is locked while sending, so two runs
    of the task never both send it). Consent is asked again: it may have been withdrawn since. Returns
    whether it was sent now."""
    with transaction.atomic():
        notice = locks.locked_notice(notice_id)
        if notice is None or notice.sent_at is not None or notice.skipped:
            return False
        customer = notice.member.customer
        if notice.member.status != MemberStatus.ACTIVE or not customer.email:
            notice.skipped = "no_address"
        elif not has_consent(customer, PURPOSE, CHANNEL):
            notice.skipped = "no_consent"
        if notice.skipped:
            notice.save(update_fields=["skipped"])
            return False
        _location, language, _sizes = preferences_of(notice.member)
        subject, text, html = render_back_in_stock(notice, language or loyalty_conf.customer_language())
        message = EmailMultiAlternatives(subject, text, None, [customer.email])
        message.attach_alternative(html, "text/html")
        message.send()
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
    return True
