"""The benchmark's cost meters without a database: the /proc CPU reader (on a fake /proc, then on a real
child process), the naming of PostgreSQL's processes and the done-when verdicts of a run's write-up."""

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tools.bench import cost, procstat, report
from tools.bench.placement import Run
from tools.bench.procstat import CpuMeter, Tree, parse_stat, ticks_to_ms
from tools.bench.stock import BROKER, NO_BROKER, StockBench

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="Linux /proc only")


def _stat_line(
    pid: int, comm: str, ppid: int, utime: int, stime: int, cutime: int = 0, cstime: int = 0
) -> str:
    fields = ["S", str(ppid)] + ["0"] * 9 + [str(utime), str(stime), str(cutime), str(cstime)]
    fields += ["20", "0", "1", "0", str(1000 + pid)]  # priority, nice, threads, itrealvalue, starttime
    fields += ["0"] * 30
    return f"{pid} ({comm}) " + " ".join(fields) + "\n"


def test_a_stat_line_is_read_from_the_last_parenthesis():
    stat = parse_stat(_stat_line(42, "postgres: a (b) c", 7, 120, 30, 5, 6))
    assert (stat.pid, stat.comm, stat.ppid) == (42, "postgres: a (b) c", 7)
    assert (stat.utime, stat.stime, stat.ticks, stat.reaped_ticks, stat.starttime) == (120, 30, 150, 11, 1042)


def test_the_real_stat_of_this_process():
    me = procstat.read_stat(os.getpid())
    assert me is not None and me.ppid == os.getppid() and me.ticks >= 0
    assert procstat.read_stat(2**22 + 12345) is None  # no such process


class FakeProc:
    """A /proc with a parent and its children, whose counters the test moves."""

    def __init__(self, root: Path, parent: int) -> None:
        self.root, self.parent = root, parent
        self.kids: dict[int, int] = {}
        self.reaped = 0
        self.write()

    def write(self) -> None:
        self._stat(self.parent, 1, 3, self.reaped)
        task = self.root / str(self.parent) / "task" / str(self.parent)
        task.mkdir(parents=True, exist_ok=True)
        (task / "children").write_text(" ".join(str(k) for k in self.kids))
        for pid, ticks in self.kids.items():
            self._stat(pid, self.parent, ticks)
            (self.root / str(pid) / "cmdline").write_bytes(f"kid {pid}\0".encode())

    def _stat(self, pid: int, ppid: int, ticks: int, reaped: int = 0) -> None:
        folder = self.root / str(pid)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "stat").write_text(_stat_line(pid, "x", ppid, ticks, 0, reaped))

    def exit(self, pid: int, total_ticks: int) -> None:
        del self.kids[pid]
        self.reaped += total_ticks
        for f in (self.root / str(pid)).iterdir():
            f.unlink()
        (self.root / str(pid)).rmdir()
        self.write()


def test_the_meter_counts_children_that_come_and_go(tmp_path):
    proc = FakeProc(tmp_path, parent=100)
    proc.kids = {101: 10, 102: 5}
    proc.write()
    groups = {101: "a", 102: "b", 103: "a"}
    meter = CpuMeter(
        [Tree("t", 100, lambda pid: groups[pid], parent_group="parent")],
        interval=3600,  # the test samples by hand
        proc=tmp_path,
    )
    meter.start()
    proc.kids[101] = 30
    proc.kids[102] = 8
    proc.write()
    meter.sample()  # 102 seen at 8 ticks...
    proc.exit(102, total_ticks=12)  # ...then exits having spent 12: 4 after its last sample
    proc.kids[103] = 4  # started within the window: all of it counts
    proc.write()
    reading = meter.stop()
    assert reading.ms["a"] == pytest.approx(ticks_to_ms(20 + 4))
    assert reading.ms["b"] == pytest.approx(ticks_to_ms(3))
    assert reading.ms["parent"] == 0
    assert reading.exited_tail_ms["t"] == pytest.approx(ticks_to_ms(4))
    assert reading.exited == {"b": 1}


def test_the_meter_finds_a_real_childs_cpu_after_it_exited():
    """A child burns 0.3 s of CPU and exits: what the samples saw plus the remainder from our own cutime
    is its whole CPU time."""
    burn = "import time\nwhile time.process_time() < 0.3: pass\n"
    meter = CpuMeter([Tree("me", os.getpid(), lambda pid: "child")], interval=0.05)
    meter.start()
    child = subprocess.Popen([sys.executable, "-c", burn])
    child.wait(timeout=60)
    reading = meter.stop()
    total = reading.ms.get("child", 0.0) + reading.exited_tail_ms["me"]
    assert 250 <= total < 1500  # 0.3 s of the loop plus starting Python, counted in 10 ms ticks


@pytest.mark.parametrize(
    ("title", "group"),
    [
        ("postgres: postgres omni_bench [local] idle", cost.PG_BENCH),
        ("postgres: postgres omni_bench 127.0.0.1(51234) UPDATE", cost.PG_BENCH),
        ("postgres: postgres test_omni [local] idle in transaction", cost.PG_OTHER),
        ("postgres: walwriter", cost.PG_SHARED),
        ("postgres: io worker 2", cost.PG_SHARED),
        ("postgres: checkpointer", cost.PG_SHARED),
        ("postgres: autovacuum worker omni_bench", cost.PG_AUTOVACUUM),
        ("postgres: autovacuum worker omni", cost.PG_OTHER),
        ("postgres: parallel worker for PID 12", cost.PG_UNKNOWN),
        ("postgres", None),  # just forked, no title yet: asked again at the next sample
    ],
)
def test_postgres_processes_are_grouped_by_their_title(title, group):
    assert cost.pg_group(title, "omni_bench") == group


def _run(label: str, lines: int, clients: int, orders: int, pg_ms: float) -> Run:
    run = Run(label, clients, 10.0, Counter({201: orders}), [5.0] * orders, lines)
    run.cost = cost.Cost(
        orders=orders,
        app_cpu_ms=orders * 2.0,
        pg_cpu_ms=pg_ms * orders,
        pg_shared_ms=0.0,
        pg_other_ms=0.0,
        pg_autovacuum_ms=0.0,
        pg_foreign_ms=0.0,
        pg_exited_tail_ms=0.0,
        redis_cpu_ms=orders * 0.1 if label == BROKER else None,
        client_cpu_ms=orders * 1.0,
        statements=orders * 12,
        control_statements=orders * 2,
        fk_checks=orders * 6,
        commits=orders,
        rollbacks=0,
    )
    return run


def test_the_done_when_lines():
    s = StockBench(data={"SKUs": 10}, availability={"p95": 8.0, "p50": 4.0, "plan": "Index Scan"})
    s.configs = [(3, 1), (3, 8)]
    s.runs = [
        _run("raw SQL", 3, 8, 1000, 1.0),
        _run(NO_BROKER, 3, 8, 300, 2.0),
        _run(BROKER, 3, 8, 500, 1.4),
    ]
    lines = report.verdict_lines(report.checks(s))
    assert lines[0].startswith("PASS  API / raw-SQL orders per second (3 lines, 8 clients, API, broker)")
    assert "= 0.50 (target >= 0.4)" in lines[0]
    assert lines[1].startswith("PASS  PostgreSQL CPU per order") and "= 1.40x" in lines[1]
    assert lines[2].startswith("(FAIL, for information)") and "API, no broker" in lines[2]
    assert lines[3].startswith("(FAIL, for information)") and "= 2.00x" in lines[3]
    assert (
        lines[4] == "PASS  availability p95 (sequential requests through gunicorn): 8.0 ms (target <= 10 ms)"
    )
    text = report.stock_markdown(s)
    assert "| 3 | 8 | API, broker | **50.0** | 0.50 |" in text
    assert "12.0 (2.0) +6.0" in text and "Redis 0.10 ms/order" in text


def test_without_postgres_cpu_the_check_says_so():
    s = StockBench(data={}, availability={"p95": 12.0})
    s.configs = [(3, 8)]
    s.runs = [_run("raw SQL", 3, 8, 100, 1.0), _run(NO_BROKER, 3, 8, 50, 1.0)]
    for run in s.runs:
        assert run.cost is not None
        run.cost.pg_cpu_ms = None
    lines = report.verdict_lines(report.checks(s))
    assert lines[1].startswith("N/A   PostgreSQL CPU per order")
    assert lines[2].startswith("FAIL  availability p95")


def test_the_write_up_goes_to_a_dated_file_and_latest(tmp_path):
    path = report.write(tmp_path / "bench", sections=["## A\n\nx\n"], data={"a": 1}, argv=["--only", "stock"])
    assert path.parent == tmp_path / "bench" and path.suffix == ".md"
    assert (tmp_path / "bench" / "latest.md").read_text() == path.read_text()
    assert '"a": 1' in (tmp_path / "bench" / "latest.json").read_text()
    assert "`python -m tools.bench --only stock`" in path.read_text()


def test_backends_of_someone_else_in_the_benchmark_database_are_left_out():
    reading = procstat.CpuReading(
        ms={cost.PG_BENCH: 60.0, cost.PG_SHARED: 5.0},
        exited={cost.PG_BENCH: 1},
        by_pid={
            1: (cost.PG_BENCH, 30.0, True),
            2: (cost.PG_BENCH, 20.0, False),
            3: (cost.PG_BENCH, 10.0, True),
        },
    )
    cost._attribute(reading, "omni-bench-9", ours={1}, monitor={3})
    assert reading.ms == {
        cost.PG_BENCH: 30.0,
        cost.PG_SHARED: 5.0,
        cost.PG_FOREIGN: 20.0,
        cost.PG_MONITOR: 10.0,
    }
    assert reading.exited == {cost.PG_BENCH: 0, cost.PG_FOREIGN: 1}
    unnamed = procstat.CpuReading(ms={cost.PG_BENCH: 5.0}, by_pid={7: (cost.PG_BENCH, 5.0, True)})
    cost._attribute(unnamed, "", ours=set(), monitor=set())  # no application_name: all of them count
    assert unnamed.ms == {cost.PG_BENCH: 5.0}
