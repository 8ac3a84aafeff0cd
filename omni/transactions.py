"""Transactions without the round trips nobody needs.

Django's `atomic` nested in another opens a SAVEPOINT and RELEASEs it after: two round trips, so that a
caller can catch the inner block's error and go on. An idempotent API request never goes on: its one
transaction (claim, work, stored answer) rolls back whole on any error (omni.api.idempotency). Inside
`all_or_nothing()`, a service decorated with `service_atomic` therefore joins the transaction without a
savepoint; everywhere else (pages, tasks, tests, services calling services) it behaves as `atomic`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")

_local = threading.local()


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Inside: the enclosing transaction block rolls back whole on any error escaping it."""
    before = getattr(_local, "whole", False)
    _local.whole = True
    try:
        yield
    finally:
        _local.whole = before


def service_atomic(func: Callable[P, R]) -> Callable[P, R]:
    """`transaction.atomic`, without a savepoint inside `all_or_nothing()`."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with transaction.atomic(savepoint=not getattr(_local, "whole", False)):
            return func(*args, **kwargs)

    return wrapper
