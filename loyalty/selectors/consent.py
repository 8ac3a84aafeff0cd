"""Consent as it stands and as it was stated: the current state of each (purpose, channel) is the latest
`ConsentEvent` of the person (DISTINCT ON, read from the `loyalty_consent_current` index); no event means
no consent. A merged duplicate answers for the profile it was merged into; an erased person consents to
nothing.

Every message Omni sends to a customer (order emails excepted: they are the service itself) asks
`has_consent(customer, purpose, channel)` first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, OuterRef, Q, QuerySet, Subquery

from loyalty.models import ConsentChannel, ConsentEvent, ConsentPurpose, Customer
from loyalty.selectors.merged import root_of


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    channel: str
    granted: bool
    since: datetime


def _person(customer: Customer | int) -> Customer | None:
    if not isinstance(customer, Customer):
        found = Customer.objects.filter(pk=customer).first()
        if found is None:
            return None
        customer = found
    customer = root_of(customer)
    return None if customer.erased_at is not None else customer


def has_consent(customer: Customer | int, purpose: str, channel: str) -> bool:
    """Whether this person's latest statement on `purpose` through `channel` grants it (one indexed
    query). Unknown purposes or channels, unknown or erased customers: False."""
    if purpose not in ConsentPurpose.values or channel not in ConsentChannel.values:
        return False
    person = _person(customer)
    if person is None:
        return False
    latest = (
        ConsentEvent.objects.filter(customer=person, purpose=purpose, channel=channel)
        .order_by("-created_at", "-id")
        .values_list("granted", flat=True)
        .first()
    )
    return bool(latest)


def latest_consent(customer_field: str, purpose: str, channel: str) -> Subquery:
    """A subquery for querysets: the latest `granted` of the customer in the outer row's `customer_field`
    on this purpose and channel (NULL when never stated), e.g.
    `qs.alias(ok=latest_consent("member__customer_id", "marketing", "email")).filter(ok=True)`."""
    latest = (
        ConsentEvent.objects.filter(customer=OuterRef(customer_field), purpose=purpose, channel=channel)
        .order_by("-created_at", "-id")
        .values("granted")[:1]
    )
    return Subquery(latest, output_field=BooleanField())


def current_consents(customer: Customer | int) -> list[ConsentState]:
    """The latest statement on every (purpose, channel) the person has ever stated, in the order of the
    purposes and channels (one query, DISTINCT ON)."""
    person = _person(customer)
    if person is None:
        return []
    rows = (
        ConsentEvent.objects.filter(customer=person)
        .order_by("purpose", "channel", "-created_at", "-id")
        .distinct("purpose", "channel")
        .values_list("purpose", "channel", "granted", "created_at")
    )
    purposes, channels = list(ConsentPurpose.values), list(ConsentChannel.values)
    states = [ConsentState(p, c, g, at) for p, c, g, at in rows]
    return sorted(states, key=lambda s: (purposes.index(s.purpose), channels.index(s.channel)))


def consent_history(customer: Customer | int) -> QuerySet[ConsentEvent]:
    """Every statement of the person (and of the duplicates merged into it), newest first, with where it
    was given."""
    person = _person(customer)
    if person is None:
        return ConsentEvent.objects.none()
    return (
        ConsentEvent.objects.filter(Q(customer=person) | Q(customer__merged_into=person))
        .select_related("location")
        .order_by("-created_at", "-id")
    )


def consent_row(event: ConsentEvent) -> dict[str, object]:
    """One statement as the API, the export and the pages show it."""
    return {
        "purpose": event.purpose,
        "channel": event.channel,
        "granted": event.granted,
        "source": event.source,
        "actor": event.actor_label,
        "location": event.location.code if event.location_id and event.location else None,
        "created_at": event.created_at.isoformat(),
    }
