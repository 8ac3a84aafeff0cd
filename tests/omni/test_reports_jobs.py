"""Reports in the background: a run started from its page, done by the (eager) task, downloaded; progress
while it streams; who sees which run; a failing report; the stuck-run sweeper and the retention purge.

The reports here are registered by this module, over rows it makes (stores_location) or generates
(generate_series), so the figures do not depend on the stock and channel reports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from omni.models import ReportRun
from omni.reports import base, exports, jobs
from omni.reports.base import Column, Kind, Report, ReportFilters
from omni.reports.tasks import fail_stuck_report_runs_task, purge_report_runs_task, run_report_task
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


class JobLocationsReport(Report):
    slug = "test-jobs-locations"
    title = "Test jobs: locations"
    group = "stock"
    columns = (Column("code", "Code"), Column("name", "Name"), Column("city", "City"))
    filters = frozenset({"location"})
    default_sort = "code"

    def query(self, filters: ReportFilters) -> tuple[str, list]:
        sql = "SELECT code, name, city FROM stores_location WHERE code LIKE 'JB-%%'"
        params: list = []
        if filters.location_ids is not None:
            sql += " AND id = ANY(%s)"
            params.append(list(filters.location_ids))
        return sql, params


class JobNumbersReport(Report):
    """12,000 rows: enough for the progress callback (every 5,000 rows) to fire twice before the end."""

    slug = "test-jobs-numbers"
    title = "Test jobs: numbers"
    group = "stock"
    columns = (Column("n", "N", Kind.INT, total=True),)
    default_sort = "n"
    rows = 12_000

    def query(self, filters: ReportFilters) -> tuple[str, list]:
        return "SELECT g AS n FROM generate_series(1, %s) AS g", [self.rows]


class JobBrokenReport(Report):
    """Fails in PostgreSQL on its fifth row (division by zero), after the export has started."""

    slug = "test-jobs-broken"
    title = "Test jobs: broken"
    group = "stock"
    columns = (Column("n", "N", Kind.INT),)
    default_sort = "n"

    def query(self, filters: ReportFilters) -> tuple[str, list]:
        return "SELECT 1 / (g - 5) AS n FROM generate_series(1, 10) AS g", []


@pytest.fixture(autouse=True)
def test_reports(monkeypatch):
    """This module's reports, registered for each test only (the registry is put back afterwards, so other
    modules that list every report never meet them)."""
    for report in (JobLocationsReport(), JobNumbersReport(), JobBrokenReport()):
        monkeypatch.setitem(base._reports, report.slug, report)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def places(db):
    return {
        code: LocationFactory(code=code, name=f"Negozio {code}", city=city)
        for code, city in (("JB-01", "Milano"), ("JB-02", "Torino"), ("JB-03", "Roma"))
    }


@pytest.fixture
def hq(db):
    return UserFactory(username="jobs-hq", role="hq_manager")


@pytest.fixture
def manager(places):
    return UserFactory(username="jobs-sm", role="store_manager", locations=[places["JB-01"]])


def _csv(response) -> list[list[str]]:
    """The rows, split as a spreadsheet of the run's language would (`;` where decimals take a comma)."""
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";" if ";" in body.splitlines()[0] else ","))


# --- The lifecycle, through the pages ------------------------------------------------------------------


@pytest.mark.django_db
def test_run_from_confirmation_to_download(client, hq, places, django_capture_on_commit_callbacks):
    client.force_login(hq)
    url = reverse("reports:run-create", args=["test-jobs-locations"])
    page = client.get(url + "?format=csv&sort=-code", **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Test jobs: locations" in html and 'name="sort" value="-code"' in html
    assert '<option value="csv" selected>' in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"sort": "-code", "format": "csv", "filter-location": ""})
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:run-detail", args=[run.pk]
    )
    assert (run.user, run.report, run.format, run.sort) == (hq, "test-jobs-locations", "csv", "-code")
    assert run.status == ReportRun.Status.DONE and run.rows_done == 3 and run.error == ""
    assert run.started_at and run.finished_at and run.size == os.path.getsize(run.file.path)
    assert run.file.name.startswith(f"reports/{run.pk}/test-jobs-locations-")

    detail = client.get(response["Location"], **EN).content.decode()
    assert "<progress" in detail and 'data-testid="run-download"' in detail
    assert 'http-equiv="refresh"' not in detail  # finished: nothing reloads any more
    status = client.get(reverse("reports:run-status", args=[run.pk])).json()
    assert status["status"] == "done" and status["finished"] and status["rows_done"] == 3
    assert status["download_url"] == reverse("reports:run-download", args=[run.pk])

    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert (
        download["Content-Disposition"].startswith("attachment;")
        and ".csv" in download["Content-Disposition"]
    )
    assert download["Content-Type"].startswith("text/csv")
    rows = _csv(download)
    assert rows == [
        ["Code", "Name", "City"],
        ["JB-03", "Negozio JB-03", "Roma"],
        ["JB-02", "Negozio JB-02", "Torino"],
        ["JB-01", "Negozio JB-01", "Milano"],
    ]
    listing = client.get(reverse("reports:run-list"), **EN).content.decode()
    assert "Test jobs: locations" in listing and status["download_url"] in listing


@pytest.mark.django_db
def test_a_running_run_refreshes_itself(client, hq, places):
    run = ReportRun.objects.create(user=hq, report="test-jobs-locations", status="running", rows_done=40)
    client.force_login(hq)
    html = client.get(reverse("reports:run-detail", args=[run.pk]), **EN).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert "omni/report_run" in html and 'data-testid="run-download"' not in html
    assert reverse("reports:run-status", args=[run.pk]) in html
    data = client.get(reverse("reports:run-status", args=[run.pk]), **EN).json()
    assert data == {
        "id": run.pk,
        "status": "running",
        "status_label": "Running",
        "rows_done": 40,
        "rows_estimate": None,
        "size": None,
        "error": "",
        "finished": False,
        "download_url": None,
    }
    assert client.get(reverse("reports:run-download", args=[run.pk])).status_code == 404  # no file yet


@pytest.mark.django_db
def test_xlsx_run_of_a_store_manager_holds_only_their_location(client, manager, places):
    client.force_login(manager)
    url = reverse("reports:run-create", args=["test-jobs-locations"])
    run = jobs.start_report_run(user=manager, slug="test-jobs-locations", params={}, sort=None, fmt="xlsx")
    run_report_task(run.pk)  # what the worker does after commit
    run.refresh_from_db()
    assert run.status == "done" and run.rows_done == 1
    download = client.get(reverse("reports:run-download", args=[run.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["Code", "Name", "City"],
        ["JB-01", "Negozio JB-01", "Milano"],
    ]
    # another store's location is a form error, and no run
    response = client.post(
        url, {"format": "csv", "filter-location": str(places["JB-02"].pk), "sort": ""}, **EN
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html and "Select a valid choice" in html
    assert ReportRun.objects.count() == 1


@pytest.mark.django_db
def test_a_bad_format_or_bad_filters_are_form_errors(client, hq, places):
    client.force_login(hq)
    url = reverse("reports:run-create", args=["test-jobs-locations"])
    assert client.post(url, {"format": "pdf"}, **EN).status_code == 400
    assert client.get(url + "?location=999999", **EN).status_code == 400  # shown, not a 500
    assert client.post(url, {"format": "csv", "filter-location": "nope"}, **EN).status_code == 400
    assert ReportRun.objects.count() == 0
    assert client.get(reverse("reports:run-create", args=["no-such-report"])).status_code == 404


# --- Progress -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rows_done_grows_while_the_export_streams(hq, monkeypatch):
    seen: list[tuple[int, int, str]] = []
    original = jobs.record_progress

    def spy(*, run_id: int, rows: int) -> None:
        original(run_id=run_id, rows=rows)
        row = ReportRun.objects.get(pk=run_id)  # what the progress page reads at that moment
        seen.append((rows, row.rows_done, row.status))

    monkeypatch.setattr(jobs, "record_progress", spy)
    run = jobs.start_report_run(user=hq, slug="test-jobs-numbers", params={}, sort="-n", fmt="csv")
    assert jobs.run_report(run_id=run.pk) == "done"
    assert seen == [(5000, 5000, "running"), (10000, 10000, "running"), (12000, 12000, "running")]
    run.refresh_from_db()
    assert run.status == "done" and run.rows_done == 12_000 and run.rows_estimate and run.rows_estimate > 0
    with run.file.open("rb") as handle:
        lines = handle.read().decode("utf-8-sig").splitlines()
    assert len(lines) == 12_001 and lines[1] == "12000" and lines[-1] == "1"


@pytest.mark.django_db
def test_progress_is_reported_at_the_export_interval(hq, monkeypatch):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 3000)
    calls: list[int] = []
    monkeypatch.setattr(jobs, "record_progress", lambda *, run_id, rows: calls.append(rows))
    run = jobs.start_report_run(user=hq, slug="test-jobs-numbers", params={}, sort=None, fmt="xlsx")
    jobs.run_report(run_id=run.pk)
    assert calls == [3000, 6000, 9000, 12000, 12000]


# --- Who sees what ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_another_users_run_is_404(client, hq, manager, places):
    run = jobs.start_report_run(user=hq, slug="test-jobs-locations", params={}, sort=None, fmt="csv")
    jobs.run_report(run_id=run.pk)
    other = UserFactory(username="jobs-other-hq", role="hq_manager")
    client.force_login(other)
    for name in ("run-detail", "run-status", "run-download"):
        assert client.get(reverse(f"reports:{name}", args=[run.pk])).status_code == 404, name
    assert client.get(reverse("reports:run-detail", args=[run.pk + 1000])).status_code == 404
    assert "Test jobs: locations" not in client.get(reverse("reports:run-list"), **EN).content.decode()
    client.force_login(hq)
    assert client.get(reverse("reports:run-download", args=[run.pk])).status_code == 200


@pytest.mark.django_db
def test_associates_get_403(client, places):
    associate = UserFactory(username="jobs-assoc", role="associate", locations=[places["JB-01"]])
    mine = ReportRun.objects.create(user=associate, report="test-jobs-locations", status="done")
    client.force_login(associate)
    create = reverse("reports:run-create", args=["test-jobs-locations"])
    assert client.get(create).status_code == 403
    assert client.post(create, {"format": "csv"}).status_code == 403
    assert client.get(reverse("reports:run-list")).status_code == 403
    assert client.get(reverse("reports:run-detail", args=[mine.pk])).status_code == 403
    assert ReportRun.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("reports:run-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_permission_is_checked_again_when_the_task_runs(manager):
    run = jobs.start_report_run(user=manager, slug="test-jobs-locations", params={}, sort=None, fmt="csv")
    manager.role = "associate"
    manager.save(update_fields=["role"])
    with translation.override("en"):
        assert jobs.run_report(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and run.error == "You may not see this report."
    assert not run.file


# --- Failures, idempotence, the sweeper and retention ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_report_that_fails_marks_its_run_failed(client):
    hq = UserFactory(username="jobs-hq-tx", role="hq_manager")
    client.force_login(hq)
    response = client.post(
        reverse("reports:run-create", args=["test-jobs-broken"]), {"format": "csv", "sort": ""}, **EN
    )
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert run.status == "failed" and "division by zero" in run.error and run.finished_at is not None
    assert not run.file and not run.size
    html = client.get(reverse("reports:run-detail", args=[run.pk]), **EN).content.decode()
    assert 'data-testid="run-error"' in html and "division by zero" in html
    assert client.get(reverse("reports:run-download", args=[run.pk])).status_code == 404
    # the worker's connection is still usable for the next run
    other = jobs.start_report_run(user=hq, slug="test-jobs-numbers", params={}, sort=None, fmt="csv")
    other.refresh_from_db()
    assert other.status == "done" and other.rows_done == 12_000


@pytest.mark.django_db
def test_a_run_is_not_redone(hq, places):
    run = jobs.start_report_run(user=hq, slug="test-jobs-locations", params={}, sort=None, fmt="csv")
    assert run_report_task(run.pk) == "done"
    run.refresh_from_db()
    first_file, finished = run.file.name, run.finished_at
    assert run_report_task(run.pk) == "done"  # a second delivery of the task
    run.refresh_from_db()
    assert (run.file.name, run.finished_at) == (first_file, finished)
    running = ReportRun.objects.create(user=hq, report="test-jobs-locations", status="running")
    assert jobs.run_report(run_id=running.pk) == "running"
    assert jobs.run_report(run_id=987654) == "missing"


@pytest.mark.django_db
def test_stuck_runs_are_marked_failed(hq):
    now = timezone.now()
    stuck = ReportRun.objects.create(
        user=hq, report="x", status="running", started_at=now - dt.timedelta(hours=2)
    )
    busy = ReportRun.objects.create(
        user=hq, report="x", status="running", started_at=now - dt.timedelta(minutes=50)
    )
    lost = ReportRun.objects.create(
        user=hq, report="x", status="queued", created_at=now - dt.timedelta(hours=3)
    )
    waiting = ReportRun.objects.create(
        user=hq, report="x", status="queued", created_at=now - dt.timedelta(minutes=5)
    )
    old_done = ReportRun.objects.create(
        user=hq,
        report="x",
        status="done",
        started_at=now - dt.timedelta(hours=5),
        created_at=now - dt.timedelta(hours=5),
    )
    assert fail_stuck_report_runs_task.delay().get() == 2
    states = {r.pk: (r.status, r.error) for r in ReportRun.objects.all()}
    assert states[stuck.pk][0] == "failed" and states[stuck.pk][1]
    assert states[lost.pk][0] == "failed" and states[lost.pk][1]
    assert states[busy.pk] == ("running", "") and states[waiting.pk] == ("queued", "")
    assert states[old_done.pk] == ("done", "")


@pytest.mark.django_db
def test_a_run_swept_while_it_ran_keeps_no_file(hq, places, monkeypatch):
    run = jobs.start_report_run(user=hq, slug="test-jobs-locations", params={}, sort=None, fmt="csv")
    original = jobs.store_file

    def store_then_sweep(*args, **kwargs):
        name = original(*args, **kwargs)
        jobs.fail_stuck_runs(now=timezone.now() + dt.timedelta(hours=2))
        return name

    monkeypatch.setattr(jobs, "store_file", store_then_sweep)
    assert jobs.run_report(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and not run.file
    assert os.path.isdir(default_storage.path("reports"))  # the file was written, then removed
    assert not any(files for _root, _dirs, files in os.walk(default_storage.path("reports")))


@pytest.mark.django_db
def test_retention_deletes_old_runs_and_their_files(hq, places, settings):
    settings.OMNI_REPORT_RUN_DAYS = 7
    old = jobs.start_report_run(user=hq, slug="test-jobs-locations", params={}, sort=None, fmt="csv")
    new = jobs.start_report_run(user=hq, slug="test-jobs-locations", params={}, sort=None, fmt="xlsx")
    for run in (old, new):
        jobs.run_report(run_id=run.pk)
        run.refresh_from_db()
    ReportRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=7, minutes=1))
    failed = ReportRun.objects.create(
        user=hq, report="x", status="failed", created_at=timezone.now() - dt.timedelta(days=30)
    )
    old_path, new_path = old.file.path, new.file.path
    assert os.path.exists(old_path) and os.path.exists(new_path)
    assert purge_report_runs_task.delay().get() == 2
    assert set(ReportRun.objects.values_list("pk", flat=True)) == {new.pk}
    assert not os.path.exists(old_path) and not os.path.exists(os.path.dirname(old_path))
    assert os.path.exists(new_path)
    assert not ReportRun.objects.filter(pk=failed.pk).exists()


def test_the_beat_runs_the_sweeper_purge_and_schedules(settings):
    from omni.celery import app

    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in (
        "omni.reports.tasks.send_due_report_schedules_task",
        "omni.reports.tasks.fail_stuck_report_runs_task",
        "omni.reports.tasks.purge_report_runs_task",
    ):
        assert name in tasks and name in app.tasks
    assert "omni.reports.tasks.run_report_task" in app.tasks


# --- In a browser: the page follows the run by itself ------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_progress_page_follows_the_run_and_offers_the_download(page):
    from tests.conftest import browser_login

    for code, city in (("JB-01", "Milano"), ("JB-02", "Torino")):
        LocationFactory(code=code, name=f"Negozio {code}", city=city)
    user = UserFactory(username="jobs-browser", role="hq_manager")
    run = ReportRun.objects.create(
        user=user, report="test-jobs-locations", format="csv", status="running", rows_estimate=1000
    )
    browser_login(page, "jobs-browser")
    page.goto(page.base_url + reverse("reports:run-detail", args=[run.pk]))
    bar = page.locator("[data-testid=run-progress]")
    assert bar.get_attribute("max") == "1000"

    ReportRun.objects.filter(pk=run.pk).update(rows_done=600)  # what the task's progress callback does
    # (not wait_for_function: it evaluates a string, which the pages' CSP refuses, as it should)
    expect(page.locator("[data-testid=run-progress]")).to_have_js_property("value", 600, timeout=8000)

    ReportRun.objects.filter(pk=run.pk).update(status="queued")
    assert jobs.run_report(run_id=run.pk) == "done"  # the worker finishes: the page reloads itself
    download_button = page.locator("[data-testid=run-download]")
    download_button.wait_for(timeout=8000)
    with page.expect_download() as info:
        download_button.click()
    path = info.value.path()
    with open(path, encoding="utf-8-sig") as handle:
        assert list(csv.reader(handle, delimiter=";")) == [  # the manager's Italian: fields split on ";"
            ["Code", "Name", "City"],
            ["JB-01", "Negozio JB-01", "Milano"],
            ["JB-02", "Negozio JB-02", "Torino"],
        ]
