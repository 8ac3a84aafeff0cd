"""The appointments tests' stores (MI-1 and RM-1, open every day 09:00-18:00, Europe/Rome) and API clients
of every role (kiosk and store bound to MI-1 unless told otherwise)."""

import pytest

from tests.appointments.factories import ServiceFactory, open_every_day
from tests.orders.conftest import api, milano, roma

__all__ = ["api", "milano", "roma"]


@pytest.fixture
def mi(milano):
    return open_every_day(milano)


@pytest.fixture
def rm(roma):
    return open_every_day(roma)


@pytest.fixture
def fitting(mi):
    """MI-1's 30-minute tailoring fitting, two associates."""
    return ServiceFactory(
        location=mi, code="fitting", name="Tailoring fitting", duration_minutes=30, capacity=2
    )
