"""Invitations (feedback.services.invitations): each touchpoint invited once, only with the consent for
feedback by email, at most one email per customer per period (also when two facts are handled at once), the
email through the outbox with its link, and the scan run again inviting nothing twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from feedback.links import invitation_from_token
from feedback.models import Invitation, InvitationChannel, Touchpoint
from feedback.services.invitations import facts_to_invite, find_and_invite, invite
from loyalty.services.consent import record_consent
from loyalty.services.customers import erase_customer, merge_customers
from tests.feedback.invite_helpers import (
    HQ,
    appointment,
    customer,
    delivery,
    email_invitations,
    pickup,
    return_of,
    store,
    till_sale,
)

pytestmark = pytest.mark.django_db


def run(capture, as_of: dt.datetime | None = None) -> int:  # type: ignore[no-untyped-def]
    """The beat job, with its outbox messages (the emails) run after commit as a worker would."""
    with capture(execute=True):
        return find_and_invite(as_of=as_of)


@pytest.fixture
def milano():  # type: ignore[no-untyped-def]
    return store()


def test_each_touchpoint_is_invited_once_with_its_key(django_capture_on_commit_callbacks, milano, settings):
    settings.FEEDBACK_INVITATION_PERIOD_DAYS = 0  # no fatigue here: one person, five touchpoints
    now = timezone.now()
    customer()
    collected = pickup(milano)
    shipped = delivery(shipped_at=now - dt.timedelta(hours=80))  # 72 h later it counts as arrived
    returned = return_of(pickup(milano, at=now - dt.timedelta(days=3)), milano)
    sale = till_sale(milano)
    visit = appointment(milano)

    made = run(django_capture_on_commit_callbacks)

    keys = {i.source_key: i for i in email_invitations()}
    expected = {
        f"pickup:{collected.number}": Touchpoint.PICKUP,
        f"delivery:{shipped.number}": Touchpoint.DELIVERY,
        f"return:{returned.number}": Touchpoint.RETURN,
        f"till:{sale.number}": Touchpoint.STORE,
        f"appointment:{visit.pk}": Touchpoint.APPOINTMENT,
        f"pickup:{returned.order.number}": Touchpoint.PICKUP,  # the returned order was a pickup too
    }
    assert made == 6
    assert {k: i.touchpoint for k, i in keys.items()} == expected
    assert keys[f"return:{returned.number}"].return_record_id == returned.pk
    assert keys[f"appointment:{visit.pk}"].appointment_id == visit.pk
    assert keys[f"pickup:{collected.number}"].location_id == milano.pk
    # the delivery's fact is its arrival: shipped + FEEDBACK_DELIVERY_DELAY_HOURS
    assert keys[f"delivery:{shipped.number}"].occurred_at == shipped.shipped_at + dt.timedelta(hours=72)
    assert len(mail.outbox) == 6

    # the scan again: nothing new, nothing sent twice
    assert run(django_capture_on_commit_callbacks) == 0
    assert len(email_invitations()) == 6 and len(mail.outbox) == 6


def test_a_delivery_is_invited_only_once_the_delay_has_passed(django_capture_on_commit_callbacks, settings):
    now = timezone.now()
    customer()
    order = delivery(shipped_at=now - dt.timedelta(hours=71))
    assert run(django_capture_on_commit_callbacks, as_of=now) == 0
    assert run(django_capture_on_commit_callbacks, as_of=now + dt.timedelta(hours=1, seconds=1)) == 1
    assert email_invitations()[0].source_key == f"delivery:{order.number}"


def test_facts_outside_the_window_or_not_done_are_not_invited(django_capture_on_commit_callbacks, milano):
    now = timezone.now()
    customer()
    pickup(milano, at=now - dt.timedelta(days=7, minutes=1))  # older than FEEDBACK_LOOKBACK_DAYS
    pickup(milano, status="placed", completed_at=None, at=now)  # not collected yet
    delivery(shipped_at=now - dt.timedelta(hours=90), status="cancelled")  # cancelled after shipping (sic)
    till_sale(milano, email="")  # anonymous sale
    assert run(django_capture_on_commit_callbacks, as_of=now) == 0
    assert facts_to_invite(now) == []


@pytest.mark.parametrize("consent", [None, False])
def test_no_consent_or_withdrawn_consent_no_invitation(django_capture_on_commit_callbacks, milano, consent):
    customer(consent=consent)
    pickup(milano)
    assert run(django_capture_on_commit_callbacks) == 0
    assert Invitation.objects.count() == 0 and mail.outbox == []


@pytest.mark.parametrize(("purpose", "channel"), [("feedback", "sms"), ("marketing", "email")])
def test_consent_for_another_channel_or_purpose_is_not_enough(
    django_capture_on_commit_callbacks, milano, purpose, channel
):
    person = customer(consent=None)
    record_consent(customer=person, purpose=purpose, channel=channel, granted=True, actor=HQ)
    pickup(milano)
    assert run(django_capture_on_commit_callbacks) == 0
    assert Invitation.objects.count() == 0


def test_a_guest_without_a_profile_is_not_invited(django_capture_on_commit_callbacks, milano):
    pickup(milano, email="guest@example.it")
    assert run(django_capture_on_commit_callbacks) == 0


def test_an_erased_customer_is_not_invited(django_capture_on_commit_callbacks, milano):
    person = customer()
    order = pickup(milano)
    erase_customer(customer=person, actor=HQ, reason="Art. 17 request")
    order.refresh_from_db()
    assert run(django_capture_on_commit_callbacks) == 0
    assert Invitation.objects.count() == 0


def test_a_merged_duplicates_email_leads_to_the_kept_profile(django_capture_on_commit_callbacks, milano):
    kept = customer("giulia@example.it")
    duplicate = customer("g.rossi@example.it", consent=None)
    merge_customers(keep=kept, merge=duplicate, actor=HQ, reason="same person")
    pickup(milano, email="g.rossi@example.it")
    assert run(django_capture_on_commit_callbacks) == 1
    only = email_invitations()[0]
    assert only.customer_id == kept.pk and only.email == "giulia@example.it"
    assert mail.outbox[0].to == ["giulia@example.it"]


def test_one_email_per_customer_per_period_and_its_boundary(
    django_capture_on_commit_callbacks, milano, settings
):
    settings.FEEDBACK_LOOKBACK_DAYS = 60
    settings.FEEDBACK_LINK_DAYS = 60  # the first link still good when its email goes, today
    start = timezone.now() - dt.timedelta(days=40)
    customer()
    first = pickup(milano, at=start)
    second = pickup(milano, at=start + dt.timedelta(days=1))
    assert run(django_capture_on_commit_callbacks, as_of=start + dt.timedelta(hours=1)) == 1
    assert email_invitations()[0].source_key == f"pickup:{first.number}"
    # within the 30 days: nothing, however many runs
    assert run(django_capture_on_commit_callbacks, as_of=start + dt.timedelta(days=2)) == 0
    boundary = start + dt.timedelta(hours=1, days=30)
    assert run(django_capture_on_commit_callbacks, as_of=boundary - dt.timedelta(seconds=1)) == 0
    # exactly 30 days after the first invitation: the next fact may be invited
    assert run(django_capture_on_commit_callbacks, as_of=boundary) == 1
    assert email_invitations()[1].source_key == f"pickup:{second.number}"
    assert len(mail.outbox) == 2


def test_a_receipt_invitation_does_not_count_towards_the_period(django_capture_on_commit_callbacks, milano):
    from feedback.services.invitations import receipt_invitation

    customer()
    sale = till_sale(milano)
    printed = receipt_invitation(sale)
    assert printed is not None and printed.channel == InvitationChannel.RECEIPT
    pickup(milano)
    assert run(django_capture_on_commit_callbacks) == 1  # till:<sale> or the pickup, one of the two
    assert len(email_invitations()) == 1


def test_the_email_goes_through_the_outbox_with_the_link(
    django_capture_on_commit_callbacks, milano, settings
):
    settings.OMNI_BASE_URL = "https://shop.example"
    customer(language="en")
    order = pickup(milano)
    assert run(django_capture_on_commit_callbacks) == 1
    sent = email_invitations()[0]
    assert sent.sent_at is not None and sent.language == "en"
    message = mail.outbox[0]
    assert message.to == ["giulia@example.it"]
    assert message.subject == "How was your visit to Milano Duomo?"
    link = next(word for word in message.body.split() if word.startswith("https://shop.example/feedback/s/"))
    token = link.removeprefix("https://shop.example/feedback/s/").rstrip("/")
    assert invitation_from_token(token).pk == sent.pk
    assert link in message.alternatives[0][0]
    # the store and the date only: never the name, the order or what was bought
    assert "Giulia" not in message.body and order.number not in message.body
    assert timezone.localtime(order.completed_at).strftime("%Y") in message.body


def test_the_email_is_in_italian_by_default(django_capture_on_commit_callbacks, milano):
    customer(language="")
    pickup(milano)
    run(django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject == "Com'è andata la tua visita a Milano Duomo?"


def test_consent_withdrawn_before_sending_sends_nothing(django_capture_on_commit_callbacks, milano):
    from feedback.services.invitations import deliver_invitation

    person = customer()
    pickup(milano)
    find_and_invite()  # queued; not sent (the outbox runs after commit, not captured here)
    made = email_invitations()[0]
    record_consent(customer=person, purpose="feedback", channel="email", granted=False, actor=HQ)
    assert deliver_invitation(str(made.pk)) is False
    made.refresh_from_db()
    assert made.sent_at is None and mail.outbox == []


def test_the_task_sends_once(django_capture_on_commit_callbacks, milano):
    from feedback.tasks import send_invitation_task

    customer()
    pickup(milano)
    run(django_capture_on_commit_callbacks)
    made = email_invitations()[0]
    assert send_invitation_task.run(str(made.pk)) is False  # sent already by the outbox
    assert len(mail.outbox) == 1


def test_the_command_runs_as_of_a_time(milano, capsys):
    customer()
    pickup(milano, at=timezone.now() - dt.timedelta(days=10))
    call_command("invite_feedback", "--as-of", (timezone.now() - dt.timedelta(days=11)).isoformat())
    assert "0 invitation(s)" in capsys.readouterr().out  # before the pickup
    call_command("invite_feedback", "--as-of", (timezone.now() - dt.timedelta(days=9)).isoformat())
    assert "1 invitation(s)" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_two_facts_of_one_customer_at_once_make_one_invitation():
    """Two workers invite about two facts of the same person at the same moment: the customer's row lock
    lets one in first; the other then sees its invitation and the period rule refuses."""
    milano = store()
    customer()
    facts = [*facts_to_invite(timezone.now())]
    assert facts == []
    pickup(milano)
    return_of(till_sale(milano, email="other@example.it"), milano)  # another person's, no profile
    till_sale(milano)
    now = timezone.now()
    facts = facts_to_invite(now)
    assert len(facts) == 2
    barrier = threading.Barrier(2)
    results: list[object] = []
    errors: list[BaseException] = []

    def worker(fact) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            results.append(invite(fact, as_of=now))
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(fact,)) for fact in facts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sum(1 for r in results if r is not None) == 1
    assert Invitation.objects.filter(channel=InvitationChannel.EMAIL).count() == 1


def test_a_till_sale_answered_by_its_receipt_is_not_asked_again(django_capture_on_commit_callbacks, milano):
    from feedback.services.invitations import receipt_invitation
    from feedback.services.responses import record_response

    customer()
    sale = till_sale(milano)
    printed = receipt_invitation(sale)
    assert printed is not None
    record_response(invitation=printed, touchpoint="store", nps=9)
    assert run(django_capture_on_commit_callbacks) == 0
    assert email_invitations() == []
