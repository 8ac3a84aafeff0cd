"""Expiry: every lot expires on its own date (LOYALTY_POINTS_EXPIRY_MONTHS after it was earned). The
daily job writes one `expire` entry per lot with points left, drawing them; a member is warned by email
LOYALTY_EXPIRY_WARNING_DAYS ahead, once per lot (one email gathers every lot due in the window).

Consent: every message Omni sends to a customer, order emails excepted (they are the service itself),
checks the person's consent for its purpose and channel (loyalty.selectors.consent). The expiry warning
is marketing by email: members without that consent are not warned (their lots stay unwarned, so a
consent given later lets the next run warn them), and the consent is checked again when the email goes.

Both jobs work member by member, each in its own short transaction under the member's lock, so a long run
never holds many locks, and a second run (or two at once) finds nothing left to do."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from loyalty import conf, locks
from loyalty.models import (
    ConsentChannel,
    ConsentPurpose,
    ExpiryWarning,
    LedgerKind,
    MemberStatus,
    PointsLot,
)
from loyalty.selectors.consent import has_consent, latest_consent
from loyalty.services.ledger import EntrySpec, apply_draws, lock_member, write_entries
from omni import outbox
from omni.emails import render_email

logger = logging.getLogger(__name__)

# what the expiry warning is, for consent: marketing, by email
WARNING_CONSENT = (ConsentPurpose.MARKETING.value, ConsentChannel.EMAIL.value)


def _due(as_of: datetime):  # type: ignore[no-untyped-def]
    return PointsLot.objects.filter(expires_at__lte=as_of, expired_at__isnull=True, remaining__gt=0)


@transaction.atomic
def _expire_member(member_id: int, as_of: datetime) -> int:
    member = lock_member(member_id)
    lots = locks.lots(_due(as_of).filter(member=member), "expires_at", "id")
    if not lots:
        return 0
    now = timezone.now()
    specs = [
        EntrySpec(
            LedgerKind.EXPIRE,
            -lot.remaining,
            {
                "source_type": "lot",
                "source_id": str(lot.pk),
                "expires_at": lot.expires_at,
                "reason": f"Expired: points of {timezone.localtime(lot.created_at):%Y-%m-%d}",
            },
        )
        for lot in lots
    ]
    entries = write_entries(member, specs, actor=None, now=now)
    total = 0
    for entry, lot in zip(entries, lots, strict=True):
        total += lot.remaining
        apply_draws(entry, [(lot, lot.remaining)], now=now)
        lot.expired_at = now
    PointsLot.objects.bulk_update(lots, ["expired_at"])
    return total


def expire_points(*, as_of: datetime | None = None) -> int:
    """Expire every lot whose date has come (`as_of`, default now). Returns the points expired."""
    as_of = as_of or timezone.now()
    member_ids = sorted(set(_due(as_of).values_list("member_id", flat=True)))
    total = sum(_expire_member(member_id, as_of) for member_id in member_ids)
    # lots spent to the last point before their date: nothing to expire, only mark them
    PointsLot.objects.filter(expires_at__lte=as_of, expired_at__isnull=True, remaining=0).update(
        expired_at=timezone.now()
    )
    return total


# --- Warnings -------------------------------------------------------------------------------------------


def _to_warn(as_of: datetime):  # type: ignore[no-untyped-def]
    horizon = as_of + timedelta(days=conf.expiry_warning_days())
    lots = PointsLot.objects.filter(
        expires_at__gt=as_of,
        expires_at__lte=horizon,
        expired_at__isnull=True,
        remaining__gt=0,
        warning__isnull=True,
        member__status=MemberStatus.ACTIVE,
    ).exclude(member__customer__email="")
    return lots.alias(consent=latest_consent("member__customer_id", *WARNING_CONSENT)).filter(consent=True)


@transaction.atomic
def _warn_member(member_id: int, as_of: datetime) -> ExpiryWarning | None:
    member = lock_member(member_id)
    lots = locks.lots(_to_warn(as_of).filter(member=member), "expires_at")
    if not lots:
        return None
    warning = ExpiryWarning.objects.create(
        member=member,
        points=sum(lot.remaining for lot in lots),
        expires_at=lots[0].expires_at,
        to=member.customer.email,
    )
    PointsLot.objects.filter(pk__in=[lot.pk for lot in lots]).update(warning=warning)
    outbox.enqueue("loyalty.tasks.send_expiry_warning_task", warning.pk)
    return warning


def send_expiry_warnings(*, as_of: datetime | None = None) -> int:
    """Gather, per member, the lots expiring within LOYALTY_EXPIRY_WARNING_DAYS of `as_of` not yet warned
    about, and queue one email for them (after commit). Returns the number of emails queued."""
    as_of = as_of or timezone.now()
    member_ids = sorted(set(_to_warn(as_of).values_list("member_id", flat=True)))
    return sum(1 for member_id in member_ids if _warn_member(member_id, as_of) is not None)


def render_expiry_warning(warning: ExpiryWarning, language: str) -> tuple[str, str, str]:
    member = warning.member
    customer = member.customer
    context = {
        "warning": warning,
        "member": member,
        "customer": customer,
        "points": warning.points,
        "expires_at": timezone.localtime(warning.expires_at),
        "value": (Decimal(warning.points) / conf.points_per_euro_redeemed()).quantize(
            Decimal("0.01"), ROUND_DOWN
        ),
        "points_per_euro": conf.points_per_euro_redeemed(),
        "site_name": "Omni",
    }
    return render_email("loyalty/email/expiry_warning", context, language=language)


def deliver_expiry_warning(warning_id: int) -> bool:
    """Send one warning unless it went already (its row is locked while sending, so two runs of the task
    never both send it). Returns whether it was sent now."""
    with transaction.atomic():
        warning = locks.expiry_warning(warning_id)
        if warning is None or warning.sent_at is not None:
            return False
        customer = warning.member.customer
        if not customer.email or warning.member.status != MemberStatus.ACTIVE:
            return False
        if not has_consent(customer, *WARNING_CONSENT):  # withdrawn since it was queued
            return False
        language = customer.language or conf.customer_language()
        subject, text, html = render_expiry_warning(warning, language)
        message = EmailMultiAlternatives(subject, text, None, [customer.email])
        message.attach_alternative(html, "text/html")
        message.send()
        warning.sent_at = timezone.now()
        warning.to = customer.email
        warning.save(update_fields=["sent_at", "to"])
    return True
