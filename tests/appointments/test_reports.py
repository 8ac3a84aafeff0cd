"""The "Appointments" report: per store, service and week (the Monday of the start, Rome time), booked,
completed, cancelled, no-shows, not marked yet and the no-show rate = no-shows / (completed + no-shows)."""

import datetime as dt
from decimal import Decimal

import pytest

from appointments.models import AppointmentStatus
from omni.reports.base import ReportFilters, get_report
from omni.reports.runner import run_page
from tests.appointments.factories import AppointmentFactory, ServiceFactory, at

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 2)  # a Monday in the past


def test_counts_per_store_service_and_week(fitting, rm):
    styling = ServiceFactory(location=fitting.location, code="styling", name="Styling")
    rome = ServiceFactory(location=rm, code="fitting", name="Rome fitting")
    first = {
        AppointmentStatus.COMPLETED: 3,
        AppointmentStatus.NO_SHOW: 1,
        AppointmentStatus.CANCELLED: 2,
        AppointmentStatus.BOOKED: 1,
    }
    for status, count in first.items():
        for n in range(count):
            AppointmentFactory(service=fitting, start=at(MONDAY + dt.timedelta(days=n), 10), status=status)
    # Sunday 8 November 23:30 in Rome is 22:30 UTC: still the first week
    AppointmentFactory(service=fitting, start=at(MONDAY + dt.timedelta(days=6), 23, 30), status="no_show")
    AppointmentFactory(service=fitting, start=at(MONDAY + dt.timedelta(days=7), 10), status="completed")
    AppointmentFactory(service=styling, start=at(MONDAY, 11), status="completed")
    AppointmentFactory(service=rome, start=at(MONDAY, 11), status="no_show")
    AppointmentFactory(service=rome, start=at(MONDAY - dt.timedelta(days=1), 11))  # before the period

    filters = ReportFilters(date_from=MONDAY, date_to=MONDAY + dt.timedelta(days=13))
    page = run_page(get_report("appointments"), filters, per_page=200)
    got = {(r["week"], r["location"], r["service"]): r for r in page.rows}
    assert set(got) == {
        (MONDAY, "MI-1", "Tailoring fitting"),
        (MONDAY + dt.timedelta(days=7), "MI-1", "Tailoring fitting"),
        (MONDAY, "MI-1", "Styling"),
        (MONDAY, "RM-1", "Rome fitting"),
    }
    week1 = got[(MONDAY, "MI-1", "Tailoring fitting")]
    assert (week1["booked"], week1["completed"], week1["cancelled"], week1["no_shows"], week1["open"]) == (
        8,
        3,
        2,
        2,
        1,
    )
    assert week1["no_show_rate"] == Decimal("0.4000")  # 2 / (3 + 2)
    assert got[(MONDAY, "RM-1", "Rome fitting")]["no_show_rate"] == Decimal("1.0000")
    assert page.totals["booked"] == 11

    rome_only = run_page(
        get_report("appointments"), ReportFilters(date_from=MONDAY, date_to=MONDAY, location_ids=(rm.pk,))
    )
    assert [(r["location"], r["no_shows"]) for r in rome_only.rows] == [("RM-1", 1)]
