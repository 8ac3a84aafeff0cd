"""The read replica's router (omni/db_router.py), in process. Without DATABASE_REPLICA_URL everything is on
the primary. With a replica, only the reports' queries (pages, figures, exports, the planner's estimate) go
there; model reads outside a report, every write, the API and the other pages stay on the primary. A replica
that does not answer, or fails a query, sends the report to the primary with a warning.

The "replica" here is a second connection to the test database: it cannot see what the test wrote in its
own (uncommitted) transaction on the primary, so a report that finds no rows read from the replica.
tests/test_replica_server.py does the same with a real streaming standby."""

from __future__ import annotations

import copy
import logging
import socket
import types
from collections.abc import Iterator
from contextlib import suppress

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from omni import db_router
from omni.db_router import (
    REPLICA,
    ReplicaRouter,
    reading_from_replica,
    replica_configured,
    report_alias,
    report_connection,
    report_query,
)
from omni.reports import runner
from stores.models import Location
from tests.omni.factories import UserFactory
from tests.omni.test_reports_platform import everything, make_network, register_test_reports

pytestmark = pytest.mark.django_db
ROUTER = ReplicaRouter()


def _ensure_connection(self) -> None:  # type: ignore[no-untyped-def]
    """What BaseDatabaseWrapper.ensure_connection does, for the "replica" alias: Django's test case (and
    pytest-django's blocker) patch that method to refuse aliases they were not told about when the test
    started, and the alias is added by a fixture after that."""
    if self.connection is None:
        with self.wrap_database_errors:
            self.connect()


@pytest.fixture
def reports(monkeypatch):
    return register_test_reports(monkeypatch)


@pytest.fixture
def network(db):
    return make_network()


def _add_replica(monkeypatch, settings_dict: dict) -> Iterator[None]:
    monkeypatch.setitem(connections.settings, REPLICA, settings_dict)
    replica = connections[REPLICA]
    replica.ensure_connection = types.MethodType(_ensure_connection, replica)  # type: ignore[method-assign]
    db_router.reset_replica_backoff()
    try:
        yield
    finally:
        with suppress(Exception):
            connections[REPLICA].close()
        with suppress(AttributeError):
            del connections[REPLICA]
        db_router.reset_replica_backoff()


@pytest.fixture
def replica(db, monkeypatch) -> Iterator[None]:
    """A "replica" alias: another connection to the test database (it sees only committed rows)."""
    settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}
    yield from _add_replica(monkeypatch, settings_dict)


@pytest.fixture
def dead_replica(db, monkeypatch) -> Iterator[None]:
    """A "replica" alias on a port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings_dict = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    settings_dict.update(HOST="127.0.0.1", PORT=str(port))
    settings_dict["OPTIONS"] = {
        k: v for k, v in settings_dict.get("OPTIONS", {}).items() if k not in {"host", "port"}
    }
    settings_dict["OPTIONS"]["connect_timeout"] = 2
    yield from _add_replica(monkeypatch, settings_dict)


def test_without_a_replica_everything_is_on_the_primary(reports, network):
    assert not replica_configured()
    assert ROUTER.db_for_read(Location) is None  # Django's own choice: the primary
    with reading_from_replica() as alias:
        assert alias == DEFAULT_DB_ALIAS and report_alias() == DEFAULT_DB_ALIAS
        assert report_connection() is connections[DEFAULT_DB_ALIAS]
        assert Location.objects.all().db == DEFAULT_DB_ALIAS
    assert ROUTER.db_for_write(Location) == DEFAULT_DB_ALIAS
    assert ROUTER.allow_migrate(DEFAULT_DB_ALIAS, "stores") and not ROUTER.allow_migrate(REPLICA, "stores")
    assert ROUTER.allow_relation(object(), object())
    page = runner.run_page(reports["test-locations"], everything())
    assert page.count == 5


def test_with_a_replica_model_reads_go_there_only_inside_a_report(replica):
    assert replica_configured()
    assert Location.objects.all().db == DEFAULT_DB_ALIAS
    with reading_from_replica() as alias:
        assert alias == REPLICA and report_connection() is connections[REPLICA]
        assert Location.objects.all().db == REPLICA
        assert ROUTER.db_for_write(Location) == DEFAULT_DB_ALIAS  # writes never
        with reading_from_replica() as inner:  # nested: the outer block's choice
            assert inner == REPLICA
    assert report_alias() == DEFAULT_DB_ALIAS and Location.objects.all().db == DEFAULT_DB_ALIAS


def test_report_pages_counts_estimates_and_exports_read_from_the_replica(replica, reports, network):
    report = reports["test-locations"]
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        page = runner.run_page(report, everything())
        assert runner.count_rows(report, everything()) == 0
        assert runner.estimate_rows(report, everything()) >= 0
        rows = runner.iter_rows(report, everything())
        assert list(rows) == []
    # the test's rows are not committed: the primary sees them, the replica does not
    assert page.count == 0 and page.rows == []
    assert Location.objects.filter(code__startswith="TA-").count() == 5
    assert len(on_replica.captured_queries) >= 4
    assert any("stores_location" in q["sql"] for q in on_replica.captured_queries)


def test_an_export_leaves_the_replica_block_before_yielding_rows(replica, reports, monkeypatch):
    """The rows' generator must not keep the replica chosen while the code consuming it runs (a background
    run records its progress and re-reads its run row between chunks)."""
    monkeypatch.setattr(reports["test-locations"], "query", lambda f: ("SELECT 'TA-01' AS code", []))
    monkeypatch.setattr(reports["test-locations"], "columns", reports["test-locations"].columns[:1])
    rows = runner.iter_rows(reports["test-locations"], everything())
    assert next(rows) == ("TA-01",)
    assert report_alias() == DEFAULT_DB_ALIAS and Location.objects.all().db == DEFAULT_DB_ALIAS
    assert list(rows) == []


def test_pages_api_and_reports_through_the_client(client, replica, reports, network, make_api_client):
    hq = UserFactory(username="hq-replica", role="hq_manager")
    client.force_login(hq)
    api = make_api_client("integration")
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get(reverse("dashboard")).status_code == 200
        assert client.get(reverse("stores:list")).status_code == 200
        listed = api.get("/api/v1/locations/?limit=200")
        assert listed.status_code == 200
        assert {"TA-01", "TA-05"} <= {loc["code"] for loc in listed.json()["results"]}
    assert on_replica.captured_queries == []  # what must see the test's own writes never went there
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        page = client.get(reverse("reports:report", args=["test-locations"]), HTTP_ACCEPT_LANGUAGE="en")
        export = client.get(reverse("reports:export", args=["test-locations"]) + "?format=csv")
        body = b"".join(export.streaming_content)  # type: ignore[attr-defined]
    assert page.status_code == 200 and export.status_code == 200
    # read where the test's rows are not committed
    assert b"No rows for these filters." in page.content and b'data-testid="report-table"' not in page.content
    assert b"TA-01" not in body
    assert len(on_replica.captured_queries) >= 2


def test_a_replica_that_does_not_answer_sends_reports_to_the_primary(dead_replica, reports, network, caplog):
    report = reports["test-locations"]
    with caplog.at_level(logging.WARNING, logger="omni.db_router"):
        page = runner.run_page(report, everything())
        assert page.count == 5  # the primary's rows
        assert len(list(runner.iter_rows(report, everything()))) == 5
        with reading_from_replica() as alias:  # in its back-off: not asked again
            assert alias == DEFAULT_DB_ALIAS
    warnings = [r for r in caplog.records if r.name == "omni.db_router"]
    assert len(warnings) == 1 and "read replica failed" in warnings[0].getMessage()


def test_a_query_the_replica_fails_is_done_again_on_the_primary(replica, caplog):
    tried: list[str] = []

    def work() -> str:
        tried.append(report_alias())
        if report_alias() == REPLICA:
            raise OperationalError("canceling statement due to conflict with recovery")
        with report_connection().cursor() as cursor:
            cursor.execute("SELECT 'answered'")
            return cursor.fetchone()[0]

    with caplog.at_level(logging.WARNING, logger="omni.db_router"):
        assert report_query(work) == "answered"
    assert tried == [REPLICA, DEFAULT_DB_ALIAS]
    assert "conflict with recovery" in caplog.text
    assert report_alias() == DEFAULT_DB_ALIAS
