"""The benchmark's own code runs against the current schema (make bench is not in CI), at tiny scale: the
raw-SQL baseline writes orders the database accepts and is measured, the in-process profile places real
orders, a failing client fails the run instead of vanishing, the whole stock part runs through gunicorn
(without and with a broker) and is written up, and so is the reports part."""

import time
from decimal import Decimal

import pytest
from django.db import connection

from inventory.models import Reservation
from inventory.services import record_movement
from omni.actors import Actor
from omni.dburl import url_for
from orders.models import Order
from tests.inventory.factories import VariantFactory
from tests.stores.factories import WarehouseFactory
from tools.bench import cost
from tools.bench import placement as bench

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def skus():
    hub = WarehouseFactory(code="WH-B")
    variants = [VariantFactory(sku=f"B-{i}", price=Decimal("10.00")) for i in range(6)]
    for variant in variants:
        record_movement(
            actor=Actor.system(), location_id=hub.pk, variant_id=variant.pk, kind="receipt", quantity=500
        )
    return [v.sku for v in variants]


def test_the_raw_sql_baseline_places_orders_and_is_measured(skus):
    dsn = url_for(connection.settings_dict)
    connection.close()  # reports the fixture's commits now, not during the run
    pg = cost.PgServer(dsn)
    run = bench.raw_sql_run(dsn, skus, concurrency=2, seconds=0.5, lines=4, meter=cost.CostMeter(pg))
    assert run.placed > 0 and run.lines == 4
    assert Order.objects.filter(number__startswith="R-").count() == run.placed
    assert Reservation.objects.filter(owner__startswith="order:R-").count() == run.placed * 4
    assert run.cost is not None and run.cost.orders == run.placed
    assert run.cost.app_cpu_ms == run.client_cpu_ms > 0  # the baseline's app is its own client threads
    # one each; give or take the benchmark's own short connections closing as the run starts
    assert run.placed <= run.cost.commits <= run.placed + 2
    if pg.postmaster is not None:  # a server on this machine
        assert run.cost.pg_cpu_ms is not None and run.cost.pg_cpu_ms > 0
    if pg.has_statements:  # per order: BEGIN, 4 reserves, nextval, the order, 4 lines, 4 reservations, COMMIT
        assert run.cost.statements == run.placed * 16
        assert run.cost.control_statements == run.placed * 2
        assert (
            run.cost.fk_checks == run.placed * 16
        )  # each line and reservation: its variant, its order or location


def test_the_profile_places_orders_through_the_service(skus):
    profile = bench.profile_service(skus, orders=3)
    assert profile.queries > 0 and profile.mean_ms > 0
    assert Order.objects.count() == 14  # 10 to warm up, 3 timed, 1 profiled


def test_a_failing_client_fails_the_run():
    def work(n, gate):
        raise ValueError("broken")

    with pytest.raises(RuntimeError, match="2 of 2"):
        bench._run_threads(2, 0.1, work)


@pytest.mark.parametrize("when", ["setting up", "running"])
def test_a_client_that_fails_stops_the_others_waiting(when):
    def work(n, gate):
        if n == 0 and when == "setting up":
            raise ValueError("no connection")
        gate.ready()
        if n == 0:
            raise ValueError("lost the connection")
        gate.done()
        return {}, []

    with pytest.raises(RuntimeError, match="1 of 3"):
        bench._run_threads(3, 0.1, work)


def test_the_meters_read_between_the_first_and_the_last_request():
    events = []

    def work(n, gate):
        deadline = gate.ready()
        events.append("request")
        while time.perf_counter() < deadline:
            time.sleep(0.01)
        gate.done()
        events.append("disconnect")
        return {201: 1}, [1.0]

    load = bench._run_threads(
        2, 0.1, work, on_start=lambda: events.append("start"), on_end=lambda: events.append("end")
    )
    assert events == ["start", "request", "request", "end", "disconnect", "disconnect"]
    assert load.statuses == {201: 2} and 0.1 <= load.wall < 1


def _tiny_scale(locations: int = 4, skus: int = 30):
    from io import StringIO

    from django.core.management import call_command

    call_command(
        "seed_demo",
        "--force",
        "--scale",
        "--skus",
        str(skus),
        "--locations",
        str(locations),
        "--orders",
        "150",
        "--movements",
        "400",
        stdout=StringIO(),
        stderr=StringIO(),
    )


def test_the_stock_part_runs_through_gunicorn_and_is_written_up(monkeypatch, tmp_path):
    from tests.conftest import server_env
    from tools.bench import report, stock

    _tiny_scale(locations=10, skus=200)  # every 5th location ships: where delivery orders come from
    for key, value in server_env(DB_CONN_MAX_AGE="60").items():
        monkeypatch.setenv(key, value)  # the servers the benchmark starts work on the test database
    monkeypatch.setattr(cost, "STATS_SETTLE_SECONDS", 0.1)  # commit counts not checked here
    opts = {
        "requests": 5,
        "concurrency": 2,
        "seconds": 0.5,
        "lines": "1,3",
        "clients": "1,2",
        "pool": 200,
        "workers": 1,
        "no_broker": False,
        "profile": False,
        "warm_up": 0.3,
    }
    result = stock.run(opts)
    assert result.configs == [(1, 2), (3, 1), (3, 2)]
    labels = {r.label for r in result.runs}
    assert labels >= {"raw SQL", stock.NO_BROKER}
    assert (stock.BROKER in labels) == (not result.broker_note)
    for run in result.runs:
        assert run.placed > 0, (run.label, run.lines, dict(run.statuses))
        assert run.cost is not None and run.cost.orders == run.placed
        if run.label != "raw SQL" and not result.cpu_note:
            assert (run.cost.app_cpu_ms or 0) > 0  # the gunicorn worker's CPU
    assert result.availability["n"] == 5 and result.availability["p95"] > 0

    text = report.stock_markdown(result)
    assert "## Done-when" in text and "availability p95" in text
    assert len(report.checks(result)) in (3, 5)
    path = report.write(tmp_path, sections=[text], data=report.stock_data(result), argv=[])
    assert (tmp_path / "latest.json").exists() and path.read_text().count("| 3 | 2 |") == len(labels)


# --- The managers' reports part (tools/bench/report_pages.py) -----------------------------------------------


def test_the_reports_bench_measures_every_report_and_writes_its_section():
    from omni.reports.base import all_reports
    from tools.bench import report_pages as br

    _tiny_scale()
    store_id, store_code = br.busiest_store()
    assert store_code.startswith("BENCH-")
    br.ensure_managers(store_id)
    logged: list[str] = []
    runs = br.run_reports(
        br.client_fetcher(br.HQ_USERNAME),
        br.client_fetcher(br.STORE_USERNAME),
        store_id=store_id,
        requests=2,
        log=logged.append,
    )
    slugs = {r.slug for r in runs}
    assert slugs == {r.slug for r in all_reports()}
    for run in runs:
        assert run.statuses == [200, 200], (run.slug, run.who, run.statuses)
        assert len(run.page_ms) == 2 and run.sql_ms > 0
    # HQ sees at least what the store manager sees, and the store manager's rows are the store's
    for report in all_reports():
        hq = next(r for r in runs if r.slug == report.slug and r.who == "HQ")
        store = next(r for r in runs if r.slug == report.slug and r.who == "store" and r.window == hq.window)
        assert hq.rows >= store.rows
    channel = [r for r in runs if r.window == "one year"]
    assert {r.slug for r in channel} == {
        r.slug
        for r in all_reports()
        if r.group == "channels" and "dates" in r.filters and r.default_days < 365
    }
    assert len(logged) == len(runs)

    csv_run = br.run_export_child(br.EXPORT_SLUG, "csv")
    xlsx_run = br.run_export_child(br.EXPORT_SLUG, "xlsx")
    assert not csv_run.error and not xlsx_run.error, (csv_run.error, xlsx_run.error)
    hq_rows = next(r.rows for r in runs if r.slug == br.EXPORT_SLUG and r.who == "HQ")
    assert csv_run.rows == xlsx_run.rows == hq_rows > 0
    assert csv_run.bytes > 0 and xlsx_run.bytes > 0 and 0 < csv_run.base_mb <= csv_run.peak_mb
    csv_run.http = br.export_http_answer(br.client_fetcher(br.HQ_USERNAME), br.EXPORT_SLUG, "csv")
    assert csv_run.http.startswith("streams in the request")

    bench = br.ReportsBench(
        runs=runs,
        exports=[csv_run, xlsx_run],
        store_code=store_code,
        store_locations=1,
        data=br.data_sizes(),
        server="the test client",
    )
    text = br.section(bench)
    assert text.count(br.SECTION) == 1
    for run in runs:
        assert f"| `{run.slug}` | {run.who} | {run.window} | {run.rows:,} |" in text
    assert f"| `{br.EXPORT_SLUG}` CSV | {csv_run.rows:,} |" in text and "XLSX" in text
    assert "under\n1 s" in text or "under 1 s" in text


def test_a_slow_page_gets_a_verdict_and_its_plan():
    from tools.bench import report_pages as br

    slow = br.ReportRun(slug="x", title="X", who="HQ", window="-", rows=3, sql_ms=1.0)
    slow.page_ms, slow.statuses, slow.plan = [2500.0, 2600.0], [200, 200], "Seq Scan on x"
    fine = br.ReportRun(slug="y", title="Y", who="store", window="-", rows=1, sql_ms=1.0)
    fine.page_ms, fine.statuses = [100.0, 300.0], [200, 200]
    broken = br.ReportRun(slug="z", title="Z", who="store", window="-")
    broken.page_ms, broken.statuses = [10.0], [500]
    assert not slow.ok and fine.ok and not broken.ok
    bench = br.ReportsBench(
        runs=[slow, fine, broken], exports=[], store_code="S", store_locations=1, data={}, server="s"
    )
    text = br.section(bench)
    assert "| `x` | HQ | - | 3 | 1 | **2,550** / 2,600 | **misses the goal** (2.5 s) |" in text
    assert "| `y` | store | - | 1 | 1 | **200** / 300 | meets the goal |" in text
    assert "**fails** (HTTP [500])" in text
    assert "2 of 3 measured pages miss the goal" in text and "Seq Scan on x" in text
