"""The placement benchmark's own code runs against the current schema (make bench is not in CI): the
raw-SQL baseline writes orders the database accepts, the in-process profile places real orders, and a
failing client fails the run instead of vanishing."""

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


def test_the_raw_sql_baseline_places_orders(skus):
    run = bench.raw_sql_run(url_for(connection.settings_dict), skus, concurrency=2, seconds=0.5)
    assert run.placed > 0
    assert Order.objects.filter(number__startswith="R-").count() == run.placed
    assert Reservation.objects.filter(owner__startswith="order:R-").count() == run.placed * bench.LINES


def test_the_profile_places_orders_through_the_service(skus):
    profile = bench.profile_service(skus, orders=3)
    assert profile.queries > 0 and profile.mean_ms > 0
    assert Order.objects.count() == 14  # 10 to warm up, 3 timed, 1 profiled


def test_a_failing_client_fails_the_run():
    def work(n, deadline):
        raise ValueError("broken")

    with pytest.raises(RuntimeError, match="2 of 2"):
        bench._run_threads(2, 0.1, work)


# --- The managers' reports part (tools/bench/report_pages.py) -----------------------------------------------


def test_the_reports_bench_measures_every_report_and_writes_its_section(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from omni.reports.base import all_reports
    from tools.bench import report_pages as br

    call_command(
        "seed_demo",
        "--force",
        "--scale",
        "--skus",
        "30",
        "--locations",
        "4",
        "--orders",
        "150",
        "--movements",
        "400",
        stdout=StringIO(),
        stderr=StringIO(),
    )
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

    output = tmp_path / "PERFORMANCE.md"
    output.write_text("# Performance\n\n## Stock availability\n\nkept\n")
    bench = br.ReportsBench(
        runs=runs,
        exports=[csv_run, xlsx_run],
        store_code=store_code,
        store_locations=1,
        data=br.data_sizes(),
        server="the test client",
    )
    br.write_section(output, bench)
    br.write_section(output, bench)  # rewritten in place, not appended twice
    text = output.read_text()
    assert text.startswith("# Performance\n\n## Stock availability\n\nkept\n")
    assert text.count(br.SECTION) == 1
    for run in runs:
        assert f"| `{run.slug}` | {run.who} | {run.window} | {run.rows:,} |" in text
    assert f"| `{br.EXPORT_SLUG}` CSV | {csv_run.rows:,} |" in text and "XLSX" in text
    assert "under\n2 s" in text or "under 2 s" in text


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
