"""The managers' page of the store tablets: per store (another store's tablets invisible), the actions needing
attention, shortfalls reviewed once; the dashboard panel when something waits."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from offline.models import Shortfall
from offline.services.devices import record_heartbeat
from omni.actors import Actor
from tests.offline.conftest import sale_body
from tests.offline.test_sync import sync
from tests.omni.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/offline/devices/"


def beat(world, location, label: str, pending: int, minutes: int) -> uuid.UUID:  # type: ignore[no-untyped-def]
    device = uuid.uuid4()
    record_heartbeat(
        actor=Actor.system(),
        device_id=device,
        location=location,
        label=label,
        pending=pending,
        oldest_pending_at=timezone.now() - timedelta(minutes=minutes) if pending else None,
        catalog_version="v1",
    )
    return device


@pytest.fixture
def tablets(world):  # type: ignore[no-untyped-def]
    beat(world, world["milano"], "Cassa Milano", 3, 40)
    beat(world, world["torino"], "Cassa Torino", 1, 5)
    anna = Actor.for_user(world["anna"])
    sync(anna, sale_body([("TEE-OFF", 12, "19.90")], device=world["device"]))  # 2 short
    sync(anna, sale_body([("NOPE-9", 1, "1.00")], device=world["device"]))  # rejected
    return Shortfall.objects.get()


def test_a_store_manager_sees_the_tablets_of_their_store_only(client, world, tablets):
    client.force_login(world["marco"])
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Cassa Milano" in html and "Cassa Torino" not in html
    assert 'data-testid="tablet-late"' in html  # 40 minutes waiting
    assert f'data-testid="shortfall-{tablets.pk}"' in html and "TEE-OFF" in html
    assert "Not in the catalog: NOPE-9." in html  # the rejected sale, with its reason
    italian = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Non in catalogo: NOPE-9." in italian
    client.force_login(world["tina"])
    html = client.get(PAGE).content.decode()
    assert "Cassa Torino" in html and "Cassa Milano" not in html and "NOPE-9" not in html
    assert 'data-testid="shortfall-' not in html and 'data-testid="tablet-late"' not in html  # 5 minutes


def test_hq_sees_every_store_and_associates_are_refused(client, world, tablets):
    client.force_login(UserFactory(username="hq-off", role="hq_manager"))
    html = client.get(PAGE).content.decode()
    assert "Cassa Milano" in html and "Cassa Torino" in html
    client.force_login(world["anna"])
    assert client.get(PAGE).status_code == 403


def test_a_shortfall_is_reviewed_once(client, world, tablets):
    url = f"/offline/shortfalls/{tablets.pk}/review/"
    client.force_login(world["tina"])  # another store's manager: not found
    assert client.post(url, {"note": "no"}).status_code == 404
    client.force_login(world["anna"])  # an associate: refused
    assert client.post(url, {"note": "no"}).status_code == 403
    client.force_login(world["marco"])
    done = client.post(url, {"note": "Two more on the back shelf"}, HTTP_ACCEPT_LANGUAGE="en")
    assert done.status_code == 302
    tablets.refresh_from_db()
    assert tablets.reviewed_by == world["marco"] and tablets.review_note == "Two more on the back shelf"
    first = tablets.reviewed_at
    again = client.post(url, {"note": "again"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409 and b"already been reviewed" in again.content
    tablets.refresh_from_db()
    assert tablets.reviewed_at == first and tablets.review_note == "Two more on the back shelf"
    assert 'data-testid="shortfall-' not in client.get(PAGE).content.decode()


def test_the_dashboard_panel_shows_what_waits(client, world, tablets):
    client.force_login(world["marco"])
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Store tablets" in html and "Tablets not synced" in html and "Shortfalls to review" in html
    client.force_login(world["tina"])  # a 5-minute queue and nothing to review: no panel
    assert "Tablets not synced" not in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(world["anna"])
    assert "Tablets not synced" not in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
