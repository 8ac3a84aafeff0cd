"""Customers and members: one profile per person across channels, enrolment, merging duplicates, the GDPR
export and erasure.

Matching: by email first (case-insensitive; a merged duplicate's email leads to the profile it was merged
into); then by phone (normalised), but only onto a profile without an email or when no email is given,
since a household may share a phone and an email is the stronger identity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from loyalty import locks
from loyalty.cards import new_card_number
from loyalty.contacts import normalize_email, normalize_phone
from loyalty.exceptions import LoyaltyInvalid, MemberExists
from loyalty.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    Customer,
    ExpiryWarning,
    LedgerKind,
    Member,
    MemberAccess,
    MemberStatus,
    PointsLot,
    TierChange,
)
from loyalty.selectors.consent import current_consents
from loyalty.selectors.merged import root_of
from loyalty.services.consent import record_consent, write_consent_event
from loyalty.services.ledger import (
    apply_draws,
    lock_members,
    locked_lots,
    write_entry,
)
from loyalty.services.tiers import tier_for, tiers, update_tier
from loyalty.signals import customer_erased, customers_merged
from omni.actors import Actor
from omni.services import record_audit

CARD_ATTEMPTS = 8


def _fill_blanks(customer: Customer, values: dict[str, str], changed: list[str]) -> None:
    for name, value in values.items():
        if value and not getattr(customer, name):
            setattr(customer, name, value)
            changed.append(name)


def find_customer(email: str = "", phone: str = "") -> Customer | None:
    """The active profile for this email, else for this phone (see the module's matching rules)."""
    email = normalize_email(email)
    if email:
        found = Customer.objects.filter(email=email).first()
        if found is not None:
            return root_of(found)
    if phone:
        candidates = Customer.objects.filter(phone=phone, merged_into__isnull=True, erased_at__isnull=True)
        if email:
            candidates = candidates.filter(email="")
        return candidates.order_by("created_at", "pk").first()
    return None


@transaction.atomic
def get_or_create_customer(
    email: str,
    phone: str | None = None,
    first_name: str = "",
    last_name: str = "",
    marketing_consent: bool | None = None,
    *,
    language: str = "",
    actor: Actor | None = None,
    consent_source: str = "",
) -> tuple[Customer, bool]:
    """The one profile of this person, created if new: (customer, created). Blank fields of an existing
    profile are filled in. `marketing_consent` (True or False) records what the person stated about
    marketing by email (a consent event, through `consent_source`, by default the actor's touchpoint);
    None leaves the consent as it is."""
    email = normalize_email(email)
    phone = normalize_phone(phone)
    if not email and not phone:
        raise LoyaltyInvalid.on("email", "A customer has an email or a phone number.")
    now = timezone.now()
    values = {"email": email, "phone": phone, "first_name": first_name[:80], "last_name": last_name[:80]}
    if language:
        values["language"] = language
    customer = find_customer(email, phone)
    created = False
    if customer is None:
        try:
            with transaction.atomic():
                customer = Customer.objects.create(created_at=now, **values)
                created = True
        except IntegrityError:  # the same email, created concurrently: use that one
            customer = find_customer(email, phone)
            if customer is None:
                raise
    changed: list[str] = []
    if not created:
        _fill_blanks(customer, values, changed)
    if changed:
        customer.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    if marketing_consent is not None:
        record_consent(
            customer=customer,
            purpose=ConsentPurpose.MARKETING,
            channel=ConsentChannel.EMAIL,
            granted=marketing_consent,
            source=consent_source,
            actor=actor,
        )
    return customer, created


def grant_access(member: Member, actor: Actor | None, via: str) -> None:
    """Remember that this API client enrolled or looked up this member: it may read it from now on."""
    if actor is not None and actor.client is not None:
        MemberAccess.objects.bulk_create(
            [MemberAccess(member=member, api_client=actor.client, via=via)], ignore_conflicts=True
        )


@transaction.atomic
def enroll_member(
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    phone: str | None = None,
    actor: Actor | None,
    marketing_consent: bool | None = None,
    language: str = "",
) -> Member:
    """Enrol a person (matched or created as a customer) with a new card. 409 `member_exists` when the
    email (or the profile it leads to) is already enrolled."""
    if not normalize_email(email):
        raise LoyaltyInvalid.on("email", "A member enrols with an email address.")
    customer, _ = get_or_create_customer(
        email, phone, first_name, last_name, marketing_consent, language=language, actor=actor
    )
    customer = locks.customer(customer.pk)
    if Member.objects.filter(customer=customer).exists():
        raise MemberExists(f"{normalize_email(email)} is already enrolled in the loyalty programme.")
    now = timezone.now()
    first_tier = tier_for(0, tiers())
    for _attempt in range(CARD_ATTEMPTS):
        try:
            with transaction.atomic():
                member = Member.objects.create(
                    customer=customer,
                    card_number=new_card_number(),
                    tier=first_tier,
                    tier_since=now,
                    enrolled_at=now,
                    enrolled_by_client=actor.client if actor else None,
                    enrolled_by_user=actor.user if actor else None,
                )
            break
        except IntegrityError:
            if Member.objects.filter(customer=customer).exists():
                raise MemberExists(
                    f"{normalize_email(email)} is already enrolled in the loyalty programme."
                ) from None
            # a card number drawn twice: draw again
    else:  # pragma: no cover - 10^10 numbers
        raise RuntimeError("Could not draw a free card number.")
    if first_tier is not None:
        TierChange.objects.create(
            member=member, to_tier=first_tier, qualifying_points=0, reason="enrolled", created_at=now
        )
    grant_access(member, actor, MemberAccess.Via.ENROLLED)
    return member


# --- Merging duplicates ----------------------------------------------------------------------------------


def _merge_consents(keep: Customer, merge: Customer, *, actor: Actor | None) -> None:
    """The person's latest statement wins: where the duplicate stated something on a purpose and channel
    later than `keep` (or `keep` never did), `keep` gets the same statement, dated when it was made, with
    source "merge" (the duplicate keeps its own history, which the export and the pages show)."""
    kept = {(s.purpose, s.channel): s.since for s in current_consents(keep)}
    for state in current_consents(merge):
        since = kept.get((state.purpose, state.channel))
        if since is None or since < state.since:
            write_consent_event(
                keep,
                purpose=state.purpose,
                channel=state.channel,
                granted=state.granted,
                source="merge",
                actor=actor,
                at=state.since,
            )


def _move_points(keep: Member, merge: Member, *, actor: Actor | None, now: datetime, audit_id: int) -> int:
    """Move every lot with points left from `merge` to `keep`, each keeping its expiry and pending date:
    one adjustment out of `merge` (drawing the lots) and one into `keep` (new lots, same dates)."""
    lots = locked_lots(merge, now=now, spendable_only=False)
    total = sum(lot.remaining for lot in lots)
    if total <= 0:
        return 0
    reason = f"Merged: member {merge.card_number} into {keep.card_number}"
    source = {"source_type": "merge", "source_id": str(audit_id)}
    moves = [(lot, lot.remaining) for lot in lots]
    out = write_entry(
        merge, LedgerKind.ADJUST, -total, actor=actor, now=now, reason=reason, source_line="out", **source
    )
    apply_draws(out, moves, now=now)
    into = write_entry(
        keep, LedgerKind.ADJUST, total, actor=actor, now=now, reason=reason, source_line="in", **source
    )
    PointsLot.objects.bulk_create(
        [
            PointsLot(
                member=keep,
                entry=into,
                points=points,
                remaining=points,
                created_at=now,
                available_at=lot.available_at,
                expires_at=lot.expires_at,
            )
            for lot, points in moves
        ]
    )
    return total


@transaction.atomic
def merge_customers(*, keep: Customer, merge: Customer, actor: Actor | None, reason: str) -> Customer:
    """Merge the duplicate `merge` into `keep` (audited). `merge` stays as a tombstone pointing at `keep`,
    so its email still finds the person. Its member's points move to `keep`'s member with their expiries
    (or, when `keep` has no member, that member simply moves over); its earns keep qualifying for tiers.
    Apps above loyalty move their own rows of the duplicate (carts: wishlist, open carts) on the
    `customers_merged` signal, in this transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise LoyaltyInvalid.on("reason", "Say why these customers are merged.")
    if keep.pk == merge.pk:
        raise LoyaltyInvalid.on("merge", "A customer cannot be merged into itself.")
    locked = locks.customers([keep.pk, merge.pk])
    keep, merge = locked[keep.pk], locked[merge.pk]
    for customer, name in ((keep, "keep"), (merge, "merge")):
        if not customer.is_active:
            raise LoyaltyInvalid.on(name, f"Customer {customer.pk} is already merged or erased.")
    now = timezone.now()
    audit = record_audit(
        action="loyalty.customers_merged",
        actor=actor,
        object_type="loyalty_customer",
        object_id=keep.pk,
        reason=reason,
        data={"merged_customer": merge.pk},
    )
    members = {m.customer_id: m for m in Member.objects.filter(customer__in=[keep, merge])}
    keep_member, merge_member = members.get(keep.pk), members.get(merge.pk)
    moved = 0
    if merge_member is not None and keep_member is None:
        Member.objects.filter(pk=merge_member.pk).update(customer=keep)
    elif merge_member is not None and keep_member is not None:
        locked_members = lock_members([keep_member.pk, merge_member.pk])
        keep_member, merge_member = locked_members[keep_member.pk], locked_members[merge_member.pk]
        moved = _move_points(keep_member, merge_member, actor=actor, now=now, audit_id=audit.pk)
        Member.objects.filter(merged_into=merge_member).update(merged_into=keep_member)
        Member.objects.filter(pk=merge_member.pk).update(status=MemberStatus.MERGED, merged_into=keep_member)
        accesses = MemberAccess.objects.filter(member=merge_member)
        MemberAccess.objects.bulk_create(
            [MemberAccess(member=keep_member, api_client_id=a.api_client_id, via=a.via) for a in accesses],
            ignore_conflicts=True,
        )
        update_tier(keep_member, reason=f"merged with member {merge_member.card_number}")
    changed: list[str] = []
    _fill_blanks(
        keep,
        {
            "phone": merge.phone,
            "first_name": merge.first_name,
            "last_name": merge.last_name,
            "language": merge.language,
        },
        changed,
    )
    if not keep.preferred_location_id and merge.preferred_location_id:
        keep.preferred_location_id = merge.preferred_location_id
        changed.append("preferred_location")
    if merge.sizes:
        sizes = {**merge.sizes, **keep.sizes}
        if sizes != keep.sizes:
            keep.sizes = sizes
            changed.append("sizes")
    _merge_consents(keep, merge, actor=actor)
    if changed:
        keep.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    Customer.objects.filter(merged_into=merge).update(merged_into=keep)
    merge.merged_into = keep
    merge.merged_at = now
    merge.save(update_fields=["merged_into", "merged_at", "updated_at"])
    customers_merged.send(sender=Customer, keep=keep, merged=merge)  # carts: wishlist and open carts follow
    audit.data = {**audit.data, "points_moved": moved, "members": [m.pk for m in members.values()]}
    audit.save(update_fields=["data"])
    return keep


# --- GDPR: export and erasure ---------------------------------------------------------------------------


def export_customer(customer: Customer) -> dict[str, Any]:
    """Everything Omni holds on this person (Art. 15/20 GDPR), as JSON-ready data: the profile and its
    merged duplicates, consent, card, points, tier history, every ledger entry and lot, and the orders and
    returns of every channel that carry one of the person's email addresses."""
    from loyalty.selectors import customer_export_data

    return customer_export_data(customer)


@transaction.atomic
def erase_customer(*, customer: Customer, actor: Actor | None, reason: str) -> Customer:
    """Anonymise the person (Art. 17 GDPR): blank every personal field and preference of the profile and
        of its merged duplicates, delete their consent history (so nothing is ever sent to them again),
        give the member a new random card number (the old card no longer leads anywhere) and
        forget which clients looked it up. The ledger stays as it is (append-only, with the member's totals),
        so the programme's books still add up; it holds no personal data beyond free-text reasons staff
        wrote. Apps with their own copy of the person (orders) erase it on the `customer_erased` signal, in
    the same transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise LoyaltyInvalid.on("reason", "Say why this customer is erased (e.g. the request's reference).")
    customer = root_of(locks.customer(customer.pk))
    if customer.erased_at is not None:
        return customer
    now = timezone.now()
    people = Customer.objects.filter(Q(pk=customer.pk) | Q(merged_into=customer))
    ids = list(people.values_list("pk", flat=True))
    contacts = list(people.values_list("email", "phone"))
    customer_erased.send(
        sender=Customer,
        customer_id=customer.pk,
        emails=sorted({e for e, _ in contacts if e}),
        phones=sorted({p for _, p in contacts if p}),
    )
    Customer.objects.filter(pk__in=ids).update(
        email="",
        phone="",
        first_name="",
        last_name="",
        language="",
        preferred_location=None,
        sizes={},
        erased_at=now,
        updated_at=now,
    )
    consents_erased = ConsentEvent.objects.filter(customer_id__in=ids).erase()
    members = locks.members_of_customers(ids)
    for member in members:
        for _attempt in range(CARD_ATTEMPTS):
            try:
                with transaction.atomic():
                    Member.objects.filter(pk=member.pk).update(
                        card_number=new_card_number(),
                        status=MemberStatus.ERASED if member.status == MemberStatus.ACTIVE else member.status,
                    )
                break
            except IntegrityError:
                continue
    member_ids = [m.pk for m in members]
    merged_member_ids = list(
        Member.objects.filter(merged_into_id__in=member_ids).values_list("pk", flat=True)
    )
    MemberAccess.objects.filter(member_id__in=member_ids + merged_member_ids).delete()
    ExpiryWarning.objects.filter(member_id__in=member_ids + merged_member_ids).update(to="")
    record_audit(
        action="loyalty.customer_erased",
        actor=actor,
        object_type="loyalty_customer",
        object_id=customer.pk,
        reason=reason,
        data={"customers": ids, "members": member_ids, "consent_events": consents_erased},
    )
    customer.refresh_from_db()
    return customer
