"""Expiry: the job (service, command with --as-of, Celery task), the warnings sent ahead once per lot in
the member's language, and tiers recounted as points age out of the window."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from loyalty.models import ExpiryWarning, LedgerEntry, PointsLot, TierChange
from loyalty.services import (
    adjust,
    earn_for_order,
    enroll_member,
    expire_points,
    redeem_for_order,
    refresh_tiers,
    send_expiry_warnings,
)
from loyalty.tasks import expire_points_task, refresh_tiers_task, send_expiry_warnings_task
from tests.inventory.factories import VariantFactory
from tests.loyalty.conftest import HQ, assert_books_balance
from tests.loyalty.factories import order_with_lines

pytestmark = pytest.mark.django_db


def test_lots_expire_on_their_own_date_once(member, clock):
    now = timezone.now()
    with clock.at(now - timedelta(days=300)):
        adjust(member=member, points=100, reason="old", actor=HQ)
    with clock.at(now - timedelta(days=100)):
        adjust(member=member, points=40, reason="newer", actor=HQ)
    old = PointsLot.objects.get(entry__reason="old")
    # not yet
    assert expire_points(as_of=old.expires_at - timedelta(seconds=1)) == 0
    redeem_for_order(
        order=order_with_lines(
            [(VariantFactory(price=Decimal("50.00")), 1)], customer_email=member.customer.email
        ),
        points=30,
        actor=HQ,
    )  # drawn from the old lot first: 70 left in it
    assert expire_points(as_of=old.expires_at) == 70
    expired = LedgerEntry.objects.get(kind="expire")
    assert expired.points == -70 and expired.source_id == str(old.pk) and expired.expires_at == old.expires_at
    old.refresh_from_db()
    assert old.remaining == 0 and old.expired_at is not None
    assert expire_points(as_of=old.expires_at + timedelta(days=1)) == 0  # once
    assert_books_balance(member)
    assert member.points_balance == 40


def test_the_command_takes_as_of_and_the_task_runs_the_same(member, clock):
    with clock.ago(days=500):
        adjust(member=member, points=25, reason="very old", actor=HQ)
    adjust(member=member, points=10, reason="fresh", actor=HQ)
    out = StringIO()
    call_command("expire_points", "--as-of", (timezone.now() - timedelta(days=200)).isoformat(), stdout=out)
    assert "Expired 0 points" in out.getvalue()  # as of 200 days ago nothing had expired yet
    call_command("expire_points", "--as-of", timezone.now().date().isoformat() + "T23:59:59", stdout=out)
    assert "Expired 25 points" in out.getvalue()
    assert expire_points_task.delay().get() == 0
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("expire_points", "--as-of", "yesterday")
    member.refresh_from_db()
    assert member.points_balance == 10


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("it", "150 punti stanno per scadere", "iniziano a scadere"),
        ("en", "150 points expire soon", "start expiring"),
    ],
)
def test_a_warning_is_emailed_ahead_once_per_lot_in_the_members_language(
    clock, django_capture_on_commit_callbacks, language, subject, body
):
    member = enroll_member(
        email="w@example.it",
        first_name="Wanda",
        last_name="",
        actor=HQ,
        language=language,
        marketing_consent=True,  # the warning is marketing by email (tests/loyalty/test_consent.py)
    )
    with clock.ago(days=345):
        adjust(member=member, points=100, reason="a", actor=HQ)  # expires in ~20 days
    with clock.ago(days=340):
        adjust(member=member, points=50, reason="b", actor=HQ)  # in ~25 days
    adjust(member=member, points=70, reason="c", actor=HQ)  # in a year: not yet
    with django_capture_on_commit_callbacks(execute=True):
        assert send_expiry_warnings() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["w@example.it"] and message.subject == subject
    assert (
        body in message.body
        and member.card_number in message.body
        and "1.50" in message.body.replace(",", ".")
    )
    html, mime = message.alternatives[0]
    assert mime == "text/html" and member.card_number in html
    warning = ExpiryWarning.objects.get()
    assert warning.points == 150 and warning.sent_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert send_expiry_warnings() == 0
        assert send_expiry_warnings_task.delay().get() == 0
    assert len(mail.outbox) == 1
    assert PointsLot.objects.filter(warning__isnull=True, remaining__gt=0).count() == 1  # the fresh one


def test_tiers_fall_as_qualifying_points_age_out(clock):
    member = enroll_member(email="t@example.it", first_name="T", last_name="", actor=HQ)
    with clock.ago(days=300):
        earn_for_order(
            order=order_with_lines(
                [(VariantFactory(price=Decimal("1200.00")), 1)], customer_email="t@example.it"
            )
        )
    member.refresh_from_db()
    assert member.tier.code == "silver"
    assert refresh_tiers() == 0
    assert refresh_tiers_task.delay().get() == 0
    with clock.at(timezone.now() + timedelta(days=70)):  # the earn is now over 12 months old
        assert refresh_tiers() == 1
    member.refresh_from_db()
    assert member.tier.code == "bronze"
    change = TierChange.objects.filter(member=member).order_by("-id").first()
    assert change.from_tier.code == "silver" and change.qualifying_points == 0
