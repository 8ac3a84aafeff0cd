"""The managers' tablets page in a real browser at the tablet's widths, with a tablet waiting, a rejected
sale and a shortfall: it fits the screen, its buttons are finger-sized, and "Reviewed" clears the shortfall
(it works without JavaScript: a plain form)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from offline.models import Shortfall
from offline.services.devices import record_heartbeat
from omni.actors import Actor
from tests.conftest import browser_login
from tests.offline.conftest import sale_body
from tests.offline.test_sync import sync
from tests.omni.test_tablet_layout import LANDSCAPE, PORTRAIT, check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_tablets_page_fits_and_a_shortfall_is_reviewed(page, world):
    record_heartbeat(
        actor=Actor.system(),
        device_id=uuid.uuid4(),
        location=world["milano"],
        label="Cassa 1",
        pending=2,
        oldest_pending_at=timezone.now() - timedelta(minutes=30),
        catalog_version="v1",
    )
    anna = Actor.for_user(world["anna"])
    sync(anna, sale_body([("TEE-OFF", 11, "19.90")], device=world["device"]))
    sync(anna, sale_body([("NOPE-1", 1, "1.00")], device=world["device"]))
    shortfall = Shortfall.objects.get()
    browser_login(page, "marco-off")
    problems: list[str] = []
    for viewport in (PORTRAIT, LANDSCAPE):
        page.set_viewport_size(viewport)
        problems += check(page, "offline-tablets", "/offline/devices/", viewport)
    assert not problems, "\n".join(problems)
    page.fill(f"#note-{shortfall.pk}", "Uno in magazzino")
    page.click(f'[data-testid="review-{shortfall.pk}"]')
    page.wait_for_load_state("networkidle")
    assert page.locator(f'[data-testid="shortfall-{shortfall.pk}"]').count() == 0
    assert "Verificato: 1 × TEE-OFF presso MI-OFF." in page.content()
    shortfall.refresh_from_db()
    assert shortfall.reviewed_at is not None and shortfall.review_note == "Uno in magazzino"
