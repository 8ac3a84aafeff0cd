"""Data kept in each process's memory (omni.cache_versions) is never served stale: every write to a cached
table gives its kind a new version in the writing transaction, and the next request reloads. Writes here
come from another connection, as from another gunicorn worker or box."""

from decimal import Decimal

import psycopg
import pytest
from django.db import connection

from omni import cache_versions
from omni.dburl import url_for
from omni.models import ApiClient
from tests.orders.factories import PromotionFactory
from tests.orders.test_api import ORDERS, delivery

pytestmark = pytest.mark.django_db(transaction=True)


def elsewhere(sql: str, params: list) -> None:
    """A write committed by another connection (another process)."""
    with psycopg.connect(url_for(connection.settings_dict), autocommit=True) as other:
        other.execute(sql, params)


def test_each_kind_gets_a_new_version_on_any_write_and_only_then(net, integration_api):
    before = cache_versions.versions()
    elsewhere("UPDATE inventory_variant SET price = price WHERE sku = %s", ["TEE-1"])
    after = cache_versions.versions()
    assert after["catalog"] != before.get("catalog")
    assert after.get("locations") == before.get("locations")
    elsewhere("UPDATE stores_location SET name = name WHERE code = %s", ["MI-1"])
    assert cache_versions.versions()["locations"] != after.get("locations")
    # the token's last use (written once a minute) is not a change of the client
    apiclients = cache_versions.versions().get("api_clients")
    ApiClient.objects.filter(pk=integration_api.client_row.pk).update(last_used_at=None)
    assert cache_versions.versions().get("api_clients") == apiclients
    ApiClient.objects.filter(pk=integration_api.client_row.pk).update(name="renamed")
    assert cache_versions.versions().get("api_clients") != apiclients


def test_a_price_changed_elsewhere_is_the_price_charged_at_once(api, net):
    client = api()
    first = client.post(ORDERS, delivery(lines=[{"sku": "TEE-1", "quantity": 1}]), format="json")
    assert first.json()["lines"][0]["unit_price"] == "19.90"
    elsewhere("UPDATE inventory_variant SET price = %s WHERE sku = %s", [Decimal("24.50"), "TEE-1"])
    second = client.post(ORDERS, delivery(lines=[{"sku": "TEE-1", "quantity": 1}]), format="json")
    assert second.status_code == 201
    assert second.json()["lines"][0]["unit_price"] == "24.50"
    assert second.json()["total"] == "24.50"


def test_a_promotion_and_a_closed_location_elsewhere_hold_at_once(api, net):
    client = api()
    assert (
        client.post(ORDERS, delivery(lines=[{"sku": "JNS-1", "quantity": 1}]), format="json").status_code
        == 201
    )
    PromotionFactory(variant=net["jeans"], value=Decimal("10.00"))  # written by this process: bumps too
    body = client.post(ORDERS, delivery(lines=[{"sku": "JNS-1", "quantity": 1}]), format="json").json()
    assert body["lines"][0]["line_total"] == "53.91"
    pickup = {"type": "pickup", "location": "MI-1"}
    assert (
        client.post(
            ORDERS, delivery(fulfilment=pickup, lines=[{"sku": "TEE-1", "quantity": 1}]), format="json"
        ).status_code
        == 201
    )
    elsewhere("UPDATE stores_location SET active = false WHERE code = %s", ["MI-1"])
    refused = client.post(
        ORDERS, delivery(fulfilment=pickup, lines=[{"sku": "TEE-1", "quantity": 1}]), format="json"
    )
    assert refused.status_code == 400
    assert "fulfilment.location" in refused.json()["errors"]


def test_a_token_revoked_elsewhere_is_refused_at_the_next_request(integration_api):
    assert integration_api.get(ORDERS).status_code == 200
    elsewhere("UPDATE omni_apiclient SET revoked_at = now() WHERE id = %s", [integration_api.client_row.pk])
    assert integration_api.get(ORDERS).status_code == 401
    elsewhere("UPDATE omni_apiclient SET revoked_at = NULL WHERE id = %s", [integration_api.client_row.pk])
    assert integration_api.get(ORDERS).status_code == 200
