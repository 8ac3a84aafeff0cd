"""A location's appointment services (stores.Service: name, duration, capacity = how many associates at
once): created and changed here, for the API (integration) and the managers' services page.

A service's code is unique per location and never changes (it names the capacity engine's resource,
"service:<code>"). Changing the duration changes the slot grid from then on: appointments already booked
keep their times. Lowering the capacity never cancels anything: slots already fuller than the new capacity
simply take no more. Deactivating hides the service from the listings and refuses new bookings."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from appointments.exceptions import AppointmentForbidden, invalid
from omni.actors import Actor
from omni.services import record_audit
from stores.models import Location, Service

EDITABLE = ("name", "duration_minutes", "capacity", "active")


def _check_values(values: dict[str, Any]) -> None:
    duration = values.get("duration_minutes")
    if duration is not None and not 5 <= int(duration) <= 480:
        raise invalid("duration_minutes", _("A service lasts from 5 to 480 minutes."))
    capacity = values.get("capacity")
    if capacity is not None and not 1 <= int(capacity) <= 100:
        raise invalid("capacity", _("From 1 to 100 appointments at once."))
    if "name" in values and not str(values["name"]).strip():
        raise invalid("name", _("Give the service a name."))


def _may_manage(actor: Actor, location: Location) -> None:
    if not (actor.can_act_at(location.pk) and (actor.location_ids is None or actor.is_manager)):
        raise AppointmentForbidden(_("Only the store's managers and HQ manage its services."))


@transaction.atomic
def create_service(
    *, actor: Actor, location: Location, code: str, name: str, duration_minutes: int, capacity: int = 1
) -> Service:
    _may_manage(actor, location)
    code = code.strip()
    values = {"name": name.strip(), "duration_minutes": duration_minutes, "capacity": capacity}
    _check_values(values)
    if not code:
        raise invalid("code", _("Give the service a code."))
    try:
        with transaction.atomic():
            service = Service.objects.create(location=location, code=code, **values)
    except IntegrityError as exc:
        raise invalid(
            "code",
            _("%(location)s already has a service %(code)s.") % {"location": location.code, "code": code},
        ) from exc
    record_audit(
        action="appointments.service_created",
        actor=actor,
        object_type="stores.Service",
        object_id=service.pk,
        data={"location": location.code, "code": code, **values},
    )
    return service


@transaction.atomic
def update_service(*, actor: Actor, service: Service, **changes: Any) -> Service:
    """Change a service's name, duration, capacity or active flag (active=False: deactivate)."""
    locked = Service.objects.select_for_update().select_related("location").get(pk=service.pk)
    _may_manage(actor, locked.location)
    values = {key: value for key, value in changes.items() if key in EDITABLE and value is not None}
    if "name" in values:
        values["name"] = str(values["name"]).strip()
    _check_values(values)
    changed = [key for key, value in values.items() if getattr(locked, key) != value]
    for key in changed:
        setattr(locked, key, values[key])
    if changed:
        locked.save(update_fields=changed)
        record_audit(
            action="appointments.service_changed",
            actor=actor,
            object_type="stores.Service",
            object_id=locked.pk,
            data={"location": locked.location.code, "code": locked.code, **{k: values[k] for k in changed}},
        )
    return locked
