from datetime import time
from decimal import Decimal

import pytest
from django.urls import reverse

from stores.middleware import SESSION_KEY
from stores.models import OpeningHours
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    milano = LocationFactory(
        code="MI-DUOMO",
        name="Milano Duomo",
        city="Milano",
        latitude=Decimal("45.4642"),
        longitude=Decimal("9.19"),
    )
    torino = LocationFactory(
        code="TO-CENTRO",
        name="Torino Centro",
        city="Torino",
        latitude=Decimal("45.0703"),
        longitude=Decimal("7.6869"),
    )
    roma = LocationFactory(
        code="RM-CENTRO",
        name="Roma Centro",
        city="Roma",
        latitude=Decimal("41.9028"),
        longitude=Decimal("12.4964"),
    )
    hub = WarehouseFactory(
        code="PC-HUB",
        name="Hub Piacenza",
        city="Piacenza",
        latitude=Decimal("45.05"),
        longitude=Decimal("9.69"),
    )
    OpeningHours.objects.create(location=milano, weekday=0, opens=time(10), closes=time(20))
    return {"milano": milano, "torino": torino, "roma": roma, "hub": hub}


def test_location_list_is_nearest_first_from_the_current_store(client, network):
    user = UserFactory(role="associate", locations=[network["torino"]])
    client.force_login(user)
    response = client.get(reverse("stores:list"))
    assert response.status_code == 200
    codes = [loc.code for loc in response.context["locations"]]
    assert codes == ["TO-CENTRO", "MI-DUOMO", "PC-HUB", "RM-CENTRO"]
    assert "km" in response.content.decode()


def test_location_list_filters(client, network):
    client.force_login(UserFactory(role="hq_manager"))
    response = client.get(reverse("stores:list"), {"kind": "warehouse"})
    assert [loc.code for loc in response.context["locations"]] == ["PC-HUB"]
    response = client.get(reverse("stores:list"), {"q": "roma"})
    assert [loc.code for loc in response.context["locations"]] == ["RM-CENTRO"]
    response = client.get(reverse("stores:list"), {"capability": "ships"})
    assert [loc.code for loc in response.context["locations"]] == ["PC-HUB"]


def test_bad_filter_is_a_form_error_not_a_500(client, network):
    client.force_login(UserFactory(role="hq_manager"))
    response = client.get(reverse("stores:list"), {"kind": "castle"})
    assert response.status_code == 200
    assert response.context["form"].errors["kind"]


def test_location_detail_shows_hours_and_staff_to_its_manager_only(client, network):
    manager = UserFactory(role="store_manager", locations=[network["milano"]], first_name="Giulia")
    associate = UserFactory(role="associate", locations=[network["milano"]])
    client.force_login(manager)
    response = client.get(reverse("stores:detail", kwargs={"code": "MI-DUOMO"}))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="opening-hours"' in body and "10:00" in body
    assert 'data-testid="staff"' in body
    assert (associate.get_full_name() or associate.username) in body
    client.force_login(associate)
    response = client.get(reverse("stores:detail", kwargs={"code": "MI-DUOMO"}))
    assert 'data-testid="staff"' not in response.content.decode()
    other_manager = UserFactory(role="store_manager", locations=[network["roma"]])
    client.force_login(other_manager)
    response = client.get(reverse("stores:detail", kwargs={"code": "MI-DUOMO"}))
    assert 'data-testid="staff"' not in response.content.decode()


def test_unknown_location_is_404(client, network):
    client.force_login(UserFactory(role="associate", locations=[network["milano"]]))
    assert client.get(reverse("stores:detail", kwargs={"code": "NOPE"})).status_code == 404


def test_switch_location_among_ones_own(client, network):
    user = UserFactory(role="associate", locations=[network["milano"], network["torino"]])
    client.force_login(user)
    assert client.get(reverse("dashboard")).context["current_location"].code == "MI-DUOMO"
    response = client.post(
        reverse("stores:switch-location"), {"location": network["torino"].pk, "next": "/catalog/"}
    )
    assert response.status_code == 302 and response["Location"] == "/catalog/"
    assert client.session[SESSION_KEY] == network["torino"].pk
    assert client.get(reverse("dashboard")).context["current_location"].code == "TO-CENTRO"


def test_switch_refuses_other_locations_and_unsafe_next(client, network):
    user = UserFactory(role="associate", locations=[network["milano"], network["torino"]])
    client.force_login(user)
    assert client.post(reverse("stores:switch-location"), {"location": network["roma"].pk}).status_code == 400
    assert client.post(reverse("stores:switch-location"), {"location": "x"}).status_code == 400
    assert client.post(reverse("stores:switch-location"), {"location": ""}).status_code == 400
    response = client.post(
        reverse("stores:switch-location"),
        {"location": network["torino"].pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("stores:switch-location")).status_code == 405


def test_hq_may_go_back_to_the_whole_network(client, network):
    client.force_login(UserFactory(role="hq_manager"))
    client.post(reverse("stores:switch-location"), {"location": network["roma"].pk})
    assert client.get(reverse("dashboard")).context["current_location"].code == "RM-CENTRO"
    client.post(reverse("stores:switch-location"), {"location": ""})
    assert client.get(reverse("dashboard")).context["current_location"] is None


def test_admin_lists_and_edits_locations(client, network):
    admin_user = UserFactory(role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    assert client.get(reverse("admin:stores_location_changelist")).status_code == 200
    response = client.get(reverse("admin:stores_location_change", args=[network["milano"].pk]))
    assert response.status_code == 200 and "Milano Duomo" in response.content.decode()
