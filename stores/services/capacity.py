"""The capacity engine's writes: take one place in a slot, give it back. Slots and what remains of them are
read in stores.selectors.slots.

Taking a place is one statement, an upsert whose update only happens while the slot has room:

    INSERT ... (taken = 1) ON CONFLICT (location, resource, start)
    DO UPDATE SET taken = taken + 1 WHERE taken < capacity RETURNING taken

PostgreSQL takes the row's lock for the update and re-reads `taken` under it, so however many bookings
arrive at once, exactly `capacity` of them get a row back and the others get none (SlotFull). The caller's
transaction holds that row lock until it commits, so an order whose stock reservation then fails rolls its
place back with it: all or nothing. Written by hand because it is one SQL statement the ORM cannot say
(`update_or_create` reads first, then writes: two bookers would both see room)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from stores.exceptions import SlotFull, SlotUnavailable
from stores.models import Location, SlotUsage
from stores.selectors.slots import find_slot

_TAKE = """
    INSERT INTO stores_slotusage (location_id, resource, start, taken)
    VALUES (%s, %s, %s, 1)
    ON CONFLICT (location_id, resource, start)
    DO UPDATE SET taken = stores_slotusage.taken + 1
    WHERE stores_slotusage.taken < %s
    RETURNING taken
"""


def check_slot(
    location: Location, *, minutes: int, start: datetime, not_before: datetime | None = None
) -> tuple[datetime, datetime]:
    """The slot (start, end) that starts at `start`, or SlotUnavailable: in the past (before `not_before`,
    default now), outside the location's hours or closures, or off the slot grid."""
    if timezone.is_naive(start):
        raise SlotUnavailable(
            _("Give the slot's start with its time zone offset."),
            errors={"start": [_("Give the slot's start with its time zone offset.")]},
        )
    earliest = not_before or timezone.now()
    if start < earliest:
        raise SlotUnavailable(
            _("This time slot has already started."),
            errors={"start": [_("This time slot has already started.")]},
        )
    found = find_slot(location, minutes=minutes, start=start)
    if found is None:
        raise SlotUnavailable(
            _("There is no time slot starting then: choose one of the listed slots."),
            errors={"start": [_("There is no time slot starting then: choose one of the listed slots.")]},
        )
    return found


@transaction.atomic
def take_slot(*, location: Location, resource: str, start: datetime, capacity: int) -> int:
    """Take one place in the slot; answers how many are now taken. SlotFull when none is left. Call it in
    the transaction that records what the place is for (the order, the appointment)."""
    if capacity < 1:
        raise SlotFull()
    with connection.cursor() as cursor:
        cursor.execute(_TAKE, [location.pk, resource, start, capacity])
        row = cursor.fetchone()
    if row is None:
        raise SlotFull()
    return int(row[0])


@transaction.atomic
def release_slot(*, location: Location, resource: str, start: datetime) -> None:
    """Give one place back (a cancelled appointment or order, a changed pickup window). Never below 0."""
    SlotUsage.objects.filter(location=location, resource=resource, start=start, taken__gt=0).update(
        taken=F("taken") - 1
    )
