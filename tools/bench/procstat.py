"""CPU time of other processes on this machine, from Linux's /proc: what the gunicorn workers and the
PostgreSQL server spend per order.

`/proc/<pid>/stat` holds a process's user and system time in clock ticks (utime, stime), and the time of its
children that have exited and been waited for (cutime, cstime). `CpuMeter` follows process trees (a parent's
children, e.g. the postmaster's backends or the gunicorn master's workers) between `start()` and `stop()`,
sampling every `interval` seconds so that a child that exits mid-run keeps what it had spent up to its last
sample; what it spent after that sample is not lost either: it moves into the parent's cutime+cstime when the
parent reaps it, and the meter reports that remainder as `exited_tail_ms`."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Stat:
    pid: int
    comm: str
    ppid: int
    utime: int  # clock ticks
    stime: int
    cutime: int  # exited, reaped children
    cstime: int
    starttime: int  # ticks after boot: with the pid, identifies the process (pids are reused)

    @property
    def ticks(self) -> int:
        return self.utime + self.stime

    @property
    def reaped_ticks(self) -> int:
        return self.cutime + self.cstime


def parse_stat(text: str) -> Stat:
    """One `/proc/<pid>/stat` line. The command name (2nd field) is in parentheses and may itself contain
    spaces and parentheses, so the fields are counted from the last ')'."""
    head, _, tail = text.rpartition(")")
    pid_text, _, comm = head.partition(" (")
    f = tail.split()  # f[0] is field 3 (state)
    return Stat(
        pid=int(pid_text),
        comm=comm,
        ppid=int(f[1]),
        utime=int(f[11]),
        stime=int(f[12]),
        cutime=int(f[13]),
        cstime=int(f[14]),
        starttime=int(f[19]),
    )


def read_stat(pid: int, proc: Path = PROC) -> Stat | None:
    """The process's counters, or None when it is gone (or not visible to us)."""
    try:
        return parse_stat((proc / str(pid) / "stat").read_text())
    except (OSError, ValueError, IndexError):
        return None


def cmdline(pid: int, proc: Path = PROC) -> str:
    """The command line as `ps` shows it (PostgreSQL rewrites it to "postgres: user db [local] idle")."""
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def children(pid: int, proc: Path = PROC) -> list[int]:
    """Live children of `pid`: from /proc/<pid>/task/*/children when the kernel has it, else by scanning
    every process's parent."""
    try:
        tasks = list((proc / str(pid) / "task").iterdir())
    except OSError:
        return []
    found: list[int] = []
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            if task.exists():  # a kernel without the children file
                return _children_by_scan(pid, proc)
        except OSError:
            continue  # the thread ended meanwhile
    return found


def _children_by_scan(pid: int, proc: Path) -> list[int]:
    found = []
    for entry in proc.iterdir():
        if entry.name.isdigit():
            stat = read_stat(int(entry.name), proc)
            if stat is not None and stat.ppid == pid:
                found.append(stat.pid)
    return found


def ticks_to_ms(ticks: float) -> float:
    return ticks * 1000.0 / CLK_TCK


Classify = Callable[[int], "str | None"]  # pid -> group name; None: not known yet (asked again next sample)


@dataclass
class Tree:
    """A parent process and its children. `classify` names each child's group (e.g. "db:omni_bench",
    "aux"); `parent_group` gets the parent's own time (None: not counted); the remainder of children that
    exited during the run (what they spent after their last sample) is reported per tree."""

    name: str
    parent: int
    classify: Classify
    parent_group: str | None = None


@dataclass
class _Seen:
    group: str | None
    first: int  # ticks when first seen in the window (0 when it started inside the window)
    last: int
    alive: bool = True


@dataclass
class CpuReading:
    """CPU milliseconds spent between start() and stop(), per group, and how many of a group's processes
    exited; per tree, what exited children spent after their last sample (known only as a total, from the
    parent's cutime+cstime)."""

    ms: dict[str, float] = field(default_factory=dict)
    exited_tail_ms: dict[str, float] = field(default_factory=dict)
    exited: dict[str, int] = field(default_factory=dict)
    by_pid: dict[int, tuple[str, float, bool]] = field(default_factory=dict)  # pid -> (group, ms, alive)

    def move(self, pid: int, group: str) -> None:
        """Count `pid` (a child) in `group` instead (the caller knows it better than its title did)."""
        old, ms, alive = self.by_pid[pid]
        self.ms[old] -= ms
        self.ms[group] = self.ms.get(group, 0.0) + ms
        if not alive:
            self.exited[old] -= 1
            self.exited[group] = self.exited.get(group, 0) + 1
        self.by_pid[pid] = (group, ms, alive)

    def total(self, groups: Iterable[str]) -> float:
        return sum(self.ms.get(g, 0.0) for g in groups)


class CpuMeter:
    """CPU time of the processes in `trees` (and of single `pids`, each its own group) over a window."""

    def __init__(
        self,
        trees: list[Tree],
        pids: dict[str, int] | None = None,
        *,
        interval: float = 0.25,
        proc: Path = PROC,
    ) -> None:
        self.trees = trees
        self.pids = pids or {}
        self.interval = interval
        self.proc = proc
        self._seen: dict[str, dict[tuple[int, int], _Seen]] = {}
        self._reaped_at_start: dict[str, int] = {}
        self._parent_at_start: dict[str, int] = {}
        self._single_at_start: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- the window ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._seen = {tree.name: {} for tree in self.trees}
        for tree in self.trees:
            parent = read_stat(tree.parent, self.proc)
            self._reaped_at_start[tree.name] = parent.reaped_ticks if parent else 0
            self._parent_at_start[tree.name] = parent.ticks if parent else 0
        for group, pid in self.pids.items():
            stat = read_stat(pid, self.proc)
            self._single_at_start[group] = stat.ticks if stat else 0
        self.sample(initial=True)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="cpu-meter", daemon=True)
        self._thread.start()

    def stop(self) -> CpuReading:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()
        reading = CpuReading()
        for tree in self.trees:
            seen = self._seen[tree.name]
            for (pid, _start), entry in seen.items():
                group = entry.group or f"{tree.name}:unclassified"
                spent = ticks_to_ms(entry.last - entry.first)
                reading.ms[group] = reading.ms.get(group, 0.0) + spent
                reading.by_pid[pid] = (group, spent, entry.alive)
                if not entry.alive:
                    reading.exited[group] = reading.exited.get(group, 0) + 1
            parent = read_stat(tree.parent, self.proc)
            if parent is None:
                continue
            if tree.parent_group:
                spent = parent.ticks - self._parent_at_start[tree.name]
                reading.ms[tree.parent_group] = reading.ms.get(tree.parent_group, 0.0) + ticks_to_ms(spent)
            gone = [e for e in seen.values() if not e.alive]
            # cutime grew by every reaped child's whole life; what we sampled of their lives is `last`
            tail = parent.reaped_ticks - self._reaped_at_start[tree.name] - sum(e.last for e in gone)
            reading.exited_tail_ms[tree.name] = ticks_to_ms(max(tail, 0))
        for group, pid in self.pids.items():
            stat = read_stat(pid, self.proc)
            if stat is not None:
                reading.ms[group] = ticks_to_ms(stat.ticks - self._single_at_start[group])
        return reading

    # -- sampling -----------------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self, *, initial: bool = False) -> None:
        with self._lock:
            for tree in self.trees:
                seen = self._seen[tree.name]
                live = set()
                for pid in children(tree.parent, self.proc):
                    stat = read_stat(pid, self.proc)
                    if stat is None:
                        continue
                    key = (pid, stat.starttime)
                    live.add(key)
                    entry = seen.get(key)
                    if entry is None:
                        first = stat.ticks if initial else 0
                        entry = seen[key] = _Seen(group=None, first=first, last=stat.ticks)
                    entry.last = stat.ticks
                    if entry.group is None:
                        entry.group = tree.classify(pid)
                for key, entry in seen.items():
                    if key not in live:
                        entry.alive = False
