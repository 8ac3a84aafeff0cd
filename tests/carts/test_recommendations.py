""" "Bought together": the co-occurrence computed in SQL against a hand-computed fixture, the refresh (beat
task and command), and the API and the staff SKU page (only in-stock items, explainable, limited)."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from carts.models import BoughtTogether
from carts.selectors.recommendations import bought_together
from carts.services.recommendations import REFRESH_LOCK_ID, refresh_recommendations
from carts.tasks import refresh_recommendations_task
from inventory import services as stock_services
from omni.actors import Actor
from tests.conftest import assert_problem
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.loyalty.factories import order_with_lines
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
IT = {"HTTP_ACCEPT_LANGUAGE": "it"}


def stock(location, variant, quantity: int) -> None:  # type: ignore[no-untyped-def]
    stock_services.record_movement(
        actor=Actor.system(),
        location_id=location.pk,
        variant_id=variant.pk,
        kind="receipt",
        quantity=quantity,
    )


def recommendations_url(sku: str) -> str:
    return reverse("sku-recommendations", args=[sku])


@pytest.fixture
def milano():
    return LocationFactory(code="MI-1", name="Milano Duomo")


@pytest.fixture
def roma():
    return LocationFactory(code="RM-1", name="Roma Corso")


@pytest.fixture
def items():
    """A (tee M), E (tee L: the same product as A), B (jeans), C (belt), D (cap)."""
    tee = ProductFactory(name="T-shirt")
    return {
        "A": VariantFactory(product=tee, sku="TEE-M", size="M", price=Decimal("19.90")),
        "E": VariantFactory(product=tee, sku="TEE-L", size="L", price=Decimal("19.90")),
        "B": VariantFactory(product=ProductFactory(name="Jeans"), sku="JNS-32", price=Decimal("59.90")),
        "C": VariantFactory(product=ProductFactory(name="Belt"), sku="BELT-1", price=Decimal("25.00")),
        "D": VariantFactory(product=ProductFactory(name="Cap"), sku="CAP-1", price=Decimal("12.00")),
    }


@pytest.fixture
def history(items):
    """Orders whose pairs are counted by hand in the tests below."""
    a, b, c, d, e = (items[k] for k in "ABCDE")
    order_with_lines([(a, 1), (b, 1), (c, 1)], customer_email="x@example.it")  # x: A B C
    order_with_lines([(a, 2), (b, 1)], customer_email="x@example.it")  # x again: counts once
    order_with_lines([(a, 1), (b, 1), (e, 1)], customer_email="y@example.it")  # y: A B E (A-E same product)
    order_with_lines([(a, 1), (c, 1)], customer_email="")  # an anonymous till sale: a customer of its own
    order_with_lines([(a, 1), (d, 1)], customer_email="z@example.it", status="cancelled")  # never counts
    order_with_lines(
        [(a, 1), (d, 1)], customer_email="w@example.it", created_at=timezone.now() - timedelta(days=400)
    )  # older than a year
    order_with_lines([(b, 1), (c, 1)], customer_email="v@example.it")  # v: B C
    return items


def stored() -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (row.variant.sku, row.other.sku): (row.customers, row.rank)
        for row in BoughtTogether.objects.select_related("variant", "other")
    }


def test_co_occurrence_matches_the_hand_count(history):
    result = refresh_recommendations()
    assert not result.skipped
    # distinct customers who bought both, counted by hand from `history`:
    counted = {
        "TEE-M": {"JNS-32": 2, "BELT-1": 2},  # B: x, y; C: x and the anonymous sale (never E: same product)
        "JNS-32": {"TEE-M": 2, "BELT-1": 2, "TEE-L": 1},  # A: x, y; C: x, v; E: y
        "BELT-1": {"TEE-M": 2, "JNS-32": 2},  # A: x, anonymous; B: x, v
        "TEE-L": {"JNS-32": 1},  # B: y
    }  # CAP-1: only in a cancelled order and one older than a year
    ids = {v.sku: v.pk for v in history.values()}
    expected = {}
    for sku, others in counted.items():
        ranked = sorted(others, key=lambda other: (-others[other], ids[other]))  # ties: the lower id first
        for rank, other in enumerate(ranked, start=1):
            expected[(sku, other)] = (others[other], rank)
    assert stored() == expected
    assert result.pairs == len(expected) == 8


def test_a_refresh_replaces_the_table_and_keeps_the_top_n(history, settings):
    refresh_recommendations()
    settings.RECOMMENDATIONS_KEPT = 1
    refresh_recommendations()
    assert sorted(row[0] for row in stored()) == ["BELT-1", "JNS-32", "TEE-L", "TEE-M"]
    assert {rank for _customers, rank in stored().values()} == {1}


def test_the_command_and_the_beat_task_refresh(history):
    out = StringIO()
    call_command("refresh_recommendations", "--days", "500", stdout=out)
    assert "bought-together pairs" in out.getvalue()
    assert ("TEE-M", "CAP-1") in stored()  # the 400-day-old order counts over 500 days
    assert refresh_recommendations_task.run() == 8  # the default year again
    assert ("TEE-M", "CAP-1") not in stored()


# --- The API ------------------------------------------------------------------------------------------------


def test_only_items_in_stock_where_it_matters(make_api_client, history, milano, roma):
    refresh_recommendations()
    stock(milano, history["C"], 2)
    stock(roma, history["B"], 1)

    anywhere = make_api_client("eshop").get(recommendations_url("TEE-M"), **EN)
    assert anywhere.status_code == 200, anywhere.content
    body = anywhere.json()
    assert body["sku"] == "TEE-M" and body["location"] is None
    assert {r["sku"] for r in body["results"]} == {"JNS-32", "BELT-1"}

    at_milano = make_api_client("eshop").get(recommendations_url("TEE-M"), {"location": "MI-1"}, **EN).json()
    assert [r["sku"] for r in at_milano["results"]] == ["BELT-1"]
    assert at_milano["location"] == "MI-1"
    assert at_milano["results"][0] == {
        "sku": "BELT-1",
        "name": history["C"].display_name,
        "price": "25.00",
        "currency": "EUR",
        "customers": 2,
        "reason": "Bought together by 2 customers",
        "available": 2,
    }

    # a kiosk or store: its own location unless it asks for another
    kiosk_roma = make_api_client("kiosk", location=roma)
    assert [r["sku"] for r in kiosk_roma.get(recommendations_url("TEE-M")).json()["results"]] == ["JNS-32"]
    mi = kiosk_roma.get(recommendations_url("TEE-M"), {"location": "MI-1"}).json()
    assert [r["sku"] for r in mi["results"]] == ["BELT-1"]


def test_not_on_sale_is_left_out_and_the_limit_holds(make_api_client, history, milano):
    refresh_recommendations()
    stock(milano, history["B"], 1)
    stock(milano, history["C"], 1)
    api = make_api_client("integration")
    assert len(api.get(recommendations_url("TEE-M"), {"limit": 1}).json()["results"]) == 1
    history["B"].active = False
    history["B"].save(update_fields=["active"])
    assert [r["sku"] for r in api.get(recommendations_url("TEE-M")).json()["results"]] == ["BELT-1"]


def test_the_reason_is_explained_in_the_callers_language(make_api_client, history, milano):
    refresh_recommendations()
    stock(milano, history["B"], 1)
    api = make_api_client("integration")
    tee_l = api.get(recommendations_url("TEE-L"), **EN).json()["results"]
    assert [(r["sku"], r["customers"], r["reason"]) for r in tee_l] == [
        ("JNS-32", 1, "Bought together by 1 customer")
    ]
    italian = api.get(recommendations_url("TEE-M"), **IT).json()["results"]
    assert italian[0]["reason"] == "Acquistato insieme da 2 clienti"


def test_bad_input_and_unknown_skus(make_api_client, history, client):
    refresh_recommendations()
    api = make_api_client("store", location=LocationFactory(code="TO-1"))
    assert_problem(api.get(recommendations_url("NOPE")), 404, "not_found")
    assert_problem(api.get(recommendations_url("TEE-M"), {"location": "XX-9"}), 400, "validation_error")
    assert_problem(api.get(recommendations_url("TEE-M"), {"limit": 0}), 400, "validation_error")
    assert_problem(api.get(recommendations_url("TEE-M"), {"limit": "many"}), 400, "validation_error")
    assert_problem(client.get(recommendations_url("TEE-M")), 401, "not_authenticated")
    assert api.get(recommendations_url("CAP-1")).json()["results"] == []  # nothing bought with it


# --- The staff SKU page -------------------------------------------------------------------------------------


def test_the_sku_page_shows_what_is_bought_with_it_here(client, history, milano):
    refresh_recommendations()
    stock(milano, history["C"], 3)
    client.force_login(UserFactory(username="giulia", role="store_manager", locations=[milano]))
    response = client.get(reverse("inventory:sku-detail", args=["TEE-M"]), **EN)
    html = response.content.decode()
    assert 'data-testid="sku-recommendations"' in html
    assert 'data-testid="recommendation-BELT-1"' in html
    assert "Bought together by 2 customers" in html
    assert 'data-testid="recommendation-JNS-32"' not in html  # not in stock here
    italian = client.get(reverse("inventory:sku-detail", args=["TEE-M"]), **IT).content.decode()
    assert "Acquistato insieme da 2 clienti" in italian
    empty = client.get(reverse("inventory:sku-detail", args=["CAP-1"]), **EN).content.decode()
    assert 'data-testid="no-recommendations"' in empty


def test_reading_recommendations_is_one_query(history, milano, django_assert_num_queries):
    refresh_recommendations()
    stock(milano, history["B"], 1)
    stock(milano, history["C"], 1)
    with django_assert_num_queries(1):
        found = bought_together(history["A"], location_id=milano.pk, limit=5)
    assert [(r.sku, r.available) for r in found] == [
        (v.sku, 1) for v in sorted([history["B"], history["C"]], key=lambda v: v.pk)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_second_refresh_at_the_same_time_skips():
    held, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_LOCK_ID])
                held.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    try:
        assert held.wait(timeout=10)
        assert refresh_recommendations().skipped is True
    finally:
        release.set()
        thread.join(timeout=10)
    assert refresh_recommendations().skipped is False
