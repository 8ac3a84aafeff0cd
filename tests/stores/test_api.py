import math

import pytest
from rest_framework.test import APIClient

from omni.models import AuditEntry
from stores.models import Location, OpeningHours
from tests.conftest import assert_problem
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/locations/"
NEW = {
    "code": "to-centro",
    "name": "Torino Via Roma",
    "kind": "store",
    "address": "Via Roma 53",
    "city": "Torino",
    "country": "IT",
    "latitude": 45.0677,
    "longitude": 7.6824,
    "click_and_collect": True,
    "ships": False,
    "accepts_returns": True,
    "pickup_hold_days": 7,
    "opening_hours": [
        {"weekday": 0, "opens": "10:00", "closes": "19:30"},
        {"weekday": 5, "opens": "10:00", "closes": "20:00"},
    ],
}


def haversine(lat1, lng1, lat2, lng2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_integration_creates_a_location(integration_api):
    response = integration_api.post(URL, NEW, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "TO-CENTRO" and body["kind"] == "store" and body["latitude"] == 45.0677
    assert body["opening_hours"][0] == {"weekday": 0, "opens": "10:00", "closes": "19:30"}
    assert response["Location"] == "/api/v1/locations/TO-CENTRO/"
    assert OpeningHours.objects.filter(location__code="TO-CENTRO").count() == 2
    assert AuditEntry.objects.filter(action="location.created", object_id="TO-CENTRO").exists()


@pytest.mark.parametrize("role", ["eshop", "kiosk", "store"])
def test_other_roles_may_not_create(make_api_client, role):
    home = LocationFactory() if role in ("kiosk", "store") else None
    assert_problem(
        make_api_client(role, location=home).post(URL, NEW, format="json"), 403, "permission_denied"
    )
    assert not Location.objects.filter(code="TO-CENTRO").exists()


def test_no_token_is_401():
    assert_problem(APIClient().get(URL), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"latitude": 91}, "latitude"),
        ({"longitude": -181}, "longitude"),
        ({"kind": "shop"}, "kind"),
        ({"code": "bad code!"}, "code"),
        ({"pickup_hold_days": 0}, "pickup_hold_days"),
        ({"country": "Italy"}, "country"),
        ({"opening_hours": [{"weekday": 7, "opens": "10:00", "closes": "19:00"}]}, "opening_hours.0.weekday"),
        ({"opening_hours": [{"weekday": 1, "opens": "19:00", "closes": "10:00"}]}, "opening_hours.0.closes"),
    ],
)
def test_bad_input_names_the_field(integration_api, change, field):
    body = assert_problem(
        integration_api.post(URL, {**NEW, **change}, format="json"), 400, "validation_error"
    )
    assert field in body["errors"], body
    assert not Location.objects.exists()


def test_a_warehouse_without_click_and_collect_may_hold_pickups_0_days(integration_api):
    warehouse = {
        **NEW,
        "code": "PC-HUB",
        "kind": "warehouse",
        "click_and_collect": False,
        "ships": True,
        "accepts_returns": False,
        "pickup_hold_days": 0,
        "opening_hours": [],
    }
    response = integration_api.post(URL, warehouse, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["pickup_hold_days"] == 0 and response.json()["click_and_collect"] is False
    # What is really inconsistent is still refused: click and collect with no days to hold a pickup.
    body = assert_problem(
        integration_api.patch(URL + "PC-HUB/", {"click_and_collect": True}, format="json"),
        400,
        "validation_error",
    )
    assert list(body["errors"]) == ["pickup_hold_days"], body
    assert Location.objects.get(code="PC-HUB").click_and_collect is False
    response = integration_api.patch(
        URL + "PC-HUB/", {"click_and_collect": True, "pickup_hold_days": 3}, format="json"
    )
    assert response.status_code == 200 and response.json()["pickup_hold_days"] == 3, response.json()


def test_the_database_refuses_click_and_collect_without_a_hold():
    from django.db import IntegrityError, transaction

    WarehouseFactory(code="PC-HUB", pickup_hold_days=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.filter(code="PC-HUB").update(click_and_collect=True)


def test_duplicate_code_is_400(integration_api):
    LocationFactory(code="TO-CENTRO")
    body = assert_problem(integration_api.post(URL, NEW, format="json"), 400, "validation_error")
    assert "code" in body["errors"]


def test_list_filters_and_near_ordering(make_api_client):
    milano = LocationFactory(code="MI-1", latitude="45.464200", longitude="9.190000", click_and_collect=True)
    roma = LocationFactory(code="RM-1", latitude="41.902800", longitude="12.496400", click_and_collect=True)
    WarehouseFactory(code="WH-1", latitude="45.052000", longitude="9.693000")
    LocationFactory(code="OFF-1", active=False)
    api = make_api_client("eshop")
    codes = [r["code"] for r in api.get(URL).json()["results"]]
    assert codes == ["MI-1", "RM-1", "WH-1"]
    assert [r["code"] for r in api.get(URL + "?kind=warehouse").json()["results"]] == ["WH-1"]
    body = api.get(URL + "?click_and_collect=true&near=41.9,12.5").json()
    assert [r["code"] for r in body["results"]] == ["RM-1", "MI-1"]
    expected = haversine(41.9, 12.5, float(milano.latitude), float(milano.longitude))
    assert abs(body["results"][1]["distance_km"] - expected) < 0.5
    assert 470 < expected < 490
    assert body["results"][0]["distance_km"] == pytest.approx(
        haversine(41.9, 12.5, float(roma.latitude), float(roma.longitude)), abs=0.5
    )
    assert api.get(URL).json()["results"][0]["distance_km"] is None


@pytest.mark.parametrize("near", ["abc", "45.4", "91,9", "45,200", "nan,1", "1,2,3"])
def test_bad_near_is_400(integration_api, near):
    body = assert_problem(integration_api.get(URL + f"?near={near}"), 400, "validation_error")
    assert "near" in body["errors"]


def test_near_list_costs_the_same_queries_for_3_or_30_locations(
    integration_api, django_assert_max_num_queries
):
    for i in range(3):
        LocationFactory(code=f"Q-{i}")
    integration_api.get(URL + "?near=45,9")  # warm the token's last-use update
    with django_assert_max_num_queries(4) as few:
        integration_api.get(URL + "?near=45,9")
    queries = len(few.captured_queries)
    for i in range(3, 30):
        LocationFactory(code=f"Q-{i}")
    integration_api.get(URL + "?near=45,9")  # new locations: the process reloads its copies once
    with django_assert_max_num_queries(queries):
        assert len(integration_api.get(URL + "?near=45,9&limit=100").json()["results"]) == 30


def test_retrieve_by_code_case_insensitively_and_404(make_api_client):
    LocationFactory(code="MI-1")
    api = make_api_client("kiosk", location=Location.objects.get(code="MI-1"))
    assert api.get(URL + "MI-1/").json()["code"] == "MI-1"
    assert api.get(URL + "mi-1/").json()["code"] == "MI-1"
    assert_problem(api.get(URL + "NOPE/"), 404, "not_found")


def test_patch_changes_fields_and_hours(integration_api, make_api_client):
    LocationFactory(code="MI-1", pickup_hold_days=7)
    response = integration_api.patch(
        URL + "MI-1/", {"pickup_hold_days": 10, "ships": True, "opening_hours": []}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["pickup_hold_days"] == 10 and response.json()["ships"] is True
    assert_problem(
        integration_api.patch(URL + "MI-1/", {"latitude": 100}, format="json"), 400, "validation_error"
    )
    assert_problem(
        make_api_client("eshop").patch(URL + "MI-1/", {"ships": False}, format="json"),
        403,
        "permission_denied",
    )
    assert_problem(integration_api.put(URL + "MI-1/", {}, format="json"), 405, "method_not_allowed")


def test_create_is_idempotent(integration_api):
    first = integration_api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="loc-1")
    again = integration_api.post(URL, NEW, format="json", HTTP_IDEMPOTENCY_KEY="loc-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = integration_api.post(URL, {**NEW, "name": "X"}, format="json", HTTP_IDEMPOTENCY_KEY="loc-1")
    assert_problem(other, 422, "idempotency_key_reused")
    assert Location.objects.count() == 1
