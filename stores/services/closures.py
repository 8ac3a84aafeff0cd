"""A store's closures and special hours, and its pickup windows, kept by the managers of that store or HQ
(the staff page stores.views.closures; the API sets the windows through update_location). The capacity
engine reads them (stores.selectors.slots): a closure wins over the weekly hours of its day."""

from __future__ import annotations

from datetime import date, time

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput
from omni.services import record_audit
from stores.models import Closure, Location

MIN_SLOT_MINUTES, MAX_SLOT_MINUTES = 10, 240
MAX_SLOT_CAPACITY = 1000


def can_manage_calendar(actor: Actor, location: Location) -> bool:
    """A store manager of that store, or HQ (HQ managers, administrators)."""
    return actor.is_staff_user and actor.is_manager and actor.can_act_at(location.pk)


def _require(actor: Actor, location: Location) -> None:
    if not can_manage_calendar(actor, location):
        raise Forbidden(_("Only the managers of this store, or HQ, change its closures and pickup windows."))


@transaction.atomic
def add_closure(
    *,
    actor: Actor,
    location: Location,
    day: date,
    opens: time | None = None,
    closes: time | None = None,
    reason: str = "",
) -> Closure:
    """Closed all day (no hours), or open only from `opens` to `closes` that day. One per day."""
    _require(actor, location)
    if (opens is None) != (closes is None):
        raise InvalidInput(
            _("Give both the opening and the closing time, or neither for a day closed."),
            errors={"closes": [_("Give both times, or neither.")]},
        )
    if opens is not None and closes is not None and opens >= closes:
        raise InvalidInput(
            _("It closes after it opens."), errors={"closes": [_("It closes after it opens.")]}
        )
    try:
        with transaction.atomic():
            closure = Closure.objects.create(
                location=location, date=day, opens=opens, closes=closes, reason=reason.strip()[:120]
            )
    except IntegrityError as error:
        raise InvalidInput(
            _("This day has its closure or special hours already: delete them first."),
            errors={"date": [_("This day has its closure or special hours already.")]},
        ) from error
    record_audit(
        action="stores.closure_added",
        actor=actor,
        object_type="location",
        object_id=location.code,
        data={"date": day.isoformat(), "opens": str(opens or ""), "closes": str(closes or "")},
    )
    return closure


@transaction.atomic
def delete_closure(*, actor: Actor, location: Location, closure_id: int) -> None:
    _require(actor, location)
    closure = Closure.objects.filter(location=location, pk=closure_id).first()
    if closure is None:
        raise InvalidInput(_("No such closure at this store."))
    record_audit(
        action="stores.closure_deleted",
        actor=actor,
        object_type="location",
        object_id=location.code,
        data={"date": closure.date.isoformat()},
    )
    closure.delete()


@transaction.atomic
def set_pickup_windows(*, actor: Actor, location: Location, minutes: int, capacity: int) -> Location:
    """The length of the store's pickup windows and how many orders each takes. Places already taken stay
    with the windows they were taken in."""
    _require(actor, location)
    errors: dict[str, list[str]] = {}
    if not MIN_SLOT_MINUTES <= minutes <= MAX_SLOT_MINUTES:
        errors["pickup_slot_minutes"] = [_("From 10 to 240 minutes.")]
    if not 1 <= capacity <= MAX_SLOT_CAPACITY:
        errors["pickup_slot_capacity"] = [_("From 1 to 1000 orders.")]
    if errors:
        raise InvalidInput(errors=errors)
    Location.objects.filter(pk=location.pk).update(pickup_slot_minutes=minutes, pickup_slot_capacity=capacity)
    location.pickup_slot_minutes, location.pickup_slot_capacity = minutes, capacity
    record_audit(
        action="stores.pickup_windows",
        actor=actor,
        object_type="location",
        object_id=location.code,
        data={"minutes": minutes, "capacity": capacity},
    )
    return location
