"""Race tests' one harness: start jobs at the same moment, each in its own thread with its own database
connection (use it in a `django_db(transaction=True)` test, so each thread sees what the others commit)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections

from omni.exceptions import DomainError


def run_together(jobs: list[Callable[[], str]], *, timeout: float = 60) -> list[str]:
    """Every job's outcome, in order: what it returned, the code of the domain error it raised (e.g.
    "slot_full", "insufficient_stock"), or "error: ..." for anything else (so the assertion shows it). A
    thread still running after `timeout` seconds fails the test (a deadlock)."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [""] * len(jobs)

    def worker(index: int, job: Callable[[], str]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = job()
        except DomainError as exc:
            outcomes[index] = exc.code
        except Exception as exc:
            outcomes[index] = f"error: {exc!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return outcomes
