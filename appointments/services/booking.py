"""Booking an appointment, cancelling it, and closing it (completed or no-show).

A booking takes one place in the service's slot through the capacity engine (stores.services.capacity:
check_slot, then take_slot's conditional upsert) in the same transaction as the Appointment row, so two
bookers of the last place never both get it, and a booking that fails for any later reason gives its place
back with its rollback. A cancellation gives the place back (release_slot) in its own transaction with the
status change; the row is locked first, so two cancellations never release twice.

Who may: eshop and integration anywhere; kiosk and store (clients and staff) at their own location (403
elsewhere). Reaching an existing appointment goes through appointments.selectors.access (404 otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.exceptions import (
    AppointmentForbidden,
    AppointmentInvalidTransition,
    AppointmentNotFound,
    invalid,
)
from appointments.models import Appointment, AppointmentEmailKind, AppointmentStatus
from appointments.selectors.access import appointment_for, may_manage_at
from appointments.selectors.services import location_by_code, service_at
from appointments.services.emails import queue_email
from carts.selectors import cart_for
from loyalty import conf as loyalty_conf
from loyalty.contacts import normalize_phone
from loyalty.exceptions import LoyaltyInvalid
from loyalty.services import get_or_create_customer
from omni.actors import Actor
from omni.models import ApiRole
from omni.services import record_audit
from stores.models import Service
from stores.selectors.slots import service_resource
from stores.services.capacity import check_slot, release_slot, take_slot

BOOKING_ROLES = (ApiRole.ESHOP, ApiRole.KIOSK, ApiRole.STORE, ApiRole.INTEGRATION)
LANGUAGES = {code for code, _name in settings.LANGUAGES}


@dataclass(frozen=True)
class CustomerInput:
    email: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


def _via(actor: Actor) -> str:
    if actor.is_staff_user:
        return "staff"
    return str(actor.role)


def _check_booker(actor: Actor, location_id: int) -> None:
    if actor.role not in BOOKING_ROLES:
        raise AppointmentForbidden(_("Your role may not book appointments."))
    if actor.role in (ApiRole.KIOSK, ApiRole.STORE) and not actor.can_act_at(location_id):
        raise AppointmentForbidden(_("You may book appointments only at your own location."))


def _service(location_code: str, service_code: str) -> Service:
    location = location_by_code(location_code)
    if location is None or not location.active:
        raise invalid("location", _("No location %(code)s.") % {"code": location_code})
    service = service_at(location, service_code)
    if service is None:
        raise invalid(
            "service",
            _("%(location)s has no service %(code)s.") % {"location": location.code, "code": service_code},
        )
    return service


@transaction.atomic
def book_appointment(
    *,
    actor: Actor,
    location_code: str,
    service_code: str,
    start: datetime,
    customer: CustomerInput,
    note: str = "",
    cart_id: str = "",
    language: str = "",
) -> Appointment:
    service = _service(location_code, service_code)
    location = service.location
    _check_booker(actor, location.pk)
    if not customer.email.strip():
        raise invalid("customer.email", _("An appointment needs the customer's email."))
    try:
        phone = normalize_phone(customer.phone)
    except LoyaltyInvalid as exc:
        raise invalid("customer.phone", _("A phone number is digits, optionally with a + prefix.")) from exc
    cart = None
    if cart_id:
        cart = cart_for(actor, cart_id)
        if cart is None:
            raise invalid("cart", _("No cart %(cart)s.") % {"cart": cart_id})
    slot_start, slot_end = check_slot(location, minutes=service.duration_minutes, start=start)
    take_slot(
        location=location, resource=service_resource(service), start=slot_start, capacity=service.capacity
    )
    person, _created = get_or_create_customer(
        customer.email,
        phone or None,
        customer.first_name,
        customer.last_name,
        language=language if language in LANGUAGES else "",
        actor=actor,
    )
    appointment = Appointment.objects.create(
        location=location,
        service=service,
        start=slot_start,
        end=slot_end,
        customer=person,
        customer_email=person.email or customer.email.strip().lower(),
        customer_first_name=customer.first_name[:80] or person.first_name,
        customer_last_name=customer.last_name[:80] or person.last_name,
        customer_phone=phone[:30],
        language=(language if language in LANGUAGES else "")
        or person.language
        or loyalty_conf.customer_language(),
        note=note[:500],
        cart=cart,
        booked_via=_via(actor),
        api_client=actor.client,
        booked_by=actor.user,
    )
    record_audit(
        action="appointments.booked",
        actor=actor,
        object_type="appointments.Appointment",
        object_id=str(appointment.pk),
        data={"location": location.code, "service": service.code, "start": slot_start.isoformat()},
    )
    queue_email(appointment, AppointmentEmailKind.CONFIRMATION)
    return appointment


def _locked(actor: Actor, appointment_id: object) -> Appointment:
    """The appointment the actor may reach, its row locked (re-read under the lock)."""
    found = appointment_for(actor, appointment_id)
    if found is None:
        raise AppointmentNotFound(_("No appointment %(id)s.") % {"id": appointment_id})
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("location", "service")
        .get(pk=found.pk)
    )


@transaction.atomic
def cancel_appointment(*, actor: Actor, appointment_id: object, now: datetime | None = None) -> Appointment:
    """Cancel a booked appointment that has not started; its place in the slot is given back."""
    now = now or timezone.now()
    appointment = _locked(actor, appointment_id)
    if appointment.status != AppointmentStatus.BOOKED:
        raise AppointmentInvalidTransition(
            _("This appointment is %(status)s: it can no longer be cancelled.")
            % {"status": appointment.get_status_display()}
        )
    if appointment.start <= now:
        raise AppointmentInvalidTransition(
            _("This appointment has already started: it can no longer be cancelled.")
        )
    release_slot(
        location=appointment.location, resource=service_resource(appointment.service), start=appointment.start
    )
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = now
    appointment.save(update_fields=["status", "cancelled_at"])
    record_audit(
        action="appointments.cancelled",
        actor=actor,
        object_type="appointments.Appointment",
        object_id=str(appointment.pk),
    )
    queue_email(appointment, AppointmentEmailKind.CANCELLATION)
    return appointment


@transaction.atomic
def close_appointment(
    *, actor: Actor, appointment_id: object, status: str, now: datetime | None = None
) -> Appointment:
    """Staff only (a store at its location, integration, HQ): the customer came (completed) or did not
    (no_show), once the appointment has started. `closed_at` records when."""
    if status not in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
        raise invalid("status", _("An appointment closes as completed or no-show."))
    now = now or timezone.now()
    appointment = _locked(actor, appointment_id)
    if not may_manage_at(actor, appointment.location_id):
        raise AppointmentForbidden(_("Only the store's staff mark appointments completed or no-show."))
    if appointment.status != AppointmentStatus.BOOKED:
        raise AppointmentInvalidTransition(
            _("This appointment is %(status)s: it can no longer change.")
            % {"status": appointment.get_status_display()}
        )
    if appointment.start > now:
        raise AppointmentInvalidTransition(_("This appointment has not started yet."))
    appointment.status = status
    appointment.closed_at = now
    appointment.save(update_fields=["status", "closed_at"])
    record_audit(
        action=f"appointments.{status}",
        actor=actor,
        object_type="appointments.Appointment",
        object_id=str(appointment.pk),
    )
    return appointment
