"""The customer's emails about an appointment: the confirmation when it is booked, the notice when it is
cancelled, and the reminder the day before (the job below, by beat every 15 minutes).

No consent is asked: these emails are the service the customer booked, like an order's emails
(omni.emails). Each is an AppointmentEmail row written with its outbox message (omni.outbox) in the
transaction that calls for it (the booking, the cancellation, the reminder job), so a broker that is down
only delays it; the delivery locks the row and records `sent_at`, so it goes out at most once. The email is
in the appointment's language, names the store (its name and address), the service, and the date and time
on the store's clock, and carries nothing of anyone else. The confirmation and the reminder carry the
appointment as an .ics calendar file.

The reminder job picks the booked appointments starting within the next 24 hours whose reminder was not
queued yet (`reminder_sent_at` empty) and were booked at least 24 hours before they start (a later booking
has its confirmation fresh in the inbox); each is locked (skipping one another run holds), re-checked,
marked and queued in its own short transaction: running the job twice, or two at once, queues each
reminder once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from appointments.models import Appointment, AppointmentEmail, AppointmentEmailKind, AppointmentStatus
from loyalty import conf as loyalty_conf
from omni import outbox
from omni.emails import render_email
from stores.selectors.slots import location_zone

DELIVER_TASK = "appointments.tasks.send_appointment_email_task"
REMINDER_AHEAD = timedelta(hours=24)


def queue_email(appointment: Appointment, kind: str) -> AppointmentEmail | None:
    """In the caller's transaction: the email's row and its outbox message (once per appointment and kind)."""
    email, created = AppointmentEmail.objects.get_or_create(appointment=appointment, kind=kind)
    if not created:
        return None
    outbox.enqueue(DELIVER_TASK, email.pk)
    return email


def _ics(appointment: Appointment) -> str:
    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    location = appointment.location

    def text(value: str) -> str:
        return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Omni//Appointments//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{appointment.pk}@omni",
        f"DTSTAMP:{stamp(appointment.created_at)}",
        f"DTSTART:{stamp(appointment.start)}",
        f"DTEND:{stamp(appointment.end)}",
        f"SUMMARY:{text(appointment.service.name)} - {text(location.name)}",
        f"LOCATION:{text(', '.join(p for p in (location.address, location.city) if p))}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def render_appointment_email(appointment: Appointment, kind: str) -> tuple[str, str, str]:
    context = {
        "kind": kind,
        "appointment": appointment,
        "location": appointment.location,
        "service": appointment.service,
        "first_name": appointment.customer_first_name,
        "site_name": "Omni",
    }
    return render_email(
        "appointments/email/appointment",
        context,
        language=appointment.language or loyalty_conf.customer_language(),
        zone=location_zone(appointment.location),
    )


def _skip_reason(email: AppointmentEmail) -> str:
    appointment = email.appointment
    if not appointment.customer_email:
        return "no_address"
    if email.kind != AppointmentEmailKind.CANCELLATION and appointment.status != AppointmentStatus.BOOKED:
        return "not_booked"
    return ""


def deliver_appointment_email(email_id: int) -> bool:
    """Send one appointment email unless it went already or no longer applies (a reminder or confirmation
    of an appointment cancelled meanwhile, an erased address). Returns whether it was sent now."""
    with transaction.atomic():
        email = (
            AppointmentEmail.objects.filter(pk=email_id)
            .select_related("appointment__location", "appointment__service")
            .select_for_update(of=("self",))
            .first()
        )
        if email is None or email.sent_at is not None or email.skipped:
            return False
        reason = _skip_reason(email)
        if reason:
            email.skipped = reason
            email.save(update_fields=["skipped"])
            return False
        appointment = email.appointment
        subject, text, html = render_appointment_email(appointment, email.kind)
        message = EmailMultiAlternatives(subject, text, None, [appointment.customer_email])
        message.attach_alternative(html, "text/html")
        if email.kind != AppointmentEmailKind.CANCELLATION:
            message.attach("appointment.ics", _ics(appointment), "text/calendar")
        message.send()
        email.sent_at = timezone.now()
        email.save(update_fields=["sent_at"])
    return True


def _due(now: datetime):  # type: ignore[no-untyped-def]
    return Appointment.objects.filter(
        status=AppointmentStatus.BOOKED,
        reminder_sent_at__isnull=True,
        start__gt=now,
        start__lte=now + REMINDER_AHEAD,
        created_at__lte=F("start") - REMINDER_AHEAD,
    )


@transaction.atomic
def _remind(appointment_id: object, now: datetime) -> bool:
    appointment = _due(now).select_for_update(skip_locked=True).filter(pk=appointment_id).first()
    if appointment is None:  # reminded meanwhile, cancelled, or another run holds it
        return False
    appointment.reminder_sent_at = now
    appointment.save(update_fields=["reminder_sent_at"])
    queue_email(appointment, AppointmentEmailKind.REMINDER)
    return True


def send_appointment_reminders(*, as_of: datetime | None = None) -> int:
    """Queue the reminder of every appointment due one (see the module). Returns how many were queued."""
    now = as_of or timezone.now()
    ids = list(_due(now).order_by("start").values_list("pk", flat=True))
    return sum(1 for pk in ids if _remind(pk, now))
