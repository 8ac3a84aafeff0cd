"""`GET /api/v1/skus/{sku}/availability/` built from plain rows and the in-memory copy of the locations
answers exactly what the ORM query and AvailabilityOut answered (kept here as the reference), with
distances equal to PostgreSQL's to the last digit, and sees every change to a location at once."""

import json
import random
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.exceptions import ValidationError

from inventory import selectors, services
from inventory.api.serializers.stock import AvailabilityOut, AvailabilityQuery, availability_query
from inventory.models import StockLevel
from inventory.selectors import AVAILABLE
from inventory.selectors.availability import Availability, LocationAvailability
from omni.actors import Actor
from omni.api.parsing import parse
from stores.models import Location
from stores.selectors import distance_km_expression, network
from stores.selectors.network import rounded_km
from tests.inventory.factories import VariantFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor(role="integration")


def receive(location, variant, quantity: int) -> None:
    services.record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def reference(variant, near=None, click_and_collect=None) -> dict:
    """The answer as the endpoint built it before: one ORM query, distances in SQL, AvailabilityOut."""
    qs = StockLevel.objects.filter(variant=variant, location__active=True, on_hand__gt=0)
    if click_and_collect is not None:
        qs = qs.filter(location__click_and_collect=click_and_collect)
    qs = qs.annotate(available_qty=AVAILABLE)
    fields = ["location__code", "location__name", "location__kind", "location__city", "on_hand"]
    fields += ["reserved", "available_qty", "location__click_and_collect", "location__ships"]
    if near is not None:
        qs = qs.annotate(distance_km=distance_km_expression(near[0], near[1], prefix="location__"))
        rows = list(qs.order_by("distance_km", "location__code").values_list(*fields, "distance_km"))
    else:
        rows = [(*r, None) for r in qs.order_by("location__code").values_list(*fields)]
    locations = [LocationAvailability(*row) for row in rows]
    network = sum(loc.available for loc in locations if loc.ships or loc.click_and_collect)
    return json.loads(json.dumps(AvailabilityOut(Availability(variant.sku, network, locations)).data))


@pytest.fixture
def network_of_40():
    """40 locations across Italy with every mix of flags, some inactive, some holding nothing, and a few
    at the very same spot (ties in distance go by code)."""
    rng = random.Random(20240607)
    variant = VariantFactory(sku="TEE-NET")
    spot = (Decimal("45.464200"), Decimal("9.190000"))
    for n in range(40):
        lat, lng = (
            spot
            if n % 9 == 0
            else (Decimal(f"{rng.uniform(37, 46.5):.6f}"), Decimal(f"{rng.uniform(7, 18):.6f}"))
        )
        factory = WarehouseFactory if n % 7 == 0 else LocationFactory
        location = factory(
            code=f"N{rng.randrange(100)}-{n:02d}",
            latitude=lat,
            longitude=lng,
            click_and_collect=rng.random() < 0.6,
            ships=rng.random() < 0.4,
            active=n % 11 != 5,
            default_safety_stock=rng.choice([0, 0, 1, 3]),
        )
        if n % 13 != 4:  # a few hold nothing
            receive(location, variant, rng.randint(1, 30))
    for level in StockLevel.objects.filter(variant=variant).order_by("pk")[::3]:
        if level.available >= 1:
            line = services.StockLine(level.location_id, variant.pk, 1)
            services.reserve_stock(owner=f"order:{level.pk}", lines=[line])
    return variant


def test_the_answer_is_the_reference_key_for_key(api_eshop, network_of_40):
    everywhere = reference(network_of_40, (45.4642, 9.19))["locations"]
    assert len(everywhere) > 25 and everywhere[0]["distance_km"] == everywhere[1]["distance_km"] == 0
    rng = random.Random(7)
    nears = [None, (45.4642, 9.19), (41.9, 12.5), (0.0, 0.0), (-33.86, 151.2)]
    nears += [(rng.uniform(36, 47), rng.uniform(6, 19)) for _ in range(20)]
    for near in nears:
        for click_and_collect in (None, True, False):
            params = {} if near is None else {"near": f"{near[0]},{near[1]}"}
            if click_and_collect is not None:
                params["click_and_collect"] = str(click_and_collect).lower()
            response = api_eshop.get("/api/v1/skus/TEE-NET/availability/", params)
            assert response.status_code == 200, response.content
            expected = reference(network_of_40, near, click_and_collect)
            assert list(response.json().items()) == list(expected.items())
            assert response.content == json.dumps(expected, separators=(",", ":")).encode()


@pytest.fixture
def api_eshop(make_api_client):
    return make_api_client("eshop")


def test_rounding_is_postgresqls():
    rng = random.Random(3)
    values = [2.675, 1.005, 0.125, 0.375, 12.345, 1234.565, 0.0, 0.004999999999, 20015.085, 8.995]
    values += [rng.uniform(0, 20016) for _ in range(2000)]
    values += [round(rng.uniform(0, 2000), 2) + 0.005 for _ in range(2000)]  # next to a half
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ROUND(x::numeric, 2)::float8 FROM unnest(%s::float8[]) WITH ORDINALITY t(x, n) "
            "ORDER BY n",
            [values],
        )
        expected = [row[0] for row in cursor.fetchall()]
    assert [rounded_km(v) for v in values] == expected


def test_a_change_to_a_location_shows_at_the_next_request(api_eshop):
    variant = VariantFactory(sku="TEE-CHG")
    milano = LocationFactory(code="MI-CHG", click_and_collect=True)
    roma = LocationFactory(code="RM-CHG", latitude="41.902800", longitude="12.496400")
    receive(milano, variant, 2)
    receive(roma, variant, 3)
    url = "/api/v1/skus/TEE-CHG/availability/"
    assert [loc["location"] for loc in api_eshop.get(url).json()["locations"]] == ["MI-CHG", "RM-CHG"]

    Location.objects.filter(pk=milano.pk).update(name="Milano Duomo", click_and_collect=False, ships=True)
    body = api_eshop.get(url, {"click_and_collect": "true"}).json()
    assert [loc["location"] for loc in body["locations"]] == ["RM-CHG"]
    first = api_eshop.get(url).json()["locations"][0]
    assert (first["name"], first["click_and_collect"], first["ships"]) == ("Milano Duomo", False, True)

    Location.objects.filter(pk=roma.pk).update(active=False)
    body = api_eshop.get(url).json()
    assert [loc["location"] for loc in body["locations"]] == ["MI-CHG"] and body["available"] == 2

    Location.objects.filter(pk=milano.pk).update(latitude="41.902800", longitude="12.496400")
    body = api_eshop.get(url, {"near": "41.9,12.5"}).json()
    assert body["locations"][0]["distance_km"] < 1


def test_a_sku_whose_stock_is_all_at_inactive_locations_is_empty_not_unknown(api_eshop):
    variant = VariantFactory(sku="TEE-OFF")
    receive(LocationFactory(code="XX-OFF", active=False), variant, 5)
    body = api_eshop.get("/api/v1/skus/TEE-OFF/availability/").json()
    assert body == {"sku": "TEE-OFF", "available": 0, "locations": []}


QUERIES = [
    {},
    {"near": "45.4642,9.19"},
    {"near": "-33,151.2"},
    {"near": "45,9", "click_and_collect": "true"},
    {"click_and_collect": "False"},
    {"click_and_collect": "0"},
    {"click_and_collect": ""},
    {"click_and_collect": "null"},
    {"click_and_collect": "maybe"},
    {"near": ""},
    {"near": " 45,9 "},
    {"near": "45, 9"},
    {"near": "91,0"},
    {"near": "45,181"},
    {"near": "nan,nan"},
    {"near": "1e1,2"},
    {"near": "45,9,1"},
    {"near": "45.46420000000000000000000000000000000000000000000000000000000000,9"},
    {"near": "45,9\x00"},
    {"near": "45,9", "click_and_collect": "perhaps"},
    {"near": "95,9", "click_and_collect": "yes"},
    {"sku": "ignored", "near": "45,9"},
]


@pytest.mark.parametrize("params", QUERIES)
def test_reading_the_query_is_the_serializers(params):
    try:
        expected = parse(AvailabilityQuery, params)
    except ValidationError as error:
        with pytest.raises(ValidationError) as raised:
            availability_query(params)
        assert raised.value.detail == error.detail
    else:
        assert availability_query(params) == {"click_and_collect": None, **expected}


def test_the_locations_are_read_once_until_one_changes_or_clear(django_assert_num_queries):
    variant = VariantFactory(sku="TEE-MEM")
    receive(LocationFactory(code="MI-MEM"), variant, 2)
    network.clear()
    with django_assert_num_queries(3):  # the cache versions, the locations, the stock
        assert selectors.sku_availability("TEE-MEM")["available"] == 2
    with django_assert_num_queries(2):
        assert selectors.sku_availability("TEE-MEM")["locations"][0]["location"] == "MI-MEM"
    assert selectors.sku_availability("NOPE-MEM") is None
    receive(LocationFactory(code="RM-MEM"), variant, 3)  # a new location: a new version
    with django_assert_num_queries(3):
        assert selectors.sku_availability("TEE-MEM")["available"] == 5
