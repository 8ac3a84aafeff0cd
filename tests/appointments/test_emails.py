"""The customer's appointment emails: the confirmation (in their language, the store's name and address, the
date and time on the store's clock, an .ics file), the cancellation notice, and the reminder the day before
(queued once however often the job runs, sent once however often its task runs)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from appointments.models import AppointmentEmail, AppointmentStatus
from appointments.services import CustomerInput, book_appointment, cancel_appointment
from appointments.services.emails import deliver_appointment_email, send_appointment_reminders
from omni.actors import Actor
from tests.appointments.factories import AppointmentFactory, at, future_day

pytestmark = pytest.mark.django_db

HQ = Actor.system()
GIORNI = ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"]
MESI = "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre".split()
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _book(fitting, start, email="anna@example.it", language=""):  # type: ignore[no-untyped-def]
    return book_appointment(
        actor=HQ,
        location_code=fitting.location.code,
        service_code=fitting.code,
        start=start,
        customer=CustomerInput(email=email, first_name="Anna", last_name="Verdi"),
        language=language,
    )


def test_the_confirmation_in_italian_names_the_store_the_service_and_the_local_time(
    fitting, django_capture_on_commit_callbacks
):
    day = future_day()
    with django_capture_on_commit_callbacks(execute=True):
        _book(fitting, at(day, 10, 30))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.it"]
    assert message.subject == "Il tuo appuntamento è prenotato: Tailoring fitting presso Store MI-1"
    assert "Ciao Anna," in message.body
    assert f"{GIORNI[day.weekday()]} {day.day} {MESI[day.month - 1]} {day.year}" in message.body.lower()
    assert "10:30 - 11:00" in message.body  # 09:30 UTC on the store's winter clock
    assert "Via Roma 1, Milano" in message.body
    html = message.alternatives[0][0]
    assert "Store MI-1" in html and "10:30" in html
    [(name, ics, kind)] = message.attachments
    assert name == "appointment.ics" and kind == "text/calendar"
    assert f"DTSTART:{day:%Y%m%d}T093000Z" in ics
    assert AppointmentEmail.objects.get().sent_at is not None


def test_english_when_the_customer_asks_and_only_their_own_data(fitting, django_capture_on_commit_callbacks):
    day = future_day()
    with django_capture_on_commit_callbacks(execute=True):
        _book(fitting, at(day, 9), email="bea@example.it")
        _book(fitting, at(day, 9), email="carl@example.it", language="en")
    english = next(m for m in mail.outbox if m.to == ["carl@example.it"])
    assert english.subject == "Your appointment is booked: Tailoring fitting at Store MI-1"
    assert f"{DAYS[day.weekday()]} {day.day}" in english.body
    assert "bea@example.it" not in english.body and "bea" not in english.alternatives[0][0]


def test_the_cancellation_notice(fitting, django_capture_on_commit_callbacks):
    appointment = _book(fitting, at(future_day(), 11), language="en")
    with django_capture_on_commit_callbacks(execute=True):
        cancel_appointment(actor=HQ, appointment_id=appointment.pk)
    assert [m.subject for m in mail.outbox] == [
        "Your appointment is cancelled: Tailoring fitting at Store MI-1"
    ]
    assert mail.outbox[0].attachments == []


def test_a_confirmation_of_an_appointment_cancelled_before_it_went_is_skipped(fitting):
    appointment = _book(fitting, at(future_day(), 11))  # queued on commit, not sent (no commit here)
    cancel_appointment(actor=HQ, appointment_id=appointment.pk)
    confirmation = AppointmentEmail.objects.get(kind="confirmation")
    assert deliver_appointment_email(confirmation.pk) is False
    confirmation.refresh_from_db()
    assert confirmation.skipped == "not_booked" and mail.outbox == []


def _due(fitting, hours_ahead: float, booked_days_ago: float = 3, **kw):  # type: ignore[no-untyped-def]
    now = timezone.now()
    start = now + timedelta(hours=hours_ahead)
    return AppointmentFactory(
        service=fitting, start=start, created_at=now - timedelta(days=booked_days_ago), language="en", **kw
    )


def test_the_reminder_goes_once_the_day_before(fitting, django_capture_on_commit_callbacks):
    due = _due(fitting, 20)
    _due(fitting, 30)  # not yet
    _due(fitting, 5, booked_days_ago=0.1)  # booked today: the confirmation is fresh
    _due(fitting, 10, status=AppointmentStatus.CANCELLED)
    _due(fitting, -1)  # started already
    with django_capture_on_commit_callbacks(execute=True):
        assert send_appointment_reminders() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_appointment_reminders() == 0  # run twice: once
    assert [m.to for m in mail.outbox] == [["anna@example.it"]]
    assert mail.outbox[0].subject == "Reminder: Tailoring fitting at Store MI-1 tomorrow"
    due.refresh_from_db()
    assert due.reminder_sent_at is not None
    reminder = AppointmentEmail.objects.get(kind="reminder")
    assert reminder.appointment_id == due.pk
    assert deliver_appointment_email(reminder.pk) is False  # the task run twice: sent once
    assert len(mail.outbox) == 1


def test_the_command_runs_the_job_as_of_a_time(fitting, django_capture_on_commit_callbacks):
    later = _due(fitting, 40)
    as_of = (timezone.now() + timedelta(hours=20)).isoformat()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_appointment_reminders", "--as-of", as_of, stdout=out)
    assert "1 reminder(s) queued" in out.getvalue()
    later.refresh_from_db()
    assert later.reminder_sent_at is not None and len(mail.outbox) == 1
