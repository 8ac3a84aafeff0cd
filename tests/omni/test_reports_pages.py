"""The report pages: the index by role, a report's filters, chart, sortable paginated table and totals,
form errors instead of a 500, 404 / 403."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.omni.factories import UserFactory
from tests.omni.test_reports_platform import make_network, register_test_reports

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def registered(monkeypatch):
    return register_test_reports(monkeypatch)


@pytest.fixture
def network(db):
    return make_network()


@pytest.fixture
def hq(db):
    return UserFactory(username="hq", role="hq_manager")


def url(slug: str = "test-locations") -> str:
    return reverse("reports:report", args=[slug])


def test_index_as_hq_lists_reports_by_group(client, registered, hq):
    client.force_login(hq)
    response = client.get(reverse("reports:index"), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="report-group-stock"' in html and 'data-testid="report-group-channels"' in html
    assert "Test locations" in html and "Locations of the platform tests." in html and "HQ only" in html
    assert f'href="{url()}"' in html
    assert 'data-testid="nav-reports"' in html
    assert f'href="{reverse("reports:run-list")}"' in html
    assert f'href="{reverse("reports:schedule-list")}"' in html


def test_index_as_store_manager_hides_hq_reports(client, registered, network):
    manager = UserFactory(username="gm", role="store_manager", locations=[network["TA-01"]])
    client.force_login(manager)
    response = client.get(reverse("reports:index"), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Test locations" in html and "HQ only" not in html
    assert client.get(url("test-hq-only")).status_code == 403


def test_associates_get_403_and_no_link(client, registered, network):
    associate = UserFactory(username="ass", role="associate", locations=[network["TA-01"]])
    client.force_login(associate)
    assert client.get(reverse("reports:index")).status_code == 403
    assert client.get(url()).status_code == 403
    assert client.get(reverse("reports:export", args=["test-locations"]) + "?format=csv").status_code == 403
    assert 'data-testid="nav-reports"' not in client.get(reverse("dashboard")).content.decode()


def test_anonymous_is_sent_to_login(client, registered):
    for target in (reverse("reports:index"), url(), reverse("reports:export", args=["test-locations"])):
        response = client.get(target)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_unknown_report_is_404(client, hq):
    client.force_login(hq)
    assert client.get(url("no-such-report")).status_code == 404
    assert client.get(reverse("reports:export", args=["no-such-report"]) + "?format=csv").status_code == 404


def cells(html: str, testid: str = "report-table") -> list[list[str]]:
    table = re.search(rf'<table[^>]*data-testid="{testid}".*?</table>', html, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_report_page_renders_chart_table_and_totals(client, registered, network, hq):
    client.force_login(hq)
    response = client.get(url(), {"sort": "-hold_days"}, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert [r[0] for r in cells(html)] == ["TA-04", "TA-01", "TA-03", "TA-02", "TA-05"]
    first = cells(html)[0]
    assert first[2] == "14" and first[3] == "€\u00a018.75" and first[4] == "70.0\u00a0%"
    totals = re.search(r'data-testid="report-totals">(.*?)</tr>', html, re.S).group(1)
    assert "Total" in totals and "30" in totals and "€\u00a0112.50" in totals
    # the sorted column says so, and its link flips the direction; the others sort on first click
    assert re.search(r'aria-sort="descending" data-key="hold_days"', html)
    assert "sort=hold_days" in re.search(r'data-key="hold_days">\s*<a href="([^"]+)"', html).group(1)
    assert "sort=-prep_fee" in re.search(r'data-key="prep_fee">\s*<a href="([^"]+)"', html).group(1)
    assert "sort=code" in re.search(r'data-key="code">\s*<a href="([^"]+)"', html).group(1)
    assert not re.search(r'data-key="note">\s*<a', html), "an unsortable column has no link"
    # exports carry the filters
    csv_link = re.search(r'href="([^"]+)" data-testid="export-csv"', html).group(1)
    assert csv_link.startswith(
        reverse("reports:export", args=["test-locations"]) + "?format=csv&amp;date_from="
    )


def test_italian_by_default(client, registered, network, hq):
    client.force_login(hq)
    html = client.get(url(), {"sort": "-hold_days"}).content.decode()
    assert cells(html)[0][3] == "€\u00a018,75"
    assert "Esporta" in html or "CSV" in html


def test_pagination_keeps_filters_and_sort(client, registered, network, hq, monkeypatch):
    monkeypatch.setattr("omni.reports.views.pages.PER_PAGE", 2)
    client.force_login(hq)
    response = client.get(url(), {"sort": "-hold_days", "page": "2", "location": ""}, **EN)
    html = response.content.decode()
    assert [r[0] for r in cells(html)] == ["TA-03", "TA-02"]
    nav = re.search(r'data-testid="report-pagination">(.*?)</nav>', html, re.S).group(1)
    next_link = re.search(r'href="\?([^"]+)" rel="next"', nav).group(1).replace("&amp;", "&")
    assert "sort=-hold_days" in next_link and "page=3" in next_link and "date_from=" in next_link
    assert "Page 2 of 3" in nav
    # past the end: the last page
    html = client.get(url(), {"sort": "-hold_days", "page": "99"}, **EN).content.decode()
    assert [r[0] for r in cells(html)] == ["TA-05"]
    html = client.get(url(), {"page": "-3x"}, **EN).content.decode()
    assert [r[0] for r in cells(html)] == ["TA-01", "TA-02"]


def test_invalid_filters_show_errors_and_no_table(client, registered, network, hq):
    client.force_login(hq)
    response = client.get(url(), {"date_from": "2025-03-10", "date_to": "2025-03-01"}, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The end date comes before the start date." in html
    assert 'data-testid="report-table"' not in html and "<svg" not in html


def test_a_store_manager_cannot_pick_another_store(client, registered, network):
    manager = UserFactory(username="gm", role="store_manager", locations=[network["TA-01"], network["TA-02"]])
    client.force_login(manager)
    html = client.get(url(), **EN).content.decode()
    assert [r[0] for r in cells(html)] == ["TA-01", "TA-02"]
    filters = re.search(r'data-testid="report-filters".*?</form>', html, re.S).group(0)
    options = re.findall(r'<option value="(\d+)"', filters)
    assert sorted(int(o) for o in options) == sorted([network["TA-01"].pk, network["TA-02"].pk])
    response = client.get(url(), {"location": network["TA-04"].pk}, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "TA-04" not in html and 'data-testid="report-table"' not in html
    assert "Select a valid choice" in html
    export = reverse("reports:export", args=["test-locations"])
    assert client.get(export, {"format": "csv", "location": network["TA-04"].pk}).status_code == 400
    html = client.get(url(), {"location": network["TA-02"].pk}, **EN).content.decode()
    assert [r[0] for r in cells(html)] == ["TA-02"]


def test_no_rows_shows_the_empty_chart(client, registered, network, hq):
    client.force_login(hq)
    html = client.get(url(), {"date_from": "2020-01-01", "date_to": "2020-01-31"}, **EN).content.decode()
    assert "No rows for these filters." in html and "No data for these filters." in html
    assert 'data-testid="report-table"' not in html
