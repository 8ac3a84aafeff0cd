"""Invitations to the survey: the job that finds the touchpoints to ask about and emails one invitation for
each (consent and the fatigue rule permitting), and the invitation a printed receipt carries.

Rules (docs/FEEDBACK.md, "Invitations and the survey page"):
- One fact, at most one invitation: `Invitation.source_key` is unique ("pickup:<order>", "delivery:<order>",
  "return:<return>", "till:<order>", "appointment:<uuid>", and "receipt:<order>" for the printed QR code).
- The facts (`find_and_invite`): pickups collected, deliveries shipped FEEDBACK_DELIVERY_DELAY_HOURS ago
  (then they count as arrived), returns received, identified till sales (a carried-out store sale with the
  customer's email) and appointments completed, that happened in the FEEDBACK_LOOKBACK_DAYS before `as_of`.
- An email goes only to a loyalty Customer (the one the fact's email leads to, the root of a merged
  profile, never an erased one) whose latest statement on `feedback` by `email` grants it, and at most one
  per customer per FEEDBACK_INVITATION_PERIOD_DAYS: checked in one transaction holding the customer's row
  (loyalty.locks.customer), so two facts of one person handled at once make one invitation.
- A fact skipped (no consent, fatigue) is not invited and not recorded: the next run looks again while the
  fact is in the window, so a consent given the day after still counts. The scan is bounded: the window,
  SQL filters that leave out facts already invited and customers without consent or invited in the period,
  and at most MAX_FACTS_PER_KIND facts of each kind per run (the oldest first; the rest go next run).
- The email is written to the outbox (omni.outbox) in the invitation's transaction and sent by
  `feedback.tasks.send_invitation_task`, which locks the invitation, asks the consent again and records
  `sent_at`: sent at most once.
- A printed receipt's invitation (`receipt_invitation`) needs no consent: nothing is sent to anyone, the
  customer holds the paper and decides; it does not count towards the emailed invitations' period."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import (
    CharField,
    Exists,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from feedback.links import absolute_url, survey_url
from feedback.models import Invitation, InvitationChannel, Touchpoint
from loyalty import conf as loyalty_conf
from loyalty import locks as loyalty_locks
from loyalty.contacts import normalize_email
from loyalty.models import Customer
from loyalty.selectors.consent import has_consent, latest_consent
from loyalty.selectors.merged import root_of
from omni import outbox
from omni.emails import render_email
from orders.models import Channel, FulfilmentType, Order, OrderStatus, Return
from stores.selectors.slots import location_zone

PURPOSE, CHANNEL = "feedback", "email"
SEND_TASK = "feedback.tasks.send_invitation_task"
MAX_FACTS_PER_KIND = 1000

_M = TypeVar("_M", bound=Model)


def period() -> dt.timedelta:
    return dt.timedelta(days=settings.FEEDBACK_INVITATION_PERIOD_DAYS)


def link_lifetime() -> dt.timedelta:
    return dt.timedelta(days=settings.FEEDBACK_LINK_DAYS)


def delivery_delay() -> dt.timedelta:
    return dt.timedelta(hours=settings.FEEDBACK_DELIVERY_DELAY_HOURS)


def lookback() -> dt.timedelta:
    return dt.timedelta(days=settings.FEEDBACK_LOOKBACK_DAYS)


@dataclass(frozen=True)
class Fact:
    """One touchpoint that may be invited to: what the invitation is about and whom it may go to."""

    source_key: str
    touchpoint: str
    occurred_at: dt.datetime
    email: str
    location_id: int | None = None
    order_id: int | None = None
    return_id: int | None = None
    appointment_id: uuid.UUID | None = None
    customer_id: int | None = None  # an appointment's own link to the person
    language: str = ""


# --- Finding the facts --------------------------------------------------------------------------------------


def _at(value: dt.datetime | None) -> dt.datetime:
    """A time the query's filter made sure of (the column is nullable, the rows read are not NULL)."""
    return cast(dt.datetime, value)


def _profile_of_email(email_field: str) -> Subquery:
    """The profile (a merged duplicate's: the kept one) of the outer row's email, as an id."""
    found = Customer.objects.filter(email=OuterRef(email_field)).values(root=Coalesce("merged_into_id", "pk"))
    return Subquery(found[:1], output_field=IntegerField())


def _may_email(qs: QuerySet[_M], person: Any, as_of: dt.datetime) -> QuerySet[_M]:
    """The pre-filter of the facts (`person`: the expression of the fact's profile id): the profile's latest
    statement on feedback by email grants it, and it was not emailed an invitation in the period before
    `as_of`. Row by row from the window's facts, on the consent's and the fatigue rule's indexes:
    the cost follows the facts, not the number of customers. The rules are checked again under the
    customer's lock (`invite`)."""
    recent = Invitation.objects.filter(
        customer_id=OuterRef("fb_person"),
        channel=InvitationChannel.EMAIL,
        created_at__gt=as_of - period(),
    )
    return (
        qs.alias(fb_person=person)
        .alias(fb_consent=latest_consent("fb_person", PURPOSE, CHANNEL))
        .filter(fb_consent=True)
        .filter(~Exists(recent))
    )


def _not_invited(prefix: str, field: str) -> Q:
    key = Concat(Value(prefix), Cast(OuterRef(field), CharField()), output_field=CharField())
    return ~Q(Exists(Invitation.objects.filter(source_key=key)))


def _orders(as_of: dt.datetime) -> QuerySet[Order]:
    return _may_email(Order.objects.exclude(customer_email=""), _profile_of_email("customer_email"), as_of)


def _pickups(as_of: dt.datetime) -> list[Fact]:
    rows = (
        _orders(as_of)
        .filter(
            fulfilment_type=FulfilmentType.PICKUP,
            status=OrderStatus.COLLECTED,
            completed_at__gt=as_of - lookback(),
            completed_at__lte=as_of,
        )
        .filter(_not_invited("pickup:", "number"))
        .order_by("completed_at", "pk")
        .values_list("pk", "number", "completed_at", "customer_email", "location_id")[:MAX_FACTS_PER_KIND]
    )
    return [
        Fact(f"pickup:{number}", Touchpoint.PICKUP, _at(at), email, location_id=location_id, order_id=pk)
        for pk, number, at, email, location_id in rows
    ]


def _deliveries(as_of: dt.datetime) -> list[Fact]:
    """Delivery orders that shipped FEEDBACK_DELIVERY_DELAY_HOURS or more before `as_of`: by then they have
    arrived; the fact's time is that arrival (shipped + the delay), which must fall in the window."""
    delay = delivery_delay()
    rows = (
        _orders(as_of)
        .filter(
            fulfilment_type=FulfilmentType.DELIVERY,
            shipped_at__gt=as_of - lookback() - delay,
            shipped_at__lte=as_of - delay,
        )
        .exclude(status=OrderStatus.CANCELLED)
        .filter(_not_invited("delivery:", "number"))
        .order_by("shipped_at", "pk")
        .values_list("pk", "number", "shipped_at", "customer_email", "location_id")[:MAX_FACTS_PER_KIND]
    )
    return [
        Fact(
            f"delivery:{number}",
            Touchpoint.DELIVERY,
            _at(shipped) + delay,
            email,
            location_id=loc,
            order_id=pk,
        )
        for pk, number, shipped, email, loc in rows
    ]


def _returns(as_of: dt.datetime) -> list[Fact]:
    rows = (
        _may_email(Return.objects.all(), _profile_of_email("order__customer_email"), as_of)
        .filter(created_at__gt=as_of - lookback(), created_at__lte=as_of)
        .filter(_not_invited("return:", "number"))
        .order_by("created_at", "pk")
        .values_list("pk", "number", "created_at", "order__customer_email", "location_id", "order_id")[
            :MAX_FACTS_PER_KIND
        ]
    )
    return [
        Fact(
            f"return:{number}", Touchpoint.RETURN, at, email, location_id=loc, order_id=order_id, return_id=pk
        )
        for pk, number, at, email, loc, order_id in rows
    ]


def _till_sales(as_of: dt.datetime) -> list[Fact]:
    """Sales carried out at a store's till that name the customer (their email). A sale whose receipt's QR
    code was answered already is not asked about again."""
    receipt_answered = Exists(
        Invitation.objects.filter(
            source_key=Concat(Value("receipt:"), OuterRef("number"), output_field=CharField()),
            responded_at__isnull=False,
        )
    )
    rows = (
        _orders(as_of)
        .filter(
            fulfilment_type=FulfilmentType.CARRY_OUT,
            channel=Channel.STORE,
            status=OrderStatus.COMPLETED,
            # a till sale is completed as it is placed: created_at (indexed with the channel) bounds the scan
            created_at__gt=as_of - lookback() - dt.timedelta(minutes=5),
            completed_at__gt=as_of - lookback(),
            completed_at__lte=as_of,
        )
        .exclude(customer_email="")
        .filter(_not_invited("till:", "number"))
        .exclude(receipt_answered)
        .order_by("completed_at", "pk")
        .values_list("pk", "number", "completed_at", "customer_email", "location_id")[:MAX_FACTS_PER_KIND]
    )
    return [
        Fact(f"till:{number}", Touchpoint.STORE, _at(at), email, location_id=location_id, order_id=pk)
        for pk, number, at, email, location_id in rows
    ]


def _appointments(as_of: dt.datetime) -> list[Fact]:
    linked = Customer.objects.filter(pk=OuterRef("customer_id")).values(root=Coalesce("merged_into_id", "pk"))
    person = Coalesce(Subquery(linked[:1], output_field=IntegerField()), _profile_of_email("customer_email"))
    rows = (
        _may_email(Appointment.objects.all(), person, as_of)
        .filter(status=AppointmentStatus.COMPLETED, closed_at__gt=as_of - lookback(), closed_at__lte=as_of)
        .filter(_not_invited("appointment:", "pk"))
        .order_by("closed_at", "pk")
        .values_list("pk", "closed_at", "customer_email", "location_id", "customer_id", "language")[
            :MAX_FACTS_PER_KIND
        ]
    )
    return [
        Fact(
            f"appointment:{pk}",
            Touchpoint.APPOINTMENT,
            _at(at),
            email,
            location_id=location_id,
            appointment_id=pk,
            customer_id=customer_id,
            language=language,
        )
        for pk, at, email, location_id, customer_id, language in rows
    ]


def facts_to_invite(as_of: dt.datetime) -> list[Fact]:
    """Every fact of the window not invited yet whose customer may be emailed, oldest first."""
    facts = [
        *_pickups(as_of),
        *_deliveries(as_of),
        *_returns(as_of),
        *_till_sales(as_of),
        *_appointments(as_of),
    ]
    return sorted(facts, key=lambda fact: (fact.occurred_at, fact.source_key))


# --- Inviting -----------------------------------------------------------------------------------------------


def _person(fact: Fact) -> Customer | None:
    """The profile the fact leads to: the appointment's customer, else the one of its email; the root of a
    merged duplicate; None when there is none or it was erased."""
    found = None
    if fact.customer_id is not None:
        found = Customer.objects.filter(pk=fact.customer_id).first()
    email = normalize_email(fact.email)
    if found is None and email:
        found = Customer.objects.filter(email=email).first()
    if found is None:
        return None
    person = root_of(found)
    return None if person.erased_at is not None else person


def _locked_person(person: Customer) -> Customer | None:
    locked = loyalty_locks.customer(person.pk)
    if locked.merged_into_id is not None:  # merged while we waited for the lock
        locked = loyalty_locks.customer(root_of(locked).pk)
    return None if locked.erased_at is not None else locked


def invited_recently(person: Customer, as_of: dt.datetime) -> bool:
    """Whether this person (or a duplicate merged into it) was emailed an invitation in the period before
    `as_of`: an invitation made exactly FEEDBACK_INVITATION_PERIOD_DAYS before no longer counts."""
    return Invitation.objects.filter(
        Q(customer=person) | Q(customer__merged_into=person),
        channel=InvitationChannel.EMAIL,
        created_at__gt=as_of - period(),
    ).exists()


@transaction.atomic
def invite(fact: Fact, *, as_of: dt.datetime) -> Invitation | None:
    """Email an invitation about this fact (after commit, through the outbox) when every rule allows it;
    None when one does not (the fact is left for a later run while it is in the window)."""
    person = _person(fact)
    if person is None:
        return None
    person = _locked_person(person)  # every invitation of this person waits here
    if person is None:
        return None
    email = person.email or normalize_email(fact.email)
    if (
        not email
        or Invitation.objects.filter(source_key=fact.source_key).exists()
        or not has_consent(person, PURPOSE, CHANNEL)
        or invited_recently(person, as_of)
    ):
        return None
    invitation = Invitation.objects.create(
        touchpoint=fact.touchpoint,
        channel=InvitationChannel.EMAIL,
        source_key=fact.source_key,
        customer=person,
        email=email,
        language=person.language or fact.language or loyalty_conf.customer_language(),
        location_id=fact.location_id,
        order_id=fact.order_id,
        return_record_id=fact.return_id,
        appointment_id=fact.appointment_id,
        occurred_at=fact.occurred_at,
        created_at=as_of,
        expires_at=as_of + link_lifetime(),
    )
    outbox.enqueue(SEND_TASK, str(invitation.pk))
    return invitation


def find_and_invite(*, as_of: dt.datetime | None = None) -> int:
    """Invite to the survey about every fact of the last FEEDBACK_LOOKBACK_DAYS that may be invited to,
    each in its own short transaction. Returns the number of invitations made. Running it again (or twice
    at once) invites nothing twice."""
    as_of = as_of or timezone.now()
    return sum(1 for fact in facts_to_invite(as_of) if invite(fact, as_of=as_of) is not None)


# --- The email ----------------------------------------------------------------------------------------------


def _zone(invitation: Invitation) -> ZoneInfo | None:
    return location_zone(invitation.location) if invitation.location is not None else None


def render_invitation(invitation: Invitation) -> tuple[str, str, str]:
    """(subject, text, html) of the invitation's email, in its language: the store, the date and the link,
    nothing else about the customer or the order."""
    zone = _zone(invitation)
    context = {
        "invitation": invitation,
        "store": invitation.location.name if invitation.location is not None else "",
        "date": timezone.localtime(invitation.occurred_at, zone),
        "link": absolute_url(survey_url(invitation)),
        "expires": timezone.localtime(invitation.expires_at, zone),
        "site_name": "Omni",
    }
    language = invitation.language or loyalty_conf.customer_language()
    return render_email("feedback/email/invitation", context, language=language, zone=zone)


def _locked_invitation(invitation_id: str) -> Invitation | None:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("location", "customer")
        .filter(pk=invitation_id)
        .first()
    )


def deliver_invitation(invitation_id: str) -> bool:
    """Send one invitation's email unless it went already, was answered, expired, or may not go any more
    (the consent withdrawn, the person erased). Its row is locked while sending, so two runs of the task
    never both send it. Returns whether it was sent now."""
    with transaction.atomic():
        invitation = _locked_invitation(invitation_id)
        now = timezone.now()
        if (
            invitation is None
            or invitation.channel != InvitationChannel.EMAIL
            or invitation.sent_at is not None
            or invitation.responded_at is not None
            or invitation.expires_at <= now
            or not invitation.email
            or invitation.customer is None
            or not has_consent(invitation.customer, PURPOSE, CHANNEL)
        ):
            return False
        subject, text, html = render_invitation(invitation)
        message = EmailMultiAlternatives(subject, text, None, [invitation.email])
        message.attach_alternative(html, "text/html")
        message.send()
        invitation.sent_at = now
        invitation.save(update_fields=["sent_at"])
    return True


# --- The printed receipt ------------------------------------------------------------------------------------


def _receipt_customer(order: Order) -> Customer | None:
    email = normalize_email(order.customer_email)
    found = Customer.objects.filter(email=email).first() if email else None
    if found is None:
        return None
    person = root_of(found)
    return None if person.erased_at is not None else person


def receipt_invitation(order: Order) -> Invitation | None:
    """The invitation a sale's printed receipt carries (made the first time the receipt is shown, the same
    one every reprint): about the store touchpoint of a completed sale carried out at a store's till. No
    consent is asked: nothing is sent, the QR code is on the customer's own paper. None for other orders."""
    if (
        order.fulfilment_type != FulfilmentType.CARRY_OUT
        or order.status != OrderStatus.COMPLETED
        or order.location_id is None
    ):
        return None
    now = timezone.now()
    customer = _receipt_customer(order)
    invitation, _created = Invitation.objects.get_or_create(
        source_key=f"receipt:{order.number}",
        defaults={
            "touchpoint": Touchpoint.STORE,
            "channel": InvitationChannel.RECEIPT,
            "customer": customer,
            # the customer's language when known, else none: the page follows the phone's own language
            "language": customer.language if customer is not None else "",
            "location_id": order.location_id,
            "order": order,
            "occurred_at": order.completed_at or order.created_at,
            "created_at": now,
            "expires_at": now + link_lifetime(),
        },
    )
    return invitation
