"""The carts tests reuse the orders tests' small network (MI-1 and RM-1 stores, WH-1 warehouse, TEE-1 and
JNS-1) and API clients of every role (kiosk and store bound to MI-1 unless told otherwise)."""

import pytest

from loyalty import services as loyalty
from omni.actors import Actor
from tests.orders.conftest import api, hub, jeans, milano, net, roma, stock, tee

__all__ = ["api", "hub", "jeans", "milano", "net", "roma", "stock", "tee"]

HQ = Actor.system()


@pytest.fixture
def giulia(db):
    """A loyalty member (card) whose email the e-shop knows."""
    return loyalty.enroll_member(email="giulia@example.it", first_name="Giulia", last_name="Rossi", actor=HQ)


@pytest.fixture
def marco(db):
    return loyalty.enroll_member(email="marco@example.it", first_name="Marco", last_name="Bianchi", actor=HQ)
