"""The stock reports through the pages: cost columns only for HQ (pages and exports), the SKU-level ageing
list asks for a location on the page but exports the network."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.inventory.test_reports import net, sales  # noqa: F401  (fixtures)
from tests.omni.factories import UserFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_store_managers_see_no_cost_in_pages_or_exports(client, sales):  # noqa: F811
    manager = UserFactory(username="mi.manager", role="store_manager", locations=[sales.mi])
    client.force_login(manager)
    page = client.get(reverse("reports:report", args=["stock-position"]), **EN)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Value at retail" in html and "Value at cost" not in html
    export = client.get(reverse("reports:export", args=["stock-position"]) + "?format=csv", **EN)
    rows = read_csv(export)
    assert "Value at cost" not in rows[0] and "Value at retail" in rows[0]
    assert {row[0] for row in rows[1:]} == {"MI"}  # their location only

    hq = UserFactory(username="hq.manager", role="hq_manager")
    client.force_login(hq)
    rows = read_csv(client.get(reverse("reports:export", args=["stock-position"]) + "?format=csv", **EN))
    assert "Value at cost" in rows[0]
    assert {row[0] for row in rows[1:]} == {"MI", "RM"}


def test_the_sku_ageing_page_asks_hq_for_a_location(client, sales):  # noqa: F811
    client.force_login(UserFactory(username="hq.manager", role="hq_manager"))
    url = reverse("reports:report", args=["stock-ageing"])
    html = client.get(url, **EN).content.decode()
    assert 'data-testid="report-refusal"' in html and 'data-testid="report-table"' not in html
    html = client.get(f"{url}?location={sales.mi.pk}", **EN).content.decode()
    assert 'data-testid="report-refusal"' not in html and 'data-testid="report-table"' in html
    rows = read_csv(client.get(reverse("reports:export", args=["stock-ageing"]) + "?format=csv", **EN))
    assert len(rows) == 1 + 4  # the header and every SKU on hand across the network
