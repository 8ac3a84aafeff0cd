"""Weekly emails of a report: the next send in local time across the changes of time, which schedules are due,
the email (language, attachment or link), lost permissions, failures kept apart, and the pages.

The reports are registered here, over generated days and this module's locations, so the figures are known."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from omni.models import ReportRun, ReportSchedule
from omni.reports import base
from omni.reports.base import Column, Kind, Report, ReportFilters
from omni.reports.schedules import (
    claim_due_schedules,
    create_report_schedule,
    next_run_after,
    send_due_schedules,
)
from omni.reports.tasks import send_due_report_schedules_task
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
UTC = dt.UTC


class DaysReport(Report):
    """One row per day of the period; units = the locations (of this module) the filters cover."""

    slug = "test-sched-days"
    title = "Test schedules: days"
    group = "stock"
    columns = (
        Column("day", gettext_lazy("Date"), Kind.DATE),
        Column("units", gettext_lazy("Units"), Kind.INT),
    )
    filters = frozenset({"dates", "location"})
    default_sort = "day"
    default_days = 7

    def query(self, filters: ReportFilters) -> tuple[str, list]:
        where = "l.code LIKE 'SC-%%'"
        params: list = [filters.date_from, filters.date_to]
        if filters.location_ids is not None:
            where += " AND l.id = ANY(%s)"
            params.append(list(filters.location_ids))
        sql = (
            "SELECT d::date AS day, count(l.id) AS units "
            "FROM generate_series(%s::date, %s::date, interval '1 day') AS d "
            f"LEFT JOIN stores_location AS l ON {where} GROUP BY d"
        )
        return sql, params


class BrokenReport(Report):
    slug = "test-sched-broken"
    title = "Test schedules: broken"
    group = "stock"
    columns = (Column("n", "N", Kind.INT),)
    default_sort = "n"

    def query(self, filters: ReportFilters) -> tuple[str, list]:
        raise RuntimeError("the warehouse feed is down")


@pytest.fixture(autouse=True)
def test_reports(monkeypatch):
    """This module's reports, registered for each test only (the registry is put back afterwards)."""
    for report in (DaysReport(), BrokenReport()):
        monkeypatch.setitem(base._reports, report.slug, report)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.OMNI_BASE_URL = "https://omni.example.com"


@pytest.fixture
def places(db):
    return {code: LocationFactory(code=code, name=f"Negozio {code}") for code in ("SC-01", "SC-02")}


def _user(username: str, *, role: str = "hq_manager", language: str = "en", locations=None):  # type: ignore[no-untyped-def]
    return UserFactory(
        username=username,
        role=role,
        preferred_language=language,
        first_name="Anna",
        locations=locations or [],
    )


def _csv(content: bytes | str) -> list[list[str]]:
    """The rows, split as a spreadsheet of the user's language would (`;` where decimals take a comma)."""
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content.lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.splitlines()[0] else ","))


MONDAY_9_CET = dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # Monday 23 March 2026, 09:00 in Rome (UTC+1)


# --- When -----------------------------------------------------------------------------------------------


def test_next_send_keeps_the_local_hour_across_the_spring_change():
    # Monday 09:00, just sent on 23 March (CET): the next is 30 March 09:00 CEST, 07:00 UTC (6 days 23 hours)
    after = MONDAY_9_CET + dt.timedelta(seconds=1)
    assert next_run_after(weekday=0, hour=9, after=after) == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    # earlier the same Monday: that very day
    assert (
        next_run_after(weekday=0, hour=9, after=dt.datetime(2026, 3, 23, 7, 59, tzinfo=UTC)) == MONDAY_9_CET
    )
    # 02:00 on Sunday 29 March does not exist in Rome: it fires at 03:00 CEST (01:00 UTC)
    sunday = next_run_after(weekday=6, hour=2, after=dt.datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    assert sunday == dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert sunday.astimezone(timezone.get_default_timezone()).hour == 3
    # and the Sunday after at 02:00 CEST again
    assert next_run_after(weekday=6, hour=2, after=sunday) == dt.datetime(2026, 4, 5, 0, 0, tzinfo=UTC)


def test_next_send_keeps_the_local_hour_across_the_autumn_change():
    # Monday 09:00 CEST on 19 October (07:00 UTC) -> 26 October 09:00 CET (08:00 UTC): 7 days 1 hour
    sent = dt.datetime(2026, 10, 19, 7, 0, tzinfo=UTC)
    assert next_run_after(weekday=0, hour=9, after=sent) == dt.datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    # 02:00 happens twice on Sunday 25 October: the email goes once, at the first (00:00 UTC) ...
    first = next_run_after(weekday=6, hour=2, after=dt.datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    assert first == dt.datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    # ... and not again at the second 02:00 (01:00 UTC) an hour later: next Sunday, 02:00 CET
    assert next_run_after(weekday=6, hour=2, after=first) == dt.datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
    # every weekday and hour maps back to itself in local time
    zone = timezone.get_default_timezone()
    for weekday in range(7):
        for hour in (0, 2, 3, 23):
            at = next_run_after(weekday=weekday, hour=hour, after=dt.datetime(2026, 10, 22, tzinfo=UTC))
            local = at.astimezone(zone)
            assert (local.weekday(), local.hour, local.minute) == (weekday, hour, 0)


# --- Which are due --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_active_due_schedules_are_sent(places):
    user = _user("sched-due")
    now = MONDAY_9_CET
    due = create_report_schedule(
        user=user,
        slug="test-sched-days",
        params={},
        sort=None,
        fmt="csv",
        weekday=0,
        hour=9,
        now=now - dt.timedelta(days=1),
    )
    later = create_report_schedule(
        user=user,
        slug="test-sched-days",
        params={},
        sort=None,
        fmt="csv",
        weekday=0,
        hour=10,
        now=now - dt.timedelta(days=1),
    )
    paused = create_report_schedule(
        user=user,
        slug="test-sched-days",
        params={},
        sort=None,
        fmt="csv",
        weekday=0,
        hour=8,
        now=now - dt.timedelta(days=1),
    )
    ReportSchedule.objects.filter(pk=paused.pk).update(active=False)
    assert due.next_run_at == now and later.next_run_at == now + dt.timedelta(hours=1)

    assert send_due_schedules(now=now + dt.timedelta(minutes=3)) == {"sent": 1}
    assert len(mail.outbox) == 1
    due.refresh_from_db()
    assert due.last_sent_at == now + dt.timedelta(minutes=3)
    assert due.next_run_at == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC) and due.failures == 0
    assert send_due_schedules(now=now + dt.timedelta(minutes=18)) == {}  # nothing twice
    assert ReportSchedule.objects.get(pk=later.pk).last_sent_at is None
    assert ReportSchedule.objects.get(pk=paused.pk).last_sent_at is None


@pytest.mark.django_db
def test_a_claimed_schedule_is_leased_for_an_hour(places):
    user = _user("sched-lease")
    schedule = create_report_schedule(
        user=user,
        slug="test-sched-days",
        params={},
        sort=None,
        fmt="csv",
        weekday=0,
        hour=9,
        now=MONDAY_9_CET - dt.timedelta(hours=1),
    )
    assert claim_due_schedules(now=MONDAY_9_CET) == [schedule.pk]
    assert claim_due_schedules(now=MONDAY_9_CET) == []  # a second beat does not take it again
    schedule.refresh_from_db()
    assert schedule.next_run_at == MONDAY_9_CET + dt.timedelta(hours=1)  # a worker that died: due again then


@pytest.mark.django_db(transaction=True)
def test_a_schedule_locked_by_another_worker_is_skipped():
    LocationFactory(code="SC-01")
    user = _user("sched-race")
    first, second = (
        create_report_schedule(
            user=user,
            slug="test-sched-days",
            params={},
            sort=None,
            fmt="csv",
            weekday=0,
            hour=9,
            now=MONDAY_9_CET - dt.timedelta(hours=1),
        )
        for _ in range(2)
    )
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                ReportSchedule.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert claim_due_schedules(now=MONDAY_9_CET) == [second.pk]  # no waiting on the locked row
    finally:
        release.set()
        thread.join(10)
    assert claim_due_schedules(now=MONDAY_9_CET) == [first.pk]


# --- The email ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_italian_user_gets_the_report_attached_in_italian(places):
    user = _user("sched-it", language="it")
    create_report_schedule(
        user=user,
        slug="test-sched-days",
        params={"date_from": "2026-01-05", "date_to": "2026-01-07", "location": str(places["SC-02"].pk)},
        sort="-day",
        fmt="csv",
        weekday=0,
        hour=9,
        fixed_dates=True,
        now=MONDAY_9_CET - dt.timedelta(days=1),
    )
    assert send_due_report_schedules_task.delay().get() == {"sent": 1}  # the beat task, eager here
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert "Test schedules: days" in message.subject
    assert message.body.startswith("Ciao Anna,")
    assert "05/01/2026" in message.body and "07/01/2026" in message.body  # the Italian way
    assert "Punto vendita: SC-02 · Negozio SC-02" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and '<html lang="it">' in html and "Ciao Anna," in html
    ((filename, content, content_type),) = message.attachments
    assert filename.startswith("test-sched-days-") and filename.endswith(".csv")
    assert content_type.startswith("text/csv")
    assert _csv(content) == [["Data", "Unità"], ["2026-01-07", "1"], ["2026-01-06", "1"], ["2026-01-05", "1"]]


@pytest.mark.django_db
def test_english_user_gets_the_default_window_of_the_day_in_english(places):
    user = _user("sched-en", language="en")
    today = timezone.localdate()
    schedule = create_report_schedule(
        user=user,
        slug="test-sched-days",
        # what the report page's link carries: its default window, spelled out
        params={"date_from": (today - dt.timedelta(days=6)).isoformat(), "date_to": today.isoformat()},
        sort=None,
        fmt="xlsx",
        weekday=0,
        hour=9,
        now=MONDAY_9_CET - dt.timedelta(days=1),
    )
    assert schedule.params == {}  # dates not kept: each email covers its own last 7 days
    send_due_schedules(now=MONDAY_9_CET)
    (message,) = mail.outbox
    assert message.body.startswith("Hello Anna,")
    first, last = today - dt.timedelta(days=6), today
    assert f"{first:%m/%d/%Y} – {last:%m/%d/%Y}" in message.body  # the English way
    assert "Location" not in message.body  # no filter chosen: none named
    ((filename, content, content_type),) = message.attachments
    assert filename.endswith(".xlsx") and content_type.startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Date", "Units"] and len(rows) == 8
    assert all(r[1] == 2 for r in rows[1:])  # HQ: both of this module's locations, every day


@pytest.mark.django_db
def test_a_big_file_is_sent_as_a_link(client, places, settings):
    settings.OMNI_REPORT_EMAIL_ATTACH_MAX_BYTES = 50
    user = _user("sched-big")
    create_report_schedule(
        user=user,
        slug="test-sched-days",
        params={},
        sort=None,
        fmt="csv",
        weekday=0,
        hour=9,
        now=MONDAY_9_CET - dt.timedelta(days=1),
    )
    send_due_schedules(now=MONDAY_9_CET)
    (message,) = mail.outbox
    assert message.attachments == []
    run = ReportRun.objects.get()
    link = "https://omni.example.com" + reverse("reports:run-download", args=[run.pk])
    assert link in message.body and f'href="{link}"' in message.alternatives[0][0]
    assert (run.user, run.status, run.report) == (user, "done", "test-sched-days") and run.size > 50
    client.force_login(user)
    rows = _csv(b"".join(client.get(reverse("reports:run-download", args=[run.pk])).streaming_content))
    assert rows[0] == ["Date", "Units"] and len(rows) == 8


# --- Lost permissions and failures ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_user_who_lost_the_permission_has_the_schedule_deactivated(places):
    demoted = _user("sched-demoted", role="store_manager", locations=[places["SC-01"]])
    gone = _user("sched-gone")
    moved = _user("sched-moved", role="store_manager", locations=[places["SC-01"]])
    schedules = {
        user.username: create_report_schedule(
            user=user,
            slug="test-sched-days",
            params={"location": str(places["SC-01"].pk)},
            sort=None,
            fmt="csv",
            weekday=0,
            hour=9,
            now=MONDAY_9_CET - dt.timedelta(days=1),
        )
        for user in (demoted, gone, moved)
    }
    demoted.role = "associate"
    demoted.save(update_fields=["role"])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    moved.staff_memberships.all().delete()
    moved_to = places["SC-02"]
    from stores.models import StaffMembership

    StaffMembership.objects.create(user=moved, location=moved_to)

    with translation.override("en"):  # the beat job writes the reasons in the site's language
        assert send_due_schedules(now=MONDAY_9_CET) == {"deactivated": 3}
    assert mail.outbox == []
    for name, schedule in schedules.items():
        schedule.refresh_from_db()
        assert not schedule.active and schedule.last_error.startswith("Stopped"), (name, schedule.last_error)
    assert "no longer an active manager" in schedules["sched-demoted"].last_error
    assert "filters are not valid" in schedules["sched-moved"].last_error  # SC-01 is not theirs any more


@pytest.mark.django_db
def test_one_failing_schedule_does_not_stop_the_others(places):
    user = _user("sched-fail")
    broken = create_report_schedule(
        user=user,
        slug="test-sched-broken",
        params={},
        sort=None,
        fmt="csv",
        weekday=0,
        hour=9,
        now=MONDAY_9_CET - dt.timedelta(days=1),
    )
    good = create_report_schedule(
        user=user,
        slug="test-sched-days",
        params={},
        sort=None,
        fmt="csv",
        weekday=0,
        hour=9,
        now=MONDAY_9_CET - dt.timedelta(days=1),
    )
    assert broken.pk < good.pk
    assert send_due_schedules(now=MONDAY_9_CET) == {"failed": 1, "sent": 1}
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments
    broken.refresh_from_db()
    assert broken.active and broken.failures == 1 and "the warehouse feed is down" in broken.last_error
    assert broken.next_run_at == MONDAY_9_CET  # retried at the next beat
    # the next beats retry it; after three failures in a row it waits for next week
    assert send_due_schedules(now=MONDAY_9_CET + dt.timedelta(minutes=15)) == {"failed": 1}
    assert send_due_schedules(now=MONDAY_9_CET + dt.timedelta(minutes=30)) == {"failed": 1}
    broken.refresh_from_db()
    assert broken.active and broken.failures == 0
    assert broken.next_run_at == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert ReportSchedule.objects.get(pk=good.pk).next_run_at == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_an_email_that_cannot_be_sent_is_retried(places, monkeypatch):
    user = _user("sched-smtp")
    schedule = create_report_schedule(
        user=user,
        slug="test-sched-days",
        params={},
        sort=None,
        fmt="csv",
        weekday=0,
        hour=9,
        now=MONDAY_9_CET - dt.timedelta(days=1),
    )

    def refuse(self, fail_silently=False):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("SMTP down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
        assert send_due_schedules(now=MONDAY_9_CET) == {"failed": 1}
    schedule.refresh_from_db()
    assert schedule.last_sent_at is None and schedule.failures == 1 and "SMTP down" in schedule.last_error
    assert send_due_schedules(now=MONDAY_9_CET + dt.timedelta(minutes=15)) == {"sent": 1}
    schedule.refresh_from_db()
    assert schedule.failures == 0 and schedule.last_error == "" and len(mail.outbox) == 1


# --- The pages ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schedule_a_report_from_its_page(client, places):
    user = _user("sched-page", role="store_manager", locations=[places["SC-01"]])
    client.force_login(user)
    today = timezone.localdate()
    query = f"date_from={today - dt.timedelta(days=6):%Y-%m-%d}&date_to={today:%Y-%m-%d}&sort=-day&format=csv"
    url = reverse("reports:schedule-create", args=["test-sched-days"])
    page = client.get(f"{url}?{query}", **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="fixed_dates"' in html and 'name="fixed_dates" checked' not in html
    assert "each email covers the last 7 days up to the day it is sent" in html
    response = client.post(
        url,
        {
            "filter-date_from": (today - dt.timedelta(days=6)).isoformat(),
            "filter-date_to": today.isoformat(),
            "sort": "-day",
            "weekday": "4",
            "hour": "7",
            "format": "csv",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("reports:schedule-list")
    schedule = ReportSchedule.objects.get()
    assert (
        schedule.user,
        schedule.params,
        schedule.sort,
        schedule.weekday,
        schedule.hour,
        schedule.format,
    ) == (
        user,
        {},
        "-day",
        4,
        7,
        "csv",
    )
    local = schedule.next_run_at.astimezone(timezone.get_default_timezone())
    assert (local.weekday(), local.hour, local.minute) == (4, 7, 0) and schedule.next_run_at > timezone.now()
    listing = client.get(reverse("reports:schedule-list"), **EN).content.decode()
    assert "Test schedules: days" in listing and "Friday 07:00" in listing

    # explicit dates, kept on purpose
    client.post(
        url,
        {
            "filter-date_from": "2026-01-05",
            "filter-date_to": "2026-01-07",
            "weekday": "0",
            "hour": "8",
            "format": "xlsx",
            "fixed_dates": "on",
        },
    )
    kept = ReportSchedule.objects.latest("pk")
    assert kept.params == {"date_from": "2026-01-05", "date_to": "2026-01-07"} and kept.format == "xlsx"
    # other dates than the default window: the box comes ticked
    html = client.get(f"{url}?date_from=2026-01-05&date_to=2026-01-07", **EN).content.decode()
    assert 'name="fixed_dates" id="id_fixed_dates" checked' in html


@pytest.mark.django_db
def test_scheduling_needs_an_email_address(client, places):
    user = _user("sched-noemail")
    user.email = ""
    user.save(update_fields=["email"])
    client.force_login(user)
    url = reverse("reports:schedule-create", args=["test-sched-days"])
    assert 'data-testid="no-email"' in client.get(url, **EN).content.decode()
    response = client.post(url, {"weekday": "0", "hour": "8", "format": "csv"}, **EN)
    assert response.status_code == 400
    assert "Your account has no email address" in response.content.decode()
    assert not ReportSchedule.objects.exists()


@pytest.mark.django_db
def test_bad_input_is_a_form_error(client, places):
    client.force_login(_user("sched-bad"))
    url = reverse("reports:schedule-create", args=["test-sched-days"])
    for data in (
        {"weekday": "7", "hour": "8", "format": "csv"},
        {"weekday": "0", "hour": "24", "format": "csv"},
        {"weekday": "0", "hour": "8", "format": "pdf"},
    ):
        assert client.post(url, data, **EN).status_code == 400, data
    bad_date = {
        "weekday": "0",
        "hour": "8",
        "format": "csv",
        "filter-date_from": "2026-02-30",
        "fixed_dates": "on",
    }
    response = client.post(url, bad_date, **EN)
    assert response.status_code == 400 and 'data-testid="filter-errors"' in response.content.decode()
    assert not ReportSchedule.objects.exists()


@pytest.mark.django_db
def test_pause_resume_delete_only_ones_own(client, places):
    owner = _user("sched-owner")
    other = _user("sched-other")
    schedule = create_report_schedule(
        user=owner, slug="test-sched-days", params={}, sort=None, fmt="csv", weekday=2, hour=6
    )
    client.force_login(other)
    for action in ("pause", "resume", "delete"):
        assert client.post(reverse(f"reports:schedule-{action}", args=[schedule.pk])).status_code == 404
    assert "Test schedules: days" not in client.get(reverse("reports:schedule-list"), **EN).content.decode()

    client.force_login(owner)
    assert client.get(reverse("reports:schedule-pause", args=[schedule.pk])).status_code == 405
    assert client.post(reverse("reports:schedule-pause", args=[schedule.pk])).status_code == 302
    schedule.refresh_from_db()
    assert not schedule.active
    ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_at=timezone.now() - dt.timedelta(days=20))
    assert client.post(reverse("reports:schedule-resume", args=[schedule.pk])).status_code == 302
    schedule.refresh_from_db()
    assert schedule.active and schedule.next_run_at > timezone.now()  # from the next slot, not the missed one
    assert client.post(reverse("reports:schedule-delete", args=[schedule.pk])).status_code == 302
    assert not ReportSchedule.objects.exists()


@pytest.mark.django_db
def test_associates_get_403(client, places):
    associate = _user("sched-assoc", role="associate", locations=[places["SC-01"]])
    client.force_login(associate)
    assert client.get(reverse("reports:schedule-create", args=["test-sched-days"])).status_code == 403
    assert (
        client.post(
            reverse("reports:schedule-create", args=["test-sched-days"]),
            {"weekday": "0", "hour": "8", "format": "csv"},
        ).status_code
        == 403
    )
    assert client.get(reverse("reports:schedule-list")).status_code == 403
    assert not ReportSchedule.objects.exists()
