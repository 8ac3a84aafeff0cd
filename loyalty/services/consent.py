"""Consent: what a person stated about each purpose (marketing, profiling, feedback) on each channel
(email, SMS, push), through which touchpoint, recorded by whom and where.

Every statement is recorded, also one that repeats the current state: the history is the evidence of
what the person said and when (GDPR Art. 7(1)). The events are append-only (loyalty.models.ConsentEvent);
the current state is read by loyalty.selectors.consent. Statements about one person are written under
their customer row's lock, so two at the same moment are ordered and the latest one wins everywhere."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from loyalty import locks
from loyalty.exceptions import LoyaltyInvalid
from loyalty.models import (
    CONSENT_SOURCE_PATTERN,
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    Customer,
)
from loyalty.selectors.merged import root_of
from omni.actors import Actor
from omni.models import ApiRole

_SOURCE = re.compile(CONSENT_SOURCE_PATTERN)

# the touchpoint a client's statements come through when it does not say (the member API's compatibility
# field `marketing_consent`, enrolment)
_SOURCE_BY_ROLE = {
    ApiRole.ESHOP.value: "web",
    ApiRole.KIOSK.value: "kiosk",
    ApiRole.STORE.value: "store",
    ApiRole.INTEGRATION.value: "import",
}


def default_source(actor: Actor | None) -> str:
    """The touchpoint of a caller: eshop "web", kiosk "kiosk", store "store", integration "import", a
    staff user "staff", Omni itself "system"."""
    if actor is None:
        return "system"
    if actor.is_staff_user:
        return "staff"
    if actor.client is None:
        return "system"
    return _SOURCE_BY_ROLE.get(actor.role, "import")


def clean_source(source: str) -> str:
    source = (source or "").strip().lower()
    if not _SOURCE.match(source):
        raise LoyaltyInvalid.on(
            "source",
            "The source is the touchpoint the consent was given through: one short lowercase word "
            "(web, app, kiosk, store, till, staff, import...), at most 20 characters.",
        )
    return source


def _check(purpose: str, channel: str) -> None:
    if purpose not in ConsentPurpose.values:
        raise LoyaltyInvalid.on("purpose", f"Purpose is one of: {', '.join(ConsentPurpose.values)}.")
    if channel not in ConsentChannel.values:
        raise LoyaltyInvalid.on("channel", f"Channel is one of: {', '.join(ConsentChannel.values)}.")


def _location_of(actor: Actor | None, location_id: int | None) -> int | None:
    """Where: a kiosk's or store's own location (whatever it says); else the location given."""
    if actor is not None and actor.client is not None and actor.role in (ApiRole.KIOSK, ApiRole.STORE):
        return actor.home_location_id
    return location_id


def write_consent_event(
    customer: Customer,
    *,
    purpose: str,
    channel: str,
    granted: bool,
    source: str,
    actor: Actor | None,
    location_id: int | None = None,
    at: datetime | None = None,
) -> ConsentEvent:
    """Write one event for a customer whose row the caller holds (enrolment, merge): no checks of the
    person, only of the statement."""
    _check(purpose, channel)
    return ConsentEvent.objects.create(
        customer=customer,
        purpose=purpose,
        channel=channel,
        granted=bool(granted),
        source=clean_source(source),
        actor_label=(actor.label if actor is not None else "system")[:150],
        location_id=_location_of(actor, location_id),
        created_at=at or timezone.now(),
    )


@transaction.atomic
def record_consent(
    *,
    customer: Customer,
    purpose: str,
    channel: str,
    granted: bool,
    source: str = "",
    actor: Actor | None,
    location_id: int | None = None,
) -> ConsentEvent:
    """Record what the person stated (granted or withdrawn) on `purpose` through `channel`. `source` is
    the touchpoint (empty: the caller's own, see `default_source`); a kiosk or store client records at
    its own location. A merged duplicate's statement goes to the profile it was merged into; an erased
    person's is refused (400)."""
    _check(purpose, channel)
    source = clean_source(source or default_source(actor))
    person = locks.customer(root_of(customer).pk)
    if person.merged_into_id is not None:  # merged while we waited for the lock
        person = locks.customer(root_of(person).pk)
    if person.erased_at is not None:
        raise LoyaltyInvalid.on("customer", "This person's data has been erased.")
    return write_consent_event(
        person,
        purpose=purpose,
        channel=channel,
        granted=granted,
        source=source,
        actor=actor,
        location_id=location_id,
    )
