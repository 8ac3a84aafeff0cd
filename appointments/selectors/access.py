"""Who may reach which appointment: the one place that says it (pages and API alike).

- integration clients and HQ staff (every location): every appointment;
- store clients and store staff: the appointments at their own locations;
- eshop and kiosk clients: the appointments they booked themselves.
An appointment the caller may not reach is not found (404), never refused (403)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from appointments.models import Appointment
from omni.actors import Actor
from omni.models import ApiRole


def parse_appointment_id(value: object) -> uuid.UUID | None:
    text = str(value or "").strip()
    if not 32 <= len(text) <= 36:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def visible_appointments(actor: Actor) -> QuerySet[Appointment]:
    appointments = Appointment.objects.all()
    if actor.location_ids is None and actor.role == ApiRole.INTEGRATION:
        return appointments
    if actor.role == ApiRole.STORE or actor.is_staff_user:
        return appointments.filter(location_id__in=list(actor.location_ids or ()))
    if actor.client is not None and actor.role in (ApiRole.ESHOP, ApiRole.KIOSK):
        return appointments.filter(api_client=actor.client)
    return appointments.none()


def appointment_for(actor: Actor, appointment_id: object) -> Appointment | None:
    """The appointment if the actor may reach it, else None (an id that is not an appointment id included)."""
    pk = parse_appointment_id(appointment_id)
    if pk is None:
        return None
    return (
        visible_appointments(actor)
        .select_related("location", "service", "cart", "customer")
        .filter(pk=pk)
        .first()
    )


def may_manage_at(actor: Actor, location_id: int) -> bool:
    """Staff actions (complete, no-show): a store (client or staff) at its location, integration, HQ."""
    if actor.role == ApiRole.INTEGRATION and actor.location_ids is None:
        return True
    return actor.role == ApiRole.STORE and actor.can_act_at(location_id)
