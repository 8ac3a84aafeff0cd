"""A store's pickup windows in the locations API, and its closures page (managers of that store and HQ)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from omni.models import AuditEntry
from stores.models import Closure, Location, OpeningHours
from stores.selectors.slots import slot_times
from tests.conftest import assert_problem
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/locations/"
NEW = {
    "code": "to-slots",
    "name": "Torino Slots",
    "kind": "store",
    "address": "Via Roma 53",
    "city": "Torino",
    "country": "IT",
    "latitude": 45.0677,
    "longitude": 7.6824,
    "click_and_collect": True,
    "pickup_hold_days": 7,
}


def test_pickup_windows_are_set_on_create_and_patch_and_shown(integration_api, make_api_client):
    created = integration_api.post(
        URL, {**NEW, "pickup_slot_minutes": 30, "pickup_slot_capacity": 4}, format="json"
    )
    assert created.status_code == 201, created.content[:500]
    body = created.json()
    assert (body["pickup_slot_minutes"], body["pickup_slot_capacity"]) == (30, 4)
    # defaults when not given: 60 minutes, 20 orders
    other = integration_api.post(URL, {**NEW, "code": "TO-DEF"}, format="json").json()
    assert (other["pickup_slot_minutes"], other["pickup_slot_capacity"]) == (60, 20)

    patched = integration_api.patch(URL + "TO-SLOTS/", {"pickup_slot_capacity": 9}, format="json")
    assert patched.status_code == 200 and patched.json()["pickup_slot_capacity"] == 9
    assert Location.objects.get(code="TO-SLOTS").pickup_slot_minutes == 30  # untouched
    for bad in ({"pickup_slot_minutes": 5}, {"pickup_slot_minutes": 241}, {"pickup_slot_capacity": 0}):
        body = assert_problem(
            integration_api.patch(URL + "TO-SLOTS/", bad, format="json"), 400, "validation_error"
        )
        assert set(body["errors"]) == set(bad)
    assert_problem(
        make_api_client("eshop").patch(URL + "TO-SLOTS/", {"pickup_slot_capacity": 1}, format="json"),
        403,
        "permission_denied",
    )
    assert make_api_client("eshop").get(URL + "TO-SLOTS/").json()["pickup_slot_capacity"] == 9


@pytest.fixture
def shops():  # type: ignore[no-untyped-def]
    return {"milano": LocationFactory(code="MI-CAL"), "roma": LocationFactory(code="RM-CAL")}


def test_a_store_manager_adds_and_deletes_closures_of_their_store(client, shops):
    milano = shops["milano"]
    client.force_login(UserFactory(username="gm", role="store_manager", locations=[milano]))
    page_url = reverse("stores:closures", args=["MI-CAL"])
    assert client.get(page_url).status_code == 200
    day = timezone.localdate() + timedelta(days=10)
    response = client.post(page_url, {"action": "add", "date": day.isoformat(), "reason": "Inventario"})
    assert response.status_code == 302
    closed = Closure.objects.get(location=milano, date=day)
    assert (closed.opens, closed.closes, closed.reason) == (None, None, "Inventario")
    special = day + timedelta(days=1)
    client.post(page_url, {"action": "add", "date": special.isoformat(), "opens": "10:00", "closes": "13:00"})
    assert Closure.objects.get(location=milano, date=special).closes == time(13)
    html = client.get(page_url).content.decode()
    assert f'data-testid="closure-{day:%Y-%m-%d}"' in html and "10:00–13:00" in html
    # the same day twice, one time only, or closing before opening: the form says so (400), nothing saved
    for data in (
        {"date": day.isoformat()},
        {"date": (day + timedelta(days=2)).isoformat(), "opens": "10:00"},
        {"date": (day + timedelta(days=2)).isoformat(), "opens": "12:00", "closes": "09:00"},
    ):
        assert client.post(page_url, {"action": "add", **data}).status_code == 400
    assert Closure.objects.filter(location=milano).count() == 2
    client.post(reverse("stores:closure-delete", args=["MI-CAL", closed.pk]))
    assert not Closure.objects.filter(pk=closed.pk).exists()
    assert AuditEntry.objects.filter(action__startswith="stores.closure").count() == 3
    # the pickup windows of the store
    client.post(page_url, {"action": "windows", "pickup_slot_minutes": 45, "pickup_slot_capacity": 6})
    milano.refresh_from_db()
    assert (milano.pickup_slot_minutes, milano.pickup_slot_capacity) == (45, 6)
    assert (
        client.post(
            page_url, {"action": "windows", "pickup_slot_minutes": 3, "pickup_slot_capacity": 6}
        ).status_code
        == 400
    )


def test_only_managers_of_that_store_or_hq_reach_the_page(client, shops):
    page_url = reverse("stores:closures", args=["MI-CAL"])
    client.force_login(UserFactory(username="assoc", role="associate", locations=[shops["milano"]]))
    assert client.get(page_url).status_code == 403
    client.force_login(UserFactory(username="gm-roma", role="store_manager", locations=[shops["roma"]]))
    assert client.get(page_url).status_code == 403
    assert client.post(page_url, {"action": "add", "date": "2030-01-01"}).status_code == 403
    closure = Closure.objects.create(location=shops["milano"], date=date(2030, 1, 2))
    assert client.post(reverse("stores:closure-delete", args=["MI-CAL", closure.pk])).status_code == 403
    assert Closure.objects.filter(pk=closure.pk).exists()
    client.force_login(UserFactory(username="hq", role="hq_manager"))
    assert client.get(page_url).status_code == 200
    assert client.get(reverse("stores:closures", args=["NOPE"])).status_code == 404
    detail = client.get(reverse("stores:detail", args=["MI-CAL"])).content.decode()
    assert 'data-testid="open-closures"' in detail


def test_a_closure_added_on_the_page_closes_the_slots_of_that_day(client, shops):
    milano = shops["milano"]
    for weekday in range(7):
        OpeningHours.objects.create(location=milano, weekday=weekday, opens=time(9), closes=time(12))
    day = timezone.localdate() + timedelta(days=5)
    assert len(slot_times(milano, day, 60)) == 3
    client.force_login(UserFactory(username="hq2", role="hq_manager"))
    client.post(reverse("stores:closures", args=["MI-CAL"]), {"action": "add", "date": day.isoformat()})
    assert slot_times(milano, day, 60) == []
