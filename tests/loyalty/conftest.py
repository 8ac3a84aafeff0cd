"""Loyalty fixtures: the seeded tiers (a transactional test's flush removes migration data), a clock to
move time, members and orders."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db.models import Sum
from django.utils import timezone

from loyalty.models import LedgerEntry, Member, PointsLot, Tier
from loyalty.services import enroll_member
from omni.actors import Actor

HQ = Actor.system()
TIERS = [
    ("bronze", "Bronze", 0, Decimal("1.00")),
    ("silver", "Silver", 1000, Decimal("1.25")),
    ("gold", "Gold", 3000, Decimal("1.50")),
]


def seed_tiers() -> None:
    for code, name, threshold, multiplier in TIERS:
        Tier.objects.update_or_create(
            code=code, defaults={"name": name, "threshold": threshold, "multiplier": multiplier}
        )


@pytest.fixture(autouse=True)
def _tiers(request):  # type: ignore[no-untyped-def]
    """Bronze, Silver and Gold as migration 0002 seeds them, for every database test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return
    transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    request.getfixturevalue("transactional_db" if transactional else "db")
    seed_tiers()


class Clock:
    """`with clock.at(moment):` every timezone.now() in Omni's code answers `moment`."""

    @contextlib.contextmanager
    def at(self, moment: datetime) -> Iterator[datetime]:
        with mock.patch("django.utils.timezone.now", return_value=moment):
            yield moment

    def ago(self, **kwargs: float) -> contextlib.AbstractContextManager[datetime]:
        return self.at(timezone.now() - timedelta(**kwargs))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def member(db) -> Member:  # type: ignore[no-untyped-def]
    return enroll_member(email="Giulia@Example.it", first_name="Giulia", last_name="Rossi", actor=HQ)


def ledger_sum(member: Member) -> int:
    return int(LedgerEntry.objects.filter(member=member).aggregate(s=Sum("points"))["s"] or 0)


def lots_sum(member: Member) -> int:
    return int(PointsLot.objects.filter(member=member).aggregate(s=Sum("remaining"))["s"] or 0)


def assert_books_balance(member: Member) -> None:
    member.refresh_from_db()
    assert member.points_balance >= 0
    assert member.points_balance == ledger_sum(member) == lots_sum(member), (
        member.points_balance,
        ledger_sum(member),
        lots_sum(member),
    )
